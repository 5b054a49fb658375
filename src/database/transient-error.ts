/**
 * SQLSTATE classes and codes after which the same statement can succeed unchanged: the
 * connection failed (08), the statement was cancelled (57014, a statement timeout) or the server
 * is shutting down or starting (57P01-57P03), out of connections or resources (53), or the
 * transaction lost a serialization race or a deadlock (40).
 */
const TRANSIENT_CLASSES = new Set(['08', '40', '53']);
const TRANSIENT_CODES = new Set(['57014', '57P01', '57P02', '57P03']);
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * True when a database error says nothing about the statement itself: PostgreSQL could not be
 * reached or asked to try again. A socket error (ECONNREFUSED, ECONNRESET…) or pg's
 * "Connection terminated" carries no SQLSTATE; an error with one (a constraint, a bad value)
 * would fail again the same way.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const driver = (error as { driverError?: unknown } | null)?.driverError ?? error;
  const code = (driver as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && SQLSTATE.test(code)) return TRANSIENT_CLASSES.has(code.slice(0, 2)) || TRANSIENT_CODES.has(code);
  return driver instanceof Error;
}
