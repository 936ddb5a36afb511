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

/** A local CA, a server certificate it signed for 127.0.0.1 and a client one; null when openssl is missing. */
function localCert(): { key: Buffer; cert: Buffer } | null {
  const run = (cmd: string) => spawnSync('openssl', cmd.split(' '), { cwd: dir, stdio: 'ignore' }).status === 0;
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  const sign = (csr: string, out: string, ext: string) =>
    run(`x509 -req -in ${csr} -CA ca.pem -CAkey ca.key -CAcreateserial -out ${out} -days 1${ext}`);
  const ok =
    run('req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj /CN=loadlab-test-CA') &&
    run('req -newkey rsa:2048 -nodes -keyout k.pem -out c.csr -subj /CN=127.0.0.1') &&
    sign('c.csr', 'c.pem', ' -extfile ext.cnf') &&
    run('req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=vu') &&
    sign('client.csr', 'client.pem', '');
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

test('TLS options: tlsVersion, tlsCipherSuites (res.tls_version, res.tls_cipher_suite), tlsAuth client certificates; a bad value refused at start-up', async (t) => {
  const tls = localCert();
  if (tls === null) return t.skip('openssl is not installed: no certificate to test with');
  // the server asks for a client certificate of the local CA and lets the request through without one, so both show
  const server = https.createServer(
    { ...tls, requestCert: true, rejectUnauthorized: false, ca: readFileSync(path.join(dir, 'ca.pem')) },
    (req, res) => res.end((req.socket as import('node:tls').TLSSocket).authorized ? 'client ok' : 'no client cert'),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const play = async (options: string) => {
    const file = path.join(dir, `bad${Math.random().toString(36).slice(2)}.js`);
    writeFileSync(file, `export const options = { ${options} };\nexport default function () {}`);
    return runScript(file, { quiet: true, stdout: collect(), stderr: collect() });
  };
  try {
    // what the script saw, as it logs it
    const tag = async (options: string) => {
      const file = path.join(dir, `tls${Math.random().toString(36).slice(2)}.js`);
      writeFileSync(
        file,
        `import http from 'k6/http';
export const options = { iterations: 1, insecureSkipTLSVerify: true, ${options} };
export default function () { const r = http.get(__ENV.U); console.log(JSON.stringify([r.tls_version, r.tls_cipher_suite, r.body])); }`,
      );
      const out = collect();
      const err = collect();
      const orig = console.log;
      const lines: string[] = [];
      console.log = (...a: unknown[]) => void lines.push(a.join(' '));
      try {
        await runScript(file, { quiet: true, stdout: out, stderr: err, env: { U: url } });
      } finally {
        console.log = orig;
      }
      return [...lines, err.text].join('\n');
    };
    assert.match(await tag(''), /\["tls1\.3","TLS_AES_\d+_GCM_SHA\d+","no client cert"\]/);
    assert.match(
      await tag("tlsVersion: 'tls1.2'"),
      /\["tls1\.2","TLS_ECDHE_RSA_WITH_AES_\d+_GCM_SHA\d+","no client cert"\]/,
    );
    assert.match(
      await tag(
        "tlsVersion: { min: 'tls1.2', max: 'tls1.2' }, tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305']",
      ),
      /\["tls1\.2","TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256","no client cert"\]/,
    );
    const cert = JSON.stringify(readFileSync(path.join(dir, 'client.pem'), 'utf8'));
    const key = JSON.stringify(readFileSync(path.join(dir, 'client.key'), 'utf8'));
    assert.match(await tag(`tlsAuth: [{ domains: ['127.0.0.1'], cert: ${cert}, key: ${key} }]`), /"client ok"/);
    await assert.rejects(
      play("tlsVersion: 'ssl3'"),
      /options\.tlsVersion 'ssl3' is not a TLS version \(accepted: tls1\.0, tls1\.1, tls1\.2, tls1\.3\)/,
    );
  } finally {
    server.close();
    server.closeAllConnections();
  }
});
