// `k6/crypto`: hashes, HMAC and random bytes, with k6's algorithm names and output encodings.
import { createHash, createHmac, getHashes, randomBytes as nodeRandomBytes, type BinaryLike } from 'node:crypto';

const ALGORITHMS: Record<string, string> = {
  md4: 'md4',
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha512_224: 'sha512-224',
  sha512_256: 'sha512-256',
  ripemd160: 'ripemd160',
};

function algorithm(name: string): string {
  const a = ALGORITHMS[name];
  if (a === undefined || !getHashes().includes(a)) {
    throw new Error(
      `k6/crypto: hash '${name}' is not available here (accepted: ${Object.keys(ALGORITHMS)
        .filter((k) => getHashes().includes(ALGORITHMS[k]))
        .join(', ')})`,
    );
  }
  return a;
}

function input(data: string | ArrayBuffer | ArrayBufferView): BinaryLike {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function output(digest: Buffer, encoding: string | undefined): string | ArrayBuffer {
  switch (encoding ?? 'hex') {
    case 'hex':
      return digest.toString('hex');
    case 'base64':
      return digest.toString('base64');
    case 'base64url':
      return digest.toString('base64url') + '='.repeat((4 - (digest.toString('base64url').length % 4)) % 4);
    case 'base64rawurl':
      return digest.toString('base64url');
    case 'binary':
      return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
    default:
      throw new Error(
        `k6/crypto: output encoding '${encoding}' is not valid (accepted: hex, base64, base64url, base64rawurl, binary)`,
      );
  }
}

/**
 * What createHash/createHMAC return: update() any number of times, digest(encoding) any number of times. As
 * k6's (Go's Sum), a digest does not end the hash: a second one gives the same, an update after it goes on.
 */
class Hasher {
  private readonly chunks: BinaryLike[] = [];
  constructor(private readonly make: () => { update(d: BinaryLike): unknown; digest(): Buffer }) {}
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    const d = input(data);
    // a view of the script's buffer would see its later writes: keep a copy
    this.chunks.push(typeof d === 'string' ? d : Buffer.from(d as Uint8Array));
  }
  digest(encoding?: string): string | ArrayBuffer {
    const h = this.make();
    for (const c of this.chunks) h.update(c);
    return output(h.digest(), encoding);
  }
}

export function cryptoModule() {
  const hash = (name: string) => (data: string | ArrayBuffer, encoding?: string) =>
    output(createHash(algorithm(name)).update(input(data)).digest(), encoding);
  const named = Object.fromEntries(Object.keys(ALGORITHMS).map((k) => [k, hash(k)]));
  return {
    ...named,
    createHash: (name: string) => {
      const a = algorithm(name);
      return new Hasher(() => createHash(a));
    },
    createHMAC: (name: string, secret: string | ArrayBuffer) => {
      const a = algorithm(name);
      const key = input(secret);
      return new Hasher(() => createHmac(a, key));
    },
    hmac: (name: string, secret: string | ArrayBuffer, data: string | ArrayBuffer, encoding?: string) =>
      output(createHmac(algorithm(name), input(secret)).update(input(data)).digest(), encoding),
    randomBytes: (n: number) => {
      const b = nodeRandomBytes(n);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    },
  };
}
