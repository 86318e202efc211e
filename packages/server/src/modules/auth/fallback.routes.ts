import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { dropSession, type AuthDeps } from './auth.service.js';
import {
  FallbackAccountStatus,
  FallbackActivationBody,
  FallbackChannelStatus,
  FallbackEnrollment,
  FallbackSignInBody,
  FallbackSignInResponse,
} from './fallback.schemas.js';
import { activateAccount, isFallbackOpen, readAccountStatus, removeAccount, signInWithFallback, startEnrollment } from './fallback.service.js';
import { SESSION_COOKIE } from './session.hooks.js';

/** The second sign-in channel, independent of PSC: pre-enrolled local account + TOTP. */
export function fallbackRoutes(deps: AuthDeps & { publicUrl: string; cookieSecure: boolean }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api/auth/fallback/status', { schema: { tags: ['pro'], response: { 200: FallbackChannelStatus } }, config: { auth: 'public' } }, async () => ({
      open: await isFallbackOpen(deps),
      mode: deps.continuity.fallbackSignIn,
    }));

    // JSON from the sign-in page, or a plain form post (answered with a redirect).
    app.post('/auth/fallback', { schema: { tags: ['pro'], body: FallbackSignInBody, response: { 200: FallbackSignInResponse } }, config: { auth: 'public' } }, async (request, reply) => {
      // Login CSRF: another site must not sign this browser into someone else's account.
      if (request.headers['sec-fetch-site'] === 'cross-site') throw new AppError('AUTH_CSRF_INVALID');
      const result = await signInWithFallback(deps, contextOf(request), request.body);
      await dropSession(deps, request.cookies[SESSION_COOKIE]);
      // Same cookie as a PSC sign-in: no Max-Age, the server enforces the timeouts.
      reply.setCookie(SESSION_COOKIE, result.sessionToken, { path: '/', httpOnly: true, sameSite: 'lax', secure: deps.cookieSecure });
      if ((request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return reply.redirect(result.returnTo, 303);
      return { ok: true as const, returnTo: result.returnTo };
    });

    app.get('/api/fallback-account', { schema: { tags: ['pro'], response: { 200: FallbackAccountStatus } } }, async (request) =>
      readAccountStatus(deps, request.session!.professional.id),
    );

    app.post('/api/fallback-account/enrollment', { schema: { tags: ['pro'], response: { 201: FallbackEnrollment } } }, async (request, reply) => {
      const enrollment = await startEnrollment(deps, contextOf(request), request.session!);
      return reply.status(201).send(enrollment);
    });

    app.post('/api/fallback-account', { schema: { tags: ['pro'], body: FallbackActivationBody, response: { 200: FallbackAccountStatus } } }, async (request) =>
      activateAccount(deps, contextOf(request), request.session!, request.body),
    );

    app.delete('/api/fallback-account', { schema: { tags: ['pro'] } }, async (request, reply) => {
      await removeAccount(deps, contextOf(request), request.session!);
      return reply.status(204).send();
    });
  };
}
