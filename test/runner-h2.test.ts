// HTTP/2 over TLS as k6 negotiates it (ALPN): a server that speaks h2 gets h2, res.proto and the proto tag say
// HTTP/2.0; an HTTP/1.1-only server stays on HTTP/1.1. Certificates from a local CA made for the test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScript } from '../runner/index.ts';
import { collect } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'runner-h2-'));

/** A local CA and a certificate it signed for 127.0.0.1; null when openssl is missing. */
function localCert(): { key: Buffer; cert: Buffer } | null {
  const run = (args: string[]) => spawnSync('openssl', args, { cwd: dir, stdio: 'ignore' }).status === 0;
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  const ok =
    run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=loadlab test CA',
    ]) &&
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.csr', '-subj', '/CN=127.0.0.1']) &&
    run([
      'x509',
      '-req',
      '-in',
      'c.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'c.pem',
      '-days',
      '1',
      '-extfile',
      'ext.cnf',
    ]);
  return ok ? { key: readFileSync(path.join(dir, 'k.pem')), cert: readFileSync(path.join(dir, 'c.pem')) } : null;
}

test('h2 by ALPN over TLS: res.proto HTTP/2.0 and the proto tag, sequential and batched; HTTP/1.1 where the server has no h2', async (t) => {
  const tls = localCert();
  if (tls === null) return t.skip('openssl is not installed: no certificate to test with');
  const h2 = http2.createSecureServer({ ...tls, allowHTTP1: true }, (req, res) => res.end(`v${req.httpVersion}`));
  const h1 = https.createServer(tls, (req, res) => res.end(`v${req.httpVersion}`));
  await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => h1.listen(0, '127.0.0.1', r));
  const file = path.join(dir, 'h2.js');
  writeFileSync(
    file,
    `import http from 'k6/http';
import { check } from 'k6';
export const options = { iterations: 2, insecureSkipTLSVerify: true };
export default function () {
  const a = http.get(__ENV.H2 + '/a');
  const [b, c] = http.batch([__ENV.H2 + '/b', __ENV.H2 + '/c']);
  const old = http.get(__ENV.H1 + '/old');
  check(a, { 'h2 sequential': (r) => r.proto === 'HTTP/2.0' && r.body === 'v2.0' });
  check(b, { 'h2 batched': (r) => r.proto === 'HTTP/2.0' && c.proto === 'HTTP/2.0' && c.body === 'v2.0' });
  check(old, { 'http/1.1 server': (r) => r.proto === 'HTTP/1.1' && r.body === 'v1.1' });
}`,
  );
  const url = (s: { address(): unknown }) => `https://127.0.0.1:${(s.address() as AddressInfo).port}`;
  try {
    const err = collect();
    const r = await runScript(file, { quiet: true, stdout: collect(), stderr: err, env: { H2: url(h2), H1: url(h1) } });
    const checks = r.summary.root_group.checks;
    assert.deepEqual(
      checks.map((c) => [c.name, c.passes, c.fails]),
      [
        ['h2 sequential', 2, 0],
        ['h2 batched', 2, 0],
        ['http/1.1 server', 2, 0],
      ],
      err.text,
    );
    assert.equal(r.summary.metrics.http_reqs.values.count, 8);
  } finally {
    h2.close();
    h1.close();
    h1.closeAllConnections();
  }
});
