import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diskFloor, diskSpace, sizeTempFileLimit } from '../../harness/db/disk.ts';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

test('the floor is the larger of 2 GiB and 5 % of the disk, unless LOADLAB_DISK_FLOOR sets it', () => {
  assert.equal(diskFloor(10 * GiB, {}).bytes, 2 * GiB);
  assert.equal(diskFloor(1000 * GiB, {}).bytes, 50 * GiB);
  assert.equal(diskFloor(10 * GiB, { LOADLAB_DISK_FLOOR: '500MiB' }).bytes, 500 * MiB);
  assert.equal(diskFloor(10 * GiB, { LOADLAB_DISK_FLOOR: '1GB' }).bytes, 1e9);
  assert.equal(diskFloor(10 * GiB, { LOADLAB_DISK_FLOOR: '10%' }).bytes, GiB);
  assert.equal(diskFloor(10 * GiB, { LOADLAB_DISK_FLOOR: '4096' }).bytes, 4096);
  assert.match(diskFloor(10 * GiB, { LOADLAB_DISK_FLOOR: '1.5GiB' }).basis, /LOADLAB_DISK_FLOOR=1\.5GiB/);
  for (const bad of ['lots', '5 parsecs', '-1GiB', '150%', 'GiB']) {
    assert.throws(
      () => diskFloor(10 * GiB, { LOADLAB_DISK_FLOOR: bad }),
      new RegExp(`LOADLAB_DISK_FLOOR '${bad}' is not a size \\(accepted: `),
    );
  }
});

test('temp_file_limit shares the free space above the floor among the sessions that can spill at once', () => {
  // 78 GiB free over a 12.6 GiB floor among 11 sessions: each may spill about 5.9 GiB, in whole MiB
  const big = sizeTempFileLimit({ free: 78 * GiB, total: 252 * GiB }, diskFloor(252 * GiB, {}), 11);
  assert.equal(big.kB, Math.floor((78 * GiB - 0.05 * 252 * GiB) / 11 / MiB) * 1024);
  assert.match(big.basis, /free above a floor of 12\.6 GiB .* 11 sessions/);
  // on a disk already below its floor every spill fails (1 MiB), and the basis says why
  const low = sizeTempFileLimit({ free: GiB, total: 20 * GiB }, diskFloor(20 * GiB, {}), 11);
  assert.equal(low.kB, 1024);
  assert.match(low.basis, /already below its floor/);
});

test('diskSpace reads the real filesystem', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-disk-'));
  try {
    const s = diskSpace(dir);
    assert.ok(s.total > 0 && s.free >= 0 && s.free <= s.total, JSON.stringify(s));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
