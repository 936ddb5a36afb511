/**
 * Errors a request can end in. Everything a user can get wrong is an HttpError with a 4xx status and a
 * message meant for them; a database that cannot be reached becomes a 503 (the load balancer's view of an
 * overloaded or restarting backend); only real bugs are left to become a 500.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (message: string) => new HttpError(404, message);
export const badRequest = (message: string) => new HttpError(400, message);
export const conflict = (message: string) => new HttpError(409, message);

interface PgLikeError {
  code?: string;
  message?: string;
}

// Connection-level failures (node socket errors) and server states that mean "not reachable right now".
const unavailableSocketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const unavailableMessages = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection terminated unexpectedly',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end',
];

/** The reason a database error means "come back later" (503), or undefined when it does not. */
export function unavailableReason(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as PgLikeError;
  const code = e.code ?? '';
  if (unavailableSocketCodes.has(code)) return `database unreachable (${code})`;
  // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now; 53300: too many
  // connections; 57014: statement timeout (an overloaded query we gave up on); 55P03: lock wait timed out.
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300')
    return `database unavailable (${code})`;
  if (code === '57014') return 'database query timed out';
  // 53400: a spilling query hit temp_file_limit; 53100: the disk is full. Both are the overloaded database's
  // answer, as a timeout is, not the shop's bug.
  if (code === '53400') return `database query gave up: ${(e.message ?? '').split('\n')[0]}`;
  if (code === '53100') return 'database disk full';
  if (code === '55P03') return 'the shop is busy, please try again';
  const msg = e.message ?? '';
  if (unavailableMessages.some((m) => msg.includes(m))) return `database unavailable (${msg.split('\n')[0]})`;
  return undefined;
}
