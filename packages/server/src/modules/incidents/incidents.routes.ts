import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { OpenIncidents } from './open-incidents.js';

export interface IncidentsDeps {
  db: Db;
  incidents: OpenIncidents;
  continuity: Config['continuity'];
}

/** Incidents (DOMAIN.md §4): declared by operators or opened by the PSC circuit breaker. */
export function incidentsRoutes(_deps: IncidentsDeps): FastifyPluginAsyncTypebox {
  return async () => {};
}
