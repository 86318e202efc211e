import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The entity tags of an If-None-Match or If-Match list, each as its strong form: ours name a
 * version, not the bytes of an answer, and a compressing proxy may have weakened the ETag the
 * client read.
 */
function entityTags(header: string): string[] {
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .filter((tag) => tag !== '');
}

/**
 * Whether the request's If-None-Match names `etag` (a quoted strong tag): a list, weak forms
 * and `*` all count, as RFC 9110 §13.1.2 says.
 */
export function isNotModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  const tags = entityTags(header);
  return tags.includes('*') || tags.includes(etag);
}

/** 304 with neither body nor length (a route's typed reply would serialise `null`, 4 bytes). */
export function sendNotModified(reply: FastifyReply): FastifyReply {
  return reply.status(304).send();
}

/** The entity tags of the request's If-Match (RFC 9110 §13.1.1), or undefined without one. */
export function ifMatchTags(request: FastifyRequest): string[] | undefined {
  const header = request.headers['if-match'];
  return header === undefined ? undefined : entityTags(header);
}

/** Whether an If-Match list (undefined: no condition) lets a change of the resource tagged `etag` through. */
export function ifMatchAllows(tags: string[] | undefined, etag: string): boolean {
  return tags === undefined || tags.includes('*') || tags.includes(etag);
}
