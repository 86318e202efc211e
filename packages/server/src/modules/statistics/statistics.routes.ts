import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Statistics, StatisticsQuery } from '@prostopcovid/contracts/statistics';
import { contextOf } from '../../platform/context.js';
import { readStatistics, type StatisticsDeps } from './statistics.service.js';

export function statisticsRoutes(deps: StatisticsDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const operator = { right: 'operator' as const };
    app.get(
      '/api/statistics',
      { schema: { tags: ['admin'], summary: 'Statistics for authorities (a regional operator: their region), small counts suppressed', querystring: StatisticsQuery, response: { 200: Statistics } }, config: operator },
      async (request, reply) => {
        reply.header('cache-control', 'private, no-store');
        return readStatistics(deps, contextOf(request), request.query);
      },
    );
  };
}
