import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { enforceClientLimit } from '../../platform/client-limits.js';
import { contextOf } from '../../platform/context.js';
import { CreatedKey, CreateLabBody, Lab, LabBatchAnswer, LabBatchBody, LabKeyParams, LabList, LabParams, LongCodesAnswer, LongCodesBody, LongCodesHeaders } from '@prostopcovid/contracts/labs';
import { authenticateLab, createLab, createLabKey, ingestLabResults, listLabs, revokeLabKey, type LabsDeps } from './labs.service.js';
import { longCodesCsv, longCodesJson, requestLongCodes } from './long-codes.service.js';

/** `Accept: text/csv` (RFC 4180 CSV, UTF-8) rather than JSON, the default. */
function wantsCsv(request: FastifyRequest): boolean {
  return /(^|,)\s*text\/csv\s*(;|,|$)/i.test(request.headers.accept ?? '');
}

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
    const authenticate = async (request: FastifyRequest) => {
      const lab = await authenticateLab(deps, request.headers.authorization);
      await enforceClientLimit(request, `lab-key:${lab.keyId}`, deps.keyRequestsPerMinute);
      labs.set(request, lab);
    };
    app.post(
      '/api/labs/v1/results',
      {
        preValidation: authenticate,
        bodyLimit: deps.batchMaxResults * 1024 + 1024,
        schema: { tags: ['labs'], summary: 'A batch of RT-PCR results (Authorization: Bearer <lab API key>)', body: LabBatchBody, response: { 200: LabBatchAnswer } },
        config: { auth: 'public' },
      },
      async (request) => ingestLabResults(deps, contextOf(request), labs.get(request)!, request.body.results),
    );

    app.post(
      '/api/labs/v1/long-codes',
      {
        preValidation: authenticate,
        bodyLimit: 1024,
        schema: {
          tags: ['labs'],
          summary: 'Long one-time declaration codes made in advance (Authorization: Bearer <lab API key>; Accept: text/csv or application/json)',
          headers: LongCodesHeaders,
          body: LongCodesBody,
          response: { 200: { content: { 'application/json': { schema: LongCodesAnswer }, 'text/csv': { schema: { type: 'string' } } } } },
        },
        config: { auth: 'public' },
        // RFC 9530: the SHA-256 of the bytes sent, CSV or JSON, for the lab to check what it saved.
        onSend: async (_request, reply, payload) => {
          if (reply.statusCode === 200 && (typeof payload === 'string' || Buffer.isBuffer(payload))) {
            reply.header('content-digest', `sha-256=:${createHash('sha256').update(payload).digest('base64')}:`);
          }
          return payload;
        },
      },
      async (request, reply) => {
        const batch = await requestLongCodes(deps, contextOf(request), labs.get(request)!, request.body.count, request.headers['idempotency-key']);
        reply.header('cache-control', 'no-store');
        if (batch.replayed) reply.header('idempotent-replayed', 'true');
        if (wantsCsv(request)) {
          return reply
            .type('text/csv; charset=utf-8; header=present')
            .header('content-disposition', `attachment; filename="codes-longs-${batch.batchId}.csv"`)
            .send(longCodesCsv(deps.publicUrl, batch));
        }
        return longCodesJson(deps.publicUrl, batch);
      },
    );
  };
}
