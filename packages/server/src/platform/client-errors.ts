import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { errorCatalogue, type ErrorCode } from './errors.js';

/** Node's HTTP parser's reasons, as the catalogue's codes; any other is a malformed request. */
function codeOf(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'REQUEST_HEADERS_TOO_LARGE';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'REQUEST_INVALID';
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses (bytes that are no HTTP, a NUL
 * in a header, Content-Length with Transfer-Encoding, headers over 16 KB) never reaches a route
 * or a hook. It gets the catalogue's answer all the same — French message, request id, security
 * headers, `Connection: close` — and a log line with the parser's reason, never the bytes
 * received (they may hold anything, health data included).
 */
export function clientErrorHandler(log: () => FastifyBaseLogger) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    // The client went away: nobody to answer.
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const code = codeOf(error);
    const [status, message] = errorCatalogue[code];
    const requestId = randomUUID();
    log().warn({ requestId, reason: error.code ?? error.message, status }, 'malformed HTTP request refused');
    const body = JSON.stringify({ error: { code, message, requestId } });
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        'content-type: application/json; charset=utf-8',
        `content-length: ${Buffer.byteLength(body)}`,
        'cache-control: no-store',
        'x-content-type-options: nosniff',
        'x-frame-options: DENY',
        `x-request-id: ${requestId}`,
        'connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  };
}
