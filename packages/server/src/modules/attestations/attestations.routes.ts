import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';

/** Browser keys that sign provisional attestations, and their verification. */
export function attestationsRoutes(_deps: { db: Db; continuity: Config['continuity'] }): FastifyPluginAsyncTypebox {
  return async () => {};
}
