import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { enforceClientLimit } from '../../platform/client-limits.js';
import { contextOf } from '../../platform/context.js';
import { CreatedKey, CreateLabBody, Lab, LabBatchAnswer, LabBatchBody, LabKeyParams, LabList, LabParams } from '@prostopcovid/contracts/labs';
import { authenticateLab, createLab, createLabKey, ingestLabResults, listLabs, revokeLabKey, type LabsDeps } from './labs.service.js';

export function labsRoutes(deps: LabsDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Authority operators manage laboratories and their keys.
    const operator = { right: 'operator' as const };
    app.get('/api/admin/labs', { schema: { tags: ['admin'], response: { 200: LabList } }, config: operator }, async () => listLabs(deps));
    app.post('/api/admin/labs', { schema: { tags: ['admin'], body: CreateLabBody, response: { 201: Lab } }, config: operator }, async (request, reply) => {
      reply.status(201);
      return createLab(deps, contextOf(request), request.body);
    });
    app.post('/api/admin/labs/:labId/keys', { schema: { tags: ['admin'], params: LabParams, response: { 201: CreatedKey } }, config: operator }, async (request, reply) => {
      reply.status(201);
      return createLabKey(deps, contextOf(request), request.params.labId);
    });
    app.delete('/api/admin/labs/:labId/keys/:keyId', { schema: { tags: ['admin'], params: LabKeyParams }, config: operator }, async (request, reply) => {
      await revokeLabKey(deps, contextOf(request), request.params.labId, request.params.keyId);
      return reply.status(204).send();
    });

    // The key is checked before the body: an unauthenticated caller learns nothing about its input.
    const labs = new WeakMap<object, Awaited<ReturnType<typeof authenticateLab>>>();
    app.post(
      '/api/labs/v1/results',
      {
        preValidation: async (request) => {
          const lab = await authenticateLab(deps, request.headers.authorization);
          await enforceClientLimit(request, `lab-key:${lab.keyId}`, deps.keyRequestsPerMinute);
          labs.set(request, lab);
        },
        bodyLimit: deps.batchMaxResults * 1024 + 1024,
        schema: { tags: ['labs'], summary: 'A batch of RT-PCR results (Authorization: Bearer <lab API key>)', body: LabBatchBody, response: { 200: LabBatchAnswer } },
        config: { auth: 'public' },
      },
      async (request) => ingestLabResults(deps, contextOf(request), labs.get(request)!, request.body.results),
    );
  };
}
