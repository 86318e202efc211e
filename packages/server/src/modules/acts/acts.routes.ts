import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/context.js';
import { RecordedTest, RecordedVaccination, RecordTestBody, RecordVaccinationBody } from './acts.schemas.js';
import { recordTest, recordVaccination } from './acts.service.js';

/** SI-DEP (tests) and Vaccin Covid (vaccinations), as entered by professionals. */
export const actsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/tests',
    {
      schema: { tags: ['pro'], summary: 'Record a rapid antigen test or supervised self-test', body: RecordTestBody, response: { 201: RecordedTest } },
      config: { right: 'tests:record' },
    },
    async (request, reply) => {
      reply.status(201);
      return recordTest(app.db, contextOf(request), request.body);
    },
  );
  app.post(
    '/api/vaccinations',
    {
      schema: { tags: ['pro'], summary: 'Record a vaccination', body: RecordVaccinationBody, response: { 201: RecordedVaccination } },
      config: { right: 'vaccinations:record' },
    },
    async (request, reply) => {
      reply.status(201);
      return recordVaccination(app.db, contextOf(request), request.body);
    },
  );
};
