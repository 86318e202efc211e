import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/context.js';
import { Type } from 'typebox';
import { Uuid } from '@prostopcovid/contracts/common';
import type { CodesDeps } from '../codes/codes.service.js';
import { IdempotencyHeaders, RecordedTest, RecordedVaccination, RecordTestBody, RecordVaccinationBody } from '@prostopcovid/contracts/acts';
import { createCovidPlusDocument, recordTest, recordVaccination } from './acts.service.js';

/** SI-DEP (tests) and Vaccin Covid (vaccinations), as entered by professionals. */
export function actsRoutes(deps: { codes: CodesDeps }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/tests',
      {
        schema: {
          tags: ['pro'],
          summary: 'Record a rapid antigen test or supervised self-test',
          headers: IdempotencyHeaders,
          body: RecordTestBody,
          response: { 200: RecordedTest, 201: RecordedTest },
        },
        config: { right: 'tests:record' },
      },
      async (request, reply) => {
        const recorded = await recordTest(app.db, contextOf(request), request.body, request.headers['idempotency-key']);
        reply.status(recorded.replayed ? 200 : 201);
        return recorded;
      },
    );
    app.post(
      '/api/vaccinations',
      {
        schema: {
          tags: ['pro'],
          summary: 'Record a vaccination',
          headers: IdempotencyHeaders,
          body: RecordVaccinationBody,
          response: { 200: RecordedVaccination, 201: RecordedVaccination },
        },
        config: { right: 'vaccinations:record' },
      },
      async (request, reply) => {
        const recorded = await recordVaccination(app.db, contextOf(request), request.body, request.headers['idempotency-key']);
        reply.status(recorded.replayed ? 200 : 201);
        return recorded;
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
