import type { ErrorObject } from 'ajv';
import { escapeHtml } from './html.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorAnswer } from '@prostopcovid/contracts/errors';
import { AppError, type ErrorCode } from './errors.js';
import { serializeError } from './logger.js';
import { frenchValidationMessages } from './validation-messages.js';

/** Fastify's own 4xx errors, mapped to catalogue entries. */
function fromFastify(error: FastifyError): AppError | null {
  if (error.validation) {
    return new AppError('REQUEST_INVALID', {
      publicDetails: frenchValidationMessages(error.validation as ErrorObject[]).map((v) => ({ path: v.instancePath || (v.params as { missingProperty?: string }).missingProperty || '', message: v.message })),
    });
  }
  const status = error.statusCode ?? 500;
  if (status >= 500) return null;
  const byStatus: Record<number, ErrorCode> = { 413: 'REQUEST_TOO_LARGE', 415: 'REQUEST_UNSUPPORTED_MEDIA', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 429: 'RATE_LIMITED' };
  return new AppError(byStatus[status] ?? 'REQUEST_INVALID', { cause: error });
}

/** Pages a browser lands on (sign-in redirects, the logout form) get HTML; everything else JSON. */
function wantsHtml(request: FastifyRequest): boolean {
  return request.url.startsWith('/auth/') && (request.method === 'GET' || (request.headers.accept ?? '').includes('text/html'));
}


export function errorPage(title: string, message: string, requestId: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} — ProStopCovid</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#161616}a{color:#000091}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p><a href="/">Retour à l'accueil</a></p>
<p><small>Référence : ${escapeHtml(requestId)}</small></p></body></html>`;
}

export function send(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  // Headers set before the failure (a redirect, a cookie) must not leave with the error.
  reply.removeHeader('location');
  reply.removeHeader('set-cookie');
  if (error.statusCode === 503 || error.statusCode === 429) reply.header('retry-after', String(error.retryAfterSeconds ?? 30));
  reply.status(error.statusCode);
  if (wantsHtml(request)) {
    const title = error.statusCode >= 500 ? 'Service indisponible' : 'Connexion impossible';
    return reply.type('text/html; charset=utf-8').send(errorPage(title, error.userMessage, request.id));
  }
  const body: ErrorAnswer = { error: { code: error.code, message: error.userMessage, requestId: request.id } };
  if (error.publicDetails !== undefined) body.error.details = error.publicDetails;
  if (error.retryAfterSeconds !== undefined) body.error.retryAfterSeconds = error.retryAfterSeconds;
  return reply.send(body);
}

function causeKind(cause: unknown): string {
  const { type, errorCode, sqlState } = serializeError(cause);
  return [type, errorCode ?? sqlState].filter(Boolean).join(' ');
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const known = error instanceof AppError ? error : fromFastify(error);
    if (known) {
      // The cause's kind only: a parser's message quotes the input ("Dupont" is not valid JSON).
      const cause = known.cause === undefined ? undefined : causeKind(known.cause);
      request.log.info({ code: known.code, status: known.statusCode, cause }, 'request refused');
      return send(request, reply, known);
    }
    // Never leak internals: the cause goes to the log, the user gets the request id.
    request.log.error({ err: error }, 'unhandled error');
    return send(request, reply, new AppError('INTERNAL'));
  });
}

