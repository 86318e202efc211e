import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { isNotModified } from '../../platform/etag.js';
import type { Published } from './verifier-lists.js';
import { CountryParams, GatewayEntry, ListsBundle, VerifyAnswer, VerifyBody } from '@prostopcovid/contracts/verifier';
import { verifyPass, type VerifierDeps } from './verifier.service.js';
import { Type } from 'typebox';

/**
 * A published JSON document with its ETag: 304 when the client has it. Shared caches may keep it
 * `maxAge` seconds; the offline bundle is revalidated each time (max-age 0), which costs a 304.
 */
function sendPublished(request: FastifyRequest, reply: FastifyReply, document: Published, maxAge: number) {
  reply.header('etag', document.etag).header('cache-control', `public, max-age=${maxAge}`).header('vary', 'accept-encoding');
  if (isNotModified(request, document.etag)) return reply.status(304).send();
  return reply.type('application/json; charset=utf-8').send(document.body);
}

export function verifierRoutes(deps: VerifierDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const publicRoute = { auth: 'public' as const };
    app.post(
      '/api/verifier/v1/verify',
      { schema: { tags: ['verifier'], summary: 'Verify an EU Digital COVID Certificate (HC1: text): signature, dates, schema, then the rules of the country of verification', body: VerifyBody, response: { 200: VerifyAnswer } }, config: publicRoute },
      async (request) => verifyPass(deps, contextOf(request), request.body),
    );
    app.get(
      '/api/verifier/v1/signers',
      { schema: { tags: ['verifier'], summary: "This service's document signer certificates, in the EU DCC Gateway trust-list format (ETag)", response: { 200: Type.Array(GatewayEntry) } }, config: publicRoute },
      async (request, reply) => sendPublished(request, reply, deps.lists.snapshot().published.ownSigners, 300),
    );
    app.get(
      '/api/verifier/v1/rules',
      { schema: { tags: ['verifier'], summary: 'Business rules (EU format, CertLogic) of every country this service knows (ETag)', response: { 200: Type.Array(Type.Unknown()) } }, config: publicRoute },
      async (request, reply) => sendPublished(request, reply, deps.lists.snapshot().published.rules, 300),
    );
    app.get(
      '/api/verifier/v1/rules/:country',
      { schema: { tags: ['verifier'], summary: 'The business rules of one country', params: CountryParams, response: { 200: Type.Array(Type.Unknown()) } }, config: publicRoute },
      async (request, reply) => {
        const { published, countries } = deps.lists.snapshot();
        const document = published.rulesByCountry.get(request.params.country);
        if (!document) throw new AppError('VERIFIER_COUNTRY_UNKNOWN', { publicDetails: { countries } });
        return sendPublished(request, reply, document, 300);
      },
    );
    app.get(
      '/api/verifier/v1/value-sets',
      { schema: { tags: ['verifier'], summary: 'The EU value sets the rules use (ETag)', response: { 200: Type.Array(Type.Unknown()) } }, config: publicRoute },
      async (request, reply) => sendPublished(request, reply, deps.lists.snapshot().published.valueSets, 300),
    );
    app.get(
      '/api/verifier/v1/lists',
      { schema: { tags: ['verifier'], summary: 'Everything an offline verifier keeps: trusted signers (own and imported), rules, value sets, and their maximum age (ETag)', response: { 200: ListsBundle } }, config: publicRoute },
      async (request, reply) => {
        // When the imported trust list was last read from its source: the page counts its lists' age from it too.
        const { trustList } = deps.lists.snapshot();
        if (trustList.loadedAt) reply.header('x-trust-list-read-at', trustList.loadedAt);
        return sendPublished(request, reply, deps.lists.snapshot().published.bundle, 0);
      },
    );
  };
}
