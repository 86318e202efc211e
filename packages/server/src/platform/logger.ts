import type { LoggerOptions } from 'pino';

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
    },
  };
}
