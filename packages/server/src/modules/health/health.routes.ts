import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { AppError } from '../../platform/errors.js';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  const open = { config: { auth: 'public' as const }, logLevel: 'warn' as const };

  app.get('/healthz', open, async () => ({ status: 'ok' }));

  app.get('/readyz', open, async (request) => {
    try {
      await sql`select 1`.execute(app.db);
    } catch (error) {
      request.log.error({ err: error }, 'database not reachable');
      throw new AppError('SERVICE_UNAVAILABLE');
    }
    return { status: 'ready', database: app.databaseKind };
  });

  app.get('/metrics', open, async (_request, reply) => {
    reply.type(app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
};
