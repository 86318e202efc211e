import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/context.js';
import { Type } from 'typebox';
import { Uuid } from '../../platform/schemas.js';
import type { CodesDeps } from '../codes/codes.service.js';
import { RecordedTest, RecordedVaccination, RecordTestBody, RecordVaccinationBody } from './acts.schemas.js';
import { createCovidPlusDocument, recordTest, recordVaccination } from './acts.service.js';

/** SI-DEP (tests) and Vaccin Covid (vaccinations), as entered by professionals. */
export function actsRoutes(deps: { codes: CodesDeps }): FastifyPluginAsyncTypebox {
  return async (app) => {
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
    app.post(
      '/api/tests/:id/covid-plus',
      {
        schema: { tags: ['pro'], summary: "The patient's COVID+ PDF with a new long declaration code (replaces any earlier one)", params: Type.Object({ id: Uuid }) },
        config: { right: 'tests:record' },
      },
      async (request, reply) => {
        const pdf = await createCovidPlusDocument(app.db, deps.codes, contextOf(request), request.params.id);
        return reply.type('application/pdf').header('content-disposition', 'attachment; filename="document-covid-plus.pdf"').send(Buffer.from(pdf));
      },
    );
  };
}
