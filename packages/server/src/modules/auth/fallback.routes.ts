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
} from '@prostopcovid/contracts/fallback';
import { activateAccount, isFallbackOpen, readAccountStatus, removeAccount, signInWithFallback, startEnrollment } from './fallback.service.js';
import { setAuthCookie } from './session.hooks.js';

/**
 * A browser posting from another site says so in one of three headers; each one it sent must
 * name this site. `Sec-Fetch-Site` alone is not enough: older browsers and some privacy modes
 * leave it out but still send `Origin` (every POST) or `Referer`. A client that is not a
 * browser (the CLI) sends none of them and is not a CSRF vector.
 */
export function isCrossSite(headers: Record<string, string | string[] | undefined>, publicOrigin: string): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = headers.origin;
  if (origin !== undefined && origin !== publicOrigin) return true; // including "null"
  const referer = headers.referer;
  if (referer !== undefined && originOf(String(referer)) !== publicOrigin) return true;
  return false;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The second sign-in channel, independent of PSC: pre-enrolled local account + TOTP. */
export function fallbackRoutes(deps: AuthDeps & { publicUrl: string }): FastifyPluginAsyncTypebox {
  const publicOrigin = new URL(deps.publicUrl).origin;
  return async (app) => {
    app.get('/api/auth/fallback/status', { schema: { tags: ['pro'], response: { 200: FallbackChannelStatus } }, config: { auth: 'public' } }, async () => ({
      open: await isFallbackOpen(deps),
      mode: deps.continuity.fallbackSignIn,
    }));

    // JSON from the sign-in page, or a plain form post (answered with a redirect).
    app.post('/auth/fallback', { schema: { tags: ['pro'], body: FallbackSignInBody, response: { 200: FallbackSignInResponse } }, config: { auth: 'public' } }, async (request, reply) => {
      // Login CSRF: another site must not sign this browser into someone else's account.
      if (isCrossSite(request.headers, publicOrigin)) throw new AppError('AUTH_CSRF_INVALID');
      const result = await signInWithFallback(deps, contextOf(request), request.body);
      await dropSession(deps, request.cookies[deps.session.cookies.session]);
      // Same cookie as a PSC sign-in.
      setAuthCookie(reply, deps.session.cookies, deps.session.cookies.session, result.sessionToken);
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
