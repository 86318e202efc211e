import type { LoggerOptions } from 'pino';

/** What a database error may carry into a log: never its message, detail, query or params. */
const DATABASE_ERROR_FIELDS = ['severity', 'constraint', 'table', 'column', 'dataType', 'schema', 'routine'] as const;
// Five characters with a digit: '23514', '42P01', 'XX000' (not 'EPIPE').
const SQLSTATE = /^(?=.*\d)[0-9A-Z]{5}$/;

/**
 * An error as a log may hold it. A database error's message and detail quote the values
 * ("Failing row contains (…)", `invalid input syntax for type date: "…"`) and drivers attach
 * the query's parameters: patient names, birth dates, UVCIs. Only named, value-free fields
 * are kept, and the stack without its message line. Causes are followed a few levels.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const fields = error as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { type: error.constructor?.name ?? error.name };
  const fromDatabase = typeof fields.code === 'string' && SQLSTATE.test(fields.code);
  if (fromDatabase) {
    out.message = `database error ${fields.code as string}`;
    // Not `code`: the redaction below hides every `*.code` (OIDC codes).
    out.sqlState = fields.code;
    for (const field of DATABASE_ERROR_FIELDS) if (typeof fields[field] === 'string') out[field] = fields[field];
  } else {
    out.message = error.message;
    if (typeof fields.code === 'string') out.errorCode = fields.code;
  }
  // The first lines of a stack repeat the message.
  if (error.stack) out.stack = error.stack.split('\n').filter((line) => line.startsWith('    at ')).join('\n');
  if (error.cause !== undefined && depth < 3) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

/**
 * Pino options. Redaction removes secrets and anything that may carry health data before
 * a line is written; add paths here when a module logs new objects.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      // Request headers are not logged at all (see the req serializer).
      paths: [
        '*.password',
        '*.code',
        '*.code_verifier',
        '*.access_token',
        '*.id_token',
        '*.client_secret',
        '*.patient',
      ],
      censor: '[caché]',
    },
    serializers: {
      // Query strings carry OIDC codes and states: log the path only.
      req: (req: { method: string; url: string; id: string }) => ({
        method: req.method,
        url: req.url.split('?')[0],
        id: req.id,
      }),
      err: serializeError,
      cause: serializeError,
    },
  };
}
