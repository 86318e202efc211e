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

/**
 * The entity tags of the request's If-Match (RFC 9110 §13.1.1), or undefined without one. Weak
 * forms count as their strong tag: ours name a revision, not the bytes of an answer, and a
 * compressing proxy may have weakened the ETag the client read.
 */
export function ifMatchTags(request: FastifyRequest): string[] | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .filter((tag) => tag !== '');
}

/** Whether an If-Match list (undefined: no condition) lets a change of the resource tagged `etag` through. */
export function ifMatchAllows(tags: string[] | undefined, etag: string): boolean {
  return tags === undefined || tags.includes('*') || tags.includes(etag);
}
