// `Params.auth: 'digest'` (RFC 7616, as k6's digest transport does it): the request goes out without
// credentials, and a 401 with a Digest challenge is answered once with the credentials of the URL.
import { createHash, randomBytes } from 'node:crypto';

function challengeOf(header: string): Record<string, string> | undefined {
  const m = /^\s*Digest\s+(.*)$/i.exec(header);
  if (m === null) return undefined;
  const out: Record<string, string> = {};
  for (const p of m[1].matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g))
    out[p[1].toLowerCase()] = p[2] ?? p[3] ?? '';
  return out;
}

/** The Authorization header answering `challenge` (a WWW-Authenticate value), or undefined if not Digest. */
export function digestAuthorization(
  challenge: string,
  user: string,
  pass: string,
  method: string,
  uri: string,
): string | undefined {
  const c = challengeOf(challenge);
  if (c === undefined || c.nonce === undefined) return undefined;
  const algorithm = c.algorithm ?? 'MD5';
  const base = algorithm.toUpperCase().replace(/-SESS$/, '');
  const hashName = base === 'SHA-256' ? 'sha256' : base === 'SHA-512-256' ? 'sha512-256' : 'md5';
  const h = (s: string) => createHash(hashName).update(s).digest('hex');
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
  let ha1 = h(`${user}:${c.realm ?? ''}:${pass}`);
  if (/-sess$/i.test(algorithm)) ha1 = h(`${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = h(`${method}:${uri}`);
  const qop = c.qop
    ?.split(',')
    .map((q) => q.trim())
    .find((q) => q === 'auth');
  const response = qop ? h(`${ha1}:${c.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : h(`${ha1}:${c.nonce}:${ha2}`);
  const parts = [
    `username="${user}"`,
    `realm="${c.realm ?? ''}"`,
    `nonce="${c.nonce}"`,
    `uri="${uri}"`,
    `algorithm=${algorithm}`,
    `response="${response}"`,
  ];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  if (c.opaque !== undefined) parts.push(`opaque="${c.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}
