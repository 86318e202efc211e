import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { contextOf } from '../../platform/context.js';
import { EnrolledKey, EnrollKeyBody, KeyParams, OwnKeys, ProvisionalVerdict, TrustListAnswer, VerifyProvisionalBody } from '@prostopcovid/contracts/attestations';
import { enrollAttestationKey, getTrustList, listOwnAttestationKeys, revokeAttestationKey, verifyProvisionalAttestation } from './attestations.service.js';

/** Browser keys that sign provisional attestations, and their verification. */
export function attestationsRoutes(deps: { db: Db; continuity: Config['continuity'] }): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Professionals who record tests sign provisional attestations for them.
    const recorder = { right: 'tests:record' as const };
    app.post(
      '/api/attestation-keys',
      { schema: { tags: ['pro'], summary: "Enroll this browser's public key for provisional test attestations", body: EnrollKeyBody, response: { 201: EnrolledKey } }, config: recorder },
      async (request, reply) => {
        reply.status(201);
        return enrollAttestationKey(deps, contextOf(request), request.body.publicJwk);
      },
    );
    app.get('/api/attestation-keys', { schema: { tags: ['pro'], summary: 'My enrolled signing keys', response: { 200: OwnKeys } }, config: recorder }, async (request) =>
      listOwnAttestationKeys(deps, contextOf(request)),
    );
    app.delete('/api/attestation-keys/:kid', { schema: { tags: ['pro'], summary: 'Revoke one of my signing keys', params: KeyParams }, config: recorder }, async (request, reply) => {
      await revokeAttestationKey(deps, contextOf(request), request.params.kid);
      return reply.status(204).send();
    });

    app.get(
      '/api/verifier/trust-list',
      { schema: { tags: ['verifier'], summary: 'Enrolled keys and recent incident windows, for offline verification of provisional attestations', response: { 200: TrustListAnswer } }, config: { auth: 'public' } },
      async (request, reply) => {
        // Public data every verifier downloads: a minute in shared caches spares the server.
        reply.header('cache-control', 'public, max-age=60');
        return getTrustList(deps, contextOf(request));
      },
    );
    app.post(
      '/api/verifier/provisional',
      { schema: { tags: ['verifier'], summary: 'Verify a provisional test attestation (PSCV1: text)', body: VerifyProvisionalBody, response: { 200: ProvisionalVerdict } }, config: { auth: 'public' } },
      async (request) => verifyProvisionalAttestation(deps, contextOf(request), request.body.text),
    );
  };
}
