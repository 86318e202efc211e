import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Whether the request's If-None-Match names `etag` (a quoted strong tag): a list, weak forms
 * (which a compressing proxy may add) and `*` all count, as RFC 9110 §13.1.2 says.
 */
export function isNotModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}

/** 304 with neither body nor length (a route's typed reply would serialise `null`, 4 bytes). */
export function sendNotModified(reply: FastifyReply): FastifyReply {
  return reply.status(304).send();
}
