// `k6/encoding`: base64 in k6's four alphabets.
type Alphabet = 'std' | 'rawstd' | 'url' | 'rawurl';

function bytesOf(input: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof ArrayBuffer) return Buffer.from(input);
  return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

function alphabet(encoding: string | undefined): Alphabet {
  const e = (encoding || 'std') as Alphabet;
  if (!['std', 'rawstd', 'url', 'rawurl'].includes(e))
    throw new Error(`b64: encoding '${encoding}' is not valid (accepted: std, rawstd, url, rawurl)`);
  return e;
}

export function b64encode(input: string | ArrayBuffer | ArrayBufferView, encoding?: string): string {
  const e = alphabet(encoding);
  const out = bytesOf(input).toString(e === 'url' || e === 'rawurl' ? 'base64url' : 'base64');
  // Node's base64url has no padding; k6's 'url' has it, its 'raw' forms do not
  if (e === 'rawstd') return out.replace(/=+$/, '');
  if (e === 'url') return out + '='.repeat((4 - (out.length % 4)) % 4);
  return out;
}

/** An ArrayBuffer, or a string with format 's'. */
export function b64decode(input: string, encoding?: string, format?: string): ArrayBuffer | string {
  const e = alphabet(encoding);
  const buf = Buffer.from(input, e === 'url' || e === 'rawurl' ? 'base64url' : 'base64');
  if (format === 's') return buf.toString('utf8');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

export function encodingModule() {
  return { b64encode, b64decode };
}
