import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/context.js';
import { CallbackQuery, LoginQuery, MeResponse } from '@prostopcovid/contracts/auth';
import { completeSignIn, dropSession, signOut, startSignIn, type AuthDeps } from './auth.service.js';
import { professionLabel } from './policy.js';
import { clearAuthCookie, setAuthCookie, verifyCsrf } from './session.hooks.js';

export function authRoutes(deps: AuthDeps & { publicUrl: string }): FastifyPluginAsyncTypebox {
  const cookies = deps.session.cookies;
  const LOGIN_COOKIE = cookies.login;
  const SESSION_COOKIE = cookies.session;
  return async (app) => {
    const cookie = (reply: FastifyReply, name: string, value: string, maxAgeSeconds?: number) => setAuthCookie(reply, cookies, name, value, maxAgeSeconds);

    app.get('/auth/login', { schema: { querystring: LoginQuery }, config: { auth: 'public' } }, async (request, reply) => {
      const { authorizationUrl, binding } = await startSignIn(deps, contextOf(request), request.query.returnTo, request.cookies[LOGIN_COOKIE]);
      cookie(reply, LOGIN_COOKIE, binding, 600);
      return reply.redirect(authorizationUrl.href, 302);
    });

    app.get('/auth/callback', { schema: { querystring: CallbackQuery }, config: { auth: 'public' } }, async (request, reply) => {
      clearAuthCookie(reply, cookies, LOGIN_COOKIE);
      const callbackUrl = new URL(request.url, deps.psc.redirectUri);
      const result = await completeSignIn(deps, contextOf(request), request.cookies[LOGIN_COOKIE], callbackUrl).catch((error: unknown) => {
        app.metrics.signIns.inc({ outcome: 'failure' });
        throw error;
      });
      await dropSession(deps, request.cookies[SESSION_COOKIE]);
      cookie(reply, SESSION_COOKIE, result.sessionToken);
      app.metrics.signIns.inc({ outcome: 'success' });
      return reply.redirect(result.returnTo, 303);
    });

    // Public so that a browser whose session already expired still ends its PSC session.
    app.post('/auth/logout', { config: { auth: 'public' } }, async (request, reply) => {
      if (request.session) await verifyCsrf(request, request.session);
      const target = await signOut(deps, contextOf(request), request.session, request.cookies[SESSION_COOKIE], `${deps.publicUrl}/`);
      clearAuthCookie(reply, cookies, SESSION_COOKIE);
      return reply.redirect(target, 303);
    });

    app.get('/api/me', { schema: { response: { 200: MeResponse } } }, async (request) => {
      const session = request.session!;
      const pro = session.professional;
      return {
        idNatPs: pro.idNatPs,
        givenName: pro.givenName,
        familyName: pro.familyName,
        professions: pro.professions.map((code) => ({ code, label: professionLabel(code) })),
        rights: pro.rights,
        csrfToken: session.csrfToken,
        session: {
          authMeans: session.authMeans,
          idleExpiresAt: session.idleExpiresAt.toISOString(),
          absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
        },
      };
    });
  };
}
