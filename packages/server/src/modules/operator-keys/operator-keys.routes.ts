import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Uuid } from '@prostopcovid/contracts/common';
import { CreatedOperatorKey, CreateOperatorKeyBody, OperatorKeyList } from '@prostopcovid/contracts/statistics';
import { contextOf } from '../../platform/context.js';
import { createOperatorKey, listOperatorKeys, revokeOperatorKey, type OperatorKeysDeps } from './operator-keys.service.js';

export function operatorKeysRoutes(deps: OperatorKeysDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const operator = { right: 'operator' as const };
    app.get('/api/admin/api-keys', { schema: { tags: ['admin'], summary: "The API keys of the operator's scope", response: { 200: OperatorKeyList } }, config: operator }, async (request) =>
      listOperatorKeys(deps, contextOf(request)),
    );
    app.post(
      '/api/admin/api-keys',
      { schema: { tags: ['admin'], summary: 'A new API key for machines reading the KPIs (shown once)', body: CreateOperatorKeyBody, response: { 201: CreatedOperatorKey } }, config: operator },
      async (request, reply) => {
        reply.status(201);
        return createOperatorKey(deps, contextOf(request), request.body.label);
      },
    );
    app.delete('/api/admin/api-keys/:keyId', { schema: { tags: ['admin'], summary: 'Revokes a key', params: Type.Object({ keyId: Uuid }) }, config: operator }, async (request, reply) => {
      await revokeOperatorKey(deps, contextOf(request), request.params.keyId);
      return reply.status(204).send();
    });
  };
}
