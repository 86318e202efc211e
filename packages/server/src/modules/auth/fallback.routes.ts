import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthDeps } from './auth.service.js';

/** The second sign-in channel, independent of PSC: pre-enrolled local account + TOTP. */
export function fallbackRoutes(_deps: AuthDeps & { publicUrl: string; cookieSecure: boolean }): FastifyPluginAsyncTypebox {
  return async () => {};
}
