import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PASS_SECONDS, WaitingRoom } from '../../shop/waiting-room.ts';

const passOf = (setCookie: string) => setCookie.split(';')[0];

test('the waiting room never lets more than N new visitors in within any minute, and N when crowded, at an even pace', () => {
  let now = 1_000_000;
  const room = new WaitingRoom({ visitors_per_minute: 50, retry_after_s: 10 }, randomBytes(32), () => now);
  const admittedAt: number[] = [];
  // a new visitor every 50 ms for three minutes: 20 times what the room lets in
  for (let i = 0; i < 3600; i++) {
    now += 50;
    if (room.enter('citymuseum', undefined).admitted) admittedAt.push(now);
  }
  for (let i = 0; i < admittedAt.length; i++) {
    const inWindow = admittedAt.filter((t) => t >= admittedAt[i] && t < admittedAt[i] + 60_000).length;
    assert.ok(inWindow <= 50, `${inWindow} admitted in the minute from ${admittedAt[i]}`);
  }
  assert.equal(admittedAt.length, 150, `admitted in 3 minutes at N = 50`);
  // an even pace: never two within half of 60/N s
  assert.ok(
    admittedAt.every((t, i) => i === 0 || t - admittedAt[i - 1] >= 600),
    'no burst',
  );
  assert.deepEqual(room.counts().citymuseum, { admitted: admittedAt.length, queue_pages: 3600 - admittedAt.length });
});

test('a pass lets its visitor through for the rest of the visit, for its organizer only, and cannot be forged', () => {
  let now = 5_000_000;
  const room = new WaitingRoom({ visitors_per_minute: 1, retry_after_s: 10 }, randomBytes(32), () => now);
  const first = room.enter('citymuseum', undefined);
  assert.ok(first.admitted && first.setCookie);
  const pass = passOf(first.setCookie);
  assert.equal(room.enter('citymuseum', undefined).admitted, false, 'the next new visitor waits');
  assert.deepEqual(room.enter('citymuseum', `other=1; ${pass}`), { admitted: true }, 'a pass is no new admission');
  assert.equal(room.enter('elsewhere', pass).admitted, true, 'another organizer has a slot of its own');
  assert.equal(room.enter('elsewhere', undefined).admitted, false);
  assert.equal(
    room.enter(
      'citymuseum',
      pass.replace(/\d+\./, (d) => `${Number(d.slice(0, -1)) + 1}.`),
    ).admitted,
    false,
    'a changed issue time breaks the signature',
  );
  const elsewhereRoom = new WaitingRoom({ visitors_per_minute: 1, retry_after_s: 10 }, randomBytes(32), () => now);
  elsewhereRoom.enter('citymuseum', undefined);
  assert.equal(elsewhereRoom.enter('citymuseum', pass).admitted, false, 'another secret does not honour it');
  now += (PASS_SECONDS + 1) * 1000;
  const later = room.enter('citymuseum', pass);
  assert.ok(later.admitted && later.setCookie, 'an expired pass counts as a new visitor (who gets the free slot)');
  assert.deepEqual(room.counts().citymuseum, { admitted: 2, queue_pages: 2 });
});
