// k6 features scripts rely on that the runner once refused: k6/html and Response.html() (over cheerio), and
// auth 'digest'; what is still refused is refused at load, naming the place.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScript, type RunnerError, type RunResult } from '../runner/index.ts';
import { collect } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'k6-html-auth-'));
let n = 0;

const PAGE = `<!doctype html><html><head><title>Shop</title></head><body>
<ul id="dates"><li class="d" data-id="7">Mon</li><li class="d sold" data-id="8">Tue</li><li class="d" data-id="9">Wed</li></ul>
<a href="/cart?x=1" class="go">cart</a>
<form action="/buy" method="post">
  <input name="csrf" type="hidden" value="tok123"><input name="agree" type="checkbox">
  <select name="n"><option value="1">one</option><option value="2" selected>two</option></select>
  <textarea name="note">hello</textarea>
</form></body></html>`;

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** A loopback server: the page above, and /digest behind Digest auth for ann:secret (qop=auth). */
async function server(): Promise<{ url: string; log: string[]; close(): Promise<void> }> {
  const log: string[] = [];
  const s = http.createServer((req, res) => {
    log.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
    if (req.url === '/page') return void res.end(PAGE);
    const auth = req.headers.authorization ?? '';
    const f = Object.fromEntries([...auth.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1], m[2]]));
    const ha1 = md5('ann:loadlab:secret');
    const ha2 = md5(`${req.method}:${req.url}`);
    const expected = md5(`${ha1}:n0nce:${f.nc}:${f.cnonce}:auth:${ha2}`);
    if (auth.startsWith('Digest ') && f.response === expected && f.opaque === 'op') return void res.end('in');
    res.writeHead(401, {
      'www-authenticate': 'Digest realm="loadlab", qop="auth,auth-int", nonce="n0nce", opaque="op"',
    });
    res.end();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return { url, log, close: () => new Promise((r) => s.close(() => r())) };
}

async function play(body: string): Promise<{ r: RunResult; stderr: string; log: string[] }> {
  const file = path.join(dir, `s${n++}.js`);
  writeFileSync(
    file,
    `import http from 'k6/http';\nimport { check } from 'k6';\nimport { Counter } from 'k6/metrics';\nconst ok = new Counter('ok');\n${body}\n`,
  );
  const srv = await server();
  const err = collect();
  try {
    const r = await runScript(file, { quiet: true, stdout: collect(), stderr: err, env: { B: srv.url } });
    return { r, stderr: err.text, log: srv.log };
  } finally {
    await srv.close();
  }
}

const ok = (r: RunResult) => r.summary.metrics.ok?.values.count ?? 0;

test('Response.html() and k6/html parseHTML: the Selection API scripts use to scrape and fill forms', async () => {
  const { r, stderr } = await play(`import { parseHTML } from 'k6/html';
export default function () {
  const res = http.get(__ENV.B + '/page');
  const doc = res.html();
  const checks = {
    title: doc.find('title').text() === 'Shop',
    size: doc.find('li.d').size() === 3,
    attr: doc.find('a.go').attr('href') === '/cart?x=1' && doc.find('a.go').attr('nope', 'dflt') === 'dflt',
    firstLastEq: doc.find('li').first().text() === 'Mon' && doc.find('li').last().text() === 'Wed' && doc.find('li').eq(1).attr('data-id') === '8',
    each: (() => { const seen = []; doc.find('li').each((i, el) => seen.push(i + ':' + el.textContent() + ':' + el.getAttribute('data-id') + ':' + el.nodeName())); return seen.join(',') === '0:Mon:7:li,1:Tue:8:li,2:Wed:9:li'; })(),
    map: doc.find('li').map((i, sel) => sel.attr('data-id')).join() === '7,8,9',
    filterNot: doc.find('li').not('.sold').size() === 2 && doc.find('li').filter('.sold').text() === 'Tue',
    val: doc.find('input[name=csrf]').val() === 'tok123' && doc.find('input[name=agree]').val() === 'on' && doc.find('select').val() === '2' && doc.find('textarea').val() === 'hello',
    selector: res.html('ul#dates li').size() === 3,
    parse: parseHTML('<p><b>x</b></p>').find('b').text() === 'x',
    parentChildren: doc.find('li').first().parent().attr('id') === 'dates' && doc.find('ul').children().size() === 3,
  };
  for (const [name, passed] of Object.entries(checks)) if (passed) ok.add(1); else console.error('failed: ' + name);
}`);
  assert.equal(r.iterationErrors, 0, stderr);
  assert.equal(ok(r), 11, stderr);
});

test("auth: 'digest' answers the server's challenge once, with the URL's credentials (k6 counts both requests)", async () => {
  const { r, log, stderr } = await play(`export default function () {
  const url = __ENV.B.replace('http://', 'http://ann:secret@') + '/digest';
  const res = http.get(url, { auth: 'digest' });
  if (res.status === 200 && res.body === 'in') ok.add(1);
  const wrong = http.get(url.replace('secret', 'nope'), { auth: 'digest' });
  if (wrong.status === 401) ok.add(1);
}`);
  assert.equal(ok(r), 2, stderr);
  assert.equal(log[0], 'GET /digest -', 'the first request goes without credentials');
  assert.match(
    log[1],
    /^GET \/digest Digest username="ann", realm="loadlab", nonce="n0nce", uri="\/digest", algorithm=MD5, response="[0-9a-f]{32}", qop=auth, nc=00000001, cnonce="[0-9a-f]+", opaque="op"$/,
  );
  assert.equal(r.summary.metrics.http_reqs.values.count, 4);
});

test('what the runner does not do is refused at load, naming the place: submitForm, clickLink, auth ntlm', async () => {
  for (const [body, message] of [
    [
      'export default function () { http.get(__ENV.B).submitForm({ fields: {} }); }',
      /s\d+\.js:5:\d+: Response\.submitForm\(\) is not supported/,
    ],
    [
      'export default function () { http.get(__ENV.B).clickLink(); }',
      /s\d+\.js:5:\d+: Response\.clickLink\(\) is not supported/,
    ],
    [
      "export default function () { http.get(__ENV.B, { auth: 'ntlm' }); }",
      /s\d+\.js:5:\d+: Params\.auth 'ntlm' is not supported by this runner/,
    ],
  ] as const) {
    await assert.rejects(play(body), (e: RunnerError) => e.exitCode === 107 && message.test(e.message));
  }
});
