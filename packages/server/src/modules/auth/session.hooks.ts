import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SessionCookies } from '../../config.js';
import { recordAudit } from '../../platform/audit.js';
import { enforceClientLimit } from '../../platform/client-limits.js';
import { contextOf } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { safeEqual } from '../../platform/secrets.js';
import { resolveSession, type ActiveSession, type AuthDeps } from './auth.service.js';
import type { Right } from '@prostopcovid/contracts/auth';

declare module 'fastify' {
  interface FastifyRequest {
    session: ActiveSession | null;
    sessionExpired: boolean;
  }
  interface FastifyContextConfig {
    /** Every /api route needs a session unless it says 'public'. */
    auth?: 'public' | 'session';
    /** The right the signed-in professional must hold (policy table). */
    right?: Right;
  }
}

// No Max-Age on the session cookie: it ends with the browser (shared workstations); the
// server enforces the idle and absolute timeouts anyway.
export function setAuthCookie(reply: FastifyReply, cookies: SessionCookies, name: string, value: string, maxAgeSeconds?: number): void {
  reply.setCookie(name, value, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookies.secure, ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) });
}

export function clearAuthCookie(reply: FastifyReply, cookies: SessionCookies, name: string): void {
  // A `__Host-` cookie is only replaced by one with the same attributes.
  reply.clearCookie(name, { path: '/', secure: cookies.secure });
}
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function needsSession(request: FastifyRequest): boolean {
  const url = request.routeOptions.url ?? '';
  return request.routeOptions.config.auth === 'session' || (url.startsWith('/api/') && request.routeOptions.config.auth !== 'public');
}

/** `proRequestsPerMinute`: each professional's limit on the routes that need a session, across processes. */
export function registerSessionHooks(app: FastifyInstance, deps: AuthDeps, proRequestsPerMinute: number): void {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionExpired', false);

  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url ?? '';
    if (!url.startsWith('/api/') && !url.startsWith('/auth/')) return;
    const lookup = await resolveSession(deps, request.cookies[deps.session.cookies.session], app.clock.now());
    request.session = lookup.status === 'active' ? lookup.session : null;
    request.sessionExpired = lookup.status === 'expired';
  });

  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!needsSession(request)) return;
    const session = request.session;
    if (!session) {
      if (request.sessionExpired) {
        await refuse(request, 'AUTH_SESSION_EXPIRED');
      }
      clearAuthCookie(reply, deps.session.cookies, deps.session.cookies.session);
      throw new AppError('AUTH_REQUIRED');
    }
    if (!SAFE_METHODS.has(request.method)) await verifyCsrf(request, session);
    const right = request.routeOptions.config.right;
    if (right && !session.professional.rights.includes(right)) await refuse(request, 'AUTH_FORBIDDEN', { right });
    await enforceClientLimit(request, `pro:${session.professional.idNatPs}`, proRequestsPerMinute);
  });
}

/** The synchronizer token of the session, from the `x-csrf-token` header or a form's `_csrf` field. */
export async function verifyCsrf(request: FastifyRequest, session: ActiveSession): Promise<void> {
  const body = request.body as { _csrf?: unknown } | undefined;
  const sent = request.headers['x-csrf-token'] ?? (typeof body?._csrf === 'string' ? body._csrf : undefined);
  if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken)) await refuse(request, 'AUTH_CSRF_INVALID');
}

/** Audits the refusal (its own write: nothing else changes) and answers it. */
async function refuse(request: FastifyRequest, code: 'AUTH_SESSION_EXPIRED' | 'AUTH_CSRF_INVALID' | 'AUTH_FORBIDDEN', details: Record<string, unknown> = {}): Promise<never> {
  await recordAudit(request.server.db, contextOf(request), {
    action: 'auth.access_refused',
    outcome: 'denied',
    targetType: 'route',
    targetId: `${request.method} ${request.routeOptions.url}`,
    details: { reason: code, ...details },
  });
  throw new AppError(code);
}
