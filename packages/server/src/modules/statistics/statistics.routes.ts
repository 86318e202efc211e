import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CodeKpis, KpiQuery, Statistics, StatisticsQuery } from '@prostopcovid/contracts/statistics';
import { enforceClientLimit } from '../../platform/client-limits.js';
import { contextOf } from '../../platform/context.js';
import { authenticateOperatorKey, type OperatorKeyScope } from '../operator-keys/operator-keys.service.js';
import { isNotModified, sendNotModified } from '../../platform/etag.js';
import { OpenDataCache } from './open-data.js';
import { readCodeKpis, readStatistics, type StatisticsDeps } from './statistics.service.js';

export function statisticsRoutes(deps: StatisticsDeps & { keyRequestsPerMinute: number }): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Machines: an operator's API key, never a session. The key is checked before the query.
    const keys = new WeakMap<object, OperatorKeyScope>();
    app.get(
      '/api/kpi/v1/codes',
      {
        preValidation: async (request) => {
          const key = await authenticateOperatorKey(deps, request.headers.authorization);
          await enforceClientLimit(request, `operator-key:${key.keyId}`, deps.keyRequestsPerMinute);
          keys.set(request, key);
        },
        schema: { tags: ['kpi'], summary: 'Codes generated, used and expired per kind and day (Authorization: Bearer <operator API key>)', querystring: KpiQuery, response: { 200: CodeKpis } },
        config: { auth: 'public' },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return readCodeKpis(deps, contextOf(request), keys.get(request)!, request.query);
      },
    );

    // Open data: public, the closed days only, rebuilt once a day.
    const openData = new OpenDataCache(deps.db);
    app.get(
      '/api/public/open-data/sp-pos-quot-dep.csv',
      { schema: { tags: ['public'], summary: 'Daily positive tests and tests by department and age class (Santé publique France "sp-pos-quot-dep" columns), small counts suppressed', produces: ['text/csv'] }, config: { auth: 'public' } },
      async (request, reply) => {
        const file = await openData.get(request.server.clock.now());
        reply
          .header('etag', file.etag)
          .header('cache-control', 'public, max-age=3600')
          .header('content-disposition', 'attachment; filename="sp-pos-quot-dep.csv"')
          .header('x-data-through', file.through ?? '');
        if (isNotModified(request, file.etag)) return sendNotModified(reply);
        return reply.type('text/csv; charset=utf-8').send(file.body);
      },
    );

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
