// `--http-debug` / options.httpDebug: each request and response printed as k6 prints them (Go's wire dumps
// with bare newlines), bodies only with 'full'.

function dumpBody(body: string | Buffer | null, full: boolean): string {
  if (!full || body === null) return '';
  return typeof body === 'string' ? body : body.toString('utf8');
}

export function requestDump(
  method: string,
  path: string,
  host: string,
  headers: string[],
  body: string | Buffer | null,
  full: boolean,
): string {
  let out = `Request:\n${method} ${path} HTTP/1.1\nHost: ${host}\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) out += `${headers[i]}: ${headers[i + 1]}\n`;
  if (body !== null) out += `Content-Length: ${typeof body === 'string' ? Buffer.byteLength(body) : body.length}\n`;
  return `${out}\n${dumpBody(body, full)}\n`;
}

export function responseDump(
  proto: string,
  status: number,
  statusText: string,
  raw: Buffer[] | null,
  body: Buffer | null,
  full: boolean,
): string {
  let out = `Response:\n${proto} ${status} ${statusText}\n`;
  for (let i = 0; raw !== null && i + 1 < raw.length; i += 2)
    out += `${raw[i].toString('latin1')}: ${raw[i + 1].toString('latin1')}\n`;
  return `${out}\n${dumpBody(body, full)}\n`;
}
