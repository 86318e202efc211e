import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/context.js';
import { CloseIncidentBody, CurrentIncidents, DeclareIncidentBody, HistoryQuery, Incident, IncidentHistory, IncidentParams, UpdateIncidentBody } from '@prostopcovid/contracts/incidents';
import { closeIncident, declareIncident, listCurrentIncidents, listIncidentHistory, updateIncident, type IncidentsDeps } from './incidents.service.js';

export type { IncidentsDeps } from './incidents.service.js';

/** Incidents (docs/domain.md, Continuity): declared by operators or opened by the PSC circuit breaker. */
export function incidentsRoutes(deps: IncidentsDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Banners for everyone concerned, patients included: public, and cached per process.
    app.get(
      '/api/incidents/current',
      { schema: { tags: ['pro', 'patient'], summary: 'Incidents open now', response: { 200: CurrentIncidents } }, config: { auth: 'public' } },
      async () => listCurrentIncidents(deps),
    );

    const operator = { right: 'operator' as const };
    app.get('/api/incidents', { schema: { tags: ['admin'], querystring: HistoryQuery, response: { 200: IncidentHistory } }, config: operator }, async (request) =>
      listIncidentHistory(deps, request.query.since),
    );
    app.post('/api/incidents', { schema: { tags: ['admin'], body: DeclareIncidentBody, response: { 201: Incident } }, config: operator }, async (request, reply) => {
      reply.status(201);
      return declareIncident(deps, contextOf(request), request.body);
    });
    app.patch(
      '/api/incidents/:id',
      { schema: { tags: ['admin'], params: IncidentParams, body: UpdateIncidentBody, response: { 200: Incident } }, config: operator },
      async (request) => updateIncident(deps, contextOf(request), request.params.id, request.body),
    );
    // The body is optional: "end it now" is the usual case.
    app.post(
      '/api/incidents/:id/close',
      {
        schema: { tags: ['admin'], params: IncidentParams, body: CloseIncidentBody, response: { 200: Incident } },
        config: operator,
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => closeIncident(deps, contextOf(request), request.params.id, request.body.endedAt),
    );
  };
}
