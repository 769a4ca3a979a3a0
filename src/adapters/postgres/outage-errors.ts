/**
 * Node-postgres errors that mean "the database is out of reach right now", not "this statement is
 * wrong": the connection broke or could not be made, the server is shutting down or starting, or
 * it has no connection slot left. A caller answers these with a retryable 503; anything else stays
 * a bug or a refusal.
 */
export function isPostgresOutage(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // SQLSTATE class 08 (connection exception); 57P01-57P03 (admin/crash shutdown, cannot connect
    // now); 53300 (too many connections).
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
    if (SOCKET_CODES.has(code)) return true;
  }
  // pg raises these as plain Errors, without a code.
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.some((m) => message.startsWith(m));
}

const SOCKET_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];
