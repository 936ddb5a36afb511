// load:partition's settings without starting anything: phase flags, the Debian program check, the load balancer's config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../common/user-error.ts';
import { parsePhaseSeconds } from '../../harness/partition/flags.ts';
import { debianProgram } from '../../harness/process/guarded.ts';
import { haproxyConfig } from '../../harness/partition/haproxy.ts';

test('--phase-seconds takes baseline,partition,recovery and nothing else', () => {
  assert.deepEqual(parsePhaseSeconds('60,120,60'), { baseline: 60, partition: 120, recovery: 60 });
  for (const bad of ['60,120', '60,120,60,1', '2,10,10', '10,x,10', '10,10,3601', '']) {
    assert.throws(
      () => parsePhaseSeconds(bad),
      (e: unknown) => e instanceof UserError && e.message.startsWith(`--phase-seconds '${bad}' is not valid`),
      bad,
    );
  }
});

test('a missing Debian program is one line naming the package to install', () => {
  assert.throws(
    () => debianProgram('/nonexistent/redis-server', 'redis-server', 'set REDIS_URL to a Redis of your own'),
    (e: unknown) =>
      e instanceof UserError &&
      e.message ===
        "/nonexistent/redis-server not found: install Debian's redis-server (apt-get install redis-server), or set REDIS_URL to a Redis of your own",
  );
});

test('the load balancer checks every web worker, resends only pages and 503/504 answers, and listens on loopback', () => {
  const cfg = haproxyConfig(
    8080,
    [
      { name: 'web1', port: 9001 },
      { name: 'web2', port: 9002 },
    ],
    10,
  );
  assert.match(cfg, /bind 127\.0\.0\.1:8080\n/);
  assert.match(cfg, /option httpchk GET \/healthz/);
  assert.equal(
    cfg.match(/server web\d 127\.0\.0\.1:900\d check\n/g)?.length,
    2,
    'both workers are checked in the pages backend',
  );
  assert.equal(cfg.match(/track pages\/web\d/g)?.length, 2, 'the actions backend follows those checks');
  const actions = cfg.slice(cfg.indexOf('\nbackend actions'));
  assert.match(
    actions,
    /retry-on conn-failure empty-response 503 504\n/,
    'a failed task (500) is never resent by the balancer',
  );
  assert.doesNotMatch(actions, /response-timeout/, 'nor one that is merely slow');
});
