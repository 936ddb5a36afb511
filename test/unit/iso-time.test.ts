import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoTime } from '../../datasets/iso-time.ts';
import { Random } from '../../datasets/random.ts';

test('isoTime formats exactly as Date#toISOString', () => {
  const edges = [0, -1, 1, 86_399_999, 86_400_000, -86_400_000, 951_782_400_000 /* 2000-02-29 */, 4_102_444_799_999];
  const rnd = new Random(7);
  const samples = Array.from({ length: 50_000 }, () => Math.floor((rnd.next() * 2 - 0.5) * 4e12));
  for (const ms of [...edges, ...samples]) assert.equal(isoTime(ms), new Date(ms).toISOString(), `at ${ms}`);
});
