import { computeKid, PROVISIONAL_TEST_COMPONENTS, verifyProvisionalTest, type ProvisionalVerification } from '@prostopcovid/continuity';
import type { Static } from 'typebox';
import type { Db } from '../../db/database.js';
import { recordAudit } from '../../platform/audit.js';
import type { RequestContext, SignedInProfessional } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { listIncidentsOverlapping } from '../incidents/incidents.service.js';
import * as repo from './attestations.repository.js';
import type { TrustListAnswer } from '@prostopcovid/contracts/attestations';

export interface AttestationsDeps {
  db: Db;
}

/** One key per browser profile the professional works from; more means keys to revoke. */
export const MAX_ACTIVE_KEYS = 10;
/** How far back verifiers need incidents: far beyond the 72 h a validity may last, so old attestations read "expired". */
const INCIDENT_LOOKBACK_MS = 30 * 86_400_000;

function professionalOf(ctx: RequestContext): SignedInProfessional {
  if (!ctx.professional) throw new AppError('AUTH_REQUIRED');
  return ctx.professional;
}

/** kty, crv, x, y of a valid P-256 public key, or a clear refusal. */
async function checkPublicJwk(jwk: Record<string, unknown>): Promise<JsonWebKey> {
  if ('d' in jwk) throw new AppError('ATTESTATIONS_KEY_PRIVATE');
  const { kty, crv, x, y } = jwk;
  const coordinate = /^[A-Za-z0-9_-]{43}$/;
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string' || !coordinate.test(x) || !coordinate.test(y)) {
    throw new AppError('ATTESTATIONS_KEY_INVALID');
  }
  const publicJwk = { kty, crv, x, y };
  try {
    // WebCrypto refuses a point that is not on the curve.
    await crypto.subtle.importKey('jwk', publicJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  } catch (cause) {
    throw new AppError('ATTESTATIONS_KEY_INVALID', { cause });
  }
  return publicJwk;
}

/**
 * Enrolls the public key of a professional's browser, which will sign provisional
 * attestations offline. Idempotent: the same key again answers the same kid.
 */
export async function enrollAttestationKey(deps: AttestationsDeps, ctx: RequestContext, jwk: Record<string, unknown>) {
  const professional = professionalOf(ctx);
  const publicJwk = await checkPublicJwk(jwk);
  const kid = await computeKid(publicJwk);
  const enrolled = await deps.db.transaction().execute(async (trx) => {
    await repo.lockProfessional(trx, professional.id);
    const existing = await repo.findKey(trx, kid);
    if (existing) {
      if (existing.professional_id !== professional.id) throw new AppError('ATTESTATIONS_KEY_TAKEN');
      if (existing.revoked_at) throw new AppError('ATTESTATIONS_KEY_REVOKED');
      return { kid, enrolledAt: existing.enrolled_at.toISOString() };
    }
    if ((await repo.countActiveKeys(trx, professional.id)) >= MAX_ACTIVE_KEYS) {
      // Returned, not thrown, so that the refusal's audit row commits.
      await recordAudit(trx, ctx, { action: 'attestations.key_enroll', outcome: 'denied', targetType: 'attestation_key', targetId: kid, details: { reason: 'limit' } });
      return 'limit' as const;
    }
    const inserted = await repo.insertKey(trx, { kid, professionalId: professional.id, publicJwk, userAgent: ctx.userAgent, now: ctx.now });
    // Another professional enrolled the very same key between our read and insert: not possible by chance.
    if (!inserted) throw new AppError('ATTESTATIONS_KEY_TAKEN');
    await recordAudit(trx, ctx, { action: 'attestations.key_enroll', outcome: 'success', targetType: 'attestation_key', targetId: kid });
    return { kid, enrolledAt: inserted.enrolled_at.toISOString() };
  });
  if (enrolled === 'limit') throw new AppError('ATTESTATIONS_KEY_LIMIT');
  return enrolled;
}

export async function listOwnAttestationKeys(deps: AttestationsDeps, ctx: RequestContext) {
  const rows = await repo.listOwnKeys(deps.db, professionalOf(ctx).id);
  return {
    keys: rows.map((row) => ({ kid: row.kid, enrolledAt: row.enrolled_at.toISOString(), revokedAt: row.revoked_at?.toISOString() ?? null, userAgent: row.user_agent })),
  };
}

/** Revokes one of the professional's own keys (a lost or shared computer): its attestations are refused from now on. */
export async function revokeAttestationKey(deps: AttestationsDeps, ctx: RequestContext, kid: string): Promise<void> {
  const professional = professionalOf(ctx);
  await deps.db.transaction().execute(async (trx) => {
    if (await repo.revokeOwnKey(trx, professional.id, kid, ctx.now)) {
      await recordAudit(trx, ctx, { action: 'attestations.key_revoke', outcome: 'success', targetType: 'attestation_key', targetId: kid });
      return;
    }
    const existing = await repo.findKey(trx, kid);
    // Revoking twice is not an error; someone else's key is as good as unknown.
    if (!existing || existing.professional_id !== professional.id) throw new AppError('ATTESTATIONS_KEY_NOT_FOUND');
  });
}

/** Only kty, crv, x and y are ever stored (checkPublicJwk). */
const storedJwk = (jwk: JsonWebKey) => ({ kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x), y: String(jwk.y) });

const displayName = (row: { given_name: string; family_name: string }) => `${row.given_name} ${row.family_name}`;

async function recentIncidents(deps: AttestationsDeps, now: Date) {
  const rows = await listIncidentsOverlapping(deps.db, PROVISIONAL_TEST_COMPONENTS, new Date(now.getTime() - INCIDENT_LOOKBACK_MS), now);
  return rows.map((row) => ({
    component: row.component,
    startedAt: row.started_at.toISOString(),
    endedAt: row.ended_at?.toISOString() ?? null,
    testAttestationHours: row.test_attestation_hours,
  }));
}

/**
 * What an offline verifier caches. It is public and lists professionals' names and RPPS
 * numbers with their keys: the same identity is printed on every attestation they sign,
 * and a verifier must be able to name the signer without a network.
 */
export async function getTrustList(deps: AttestationsDeps, ctx: RequestContext): Promise<Static<typeof TrustListAnswer>> {
  const [keys, incidents] = await Promise.all([repo.listTrustedKeys(deps.db), recentIncidents(deps, ctx.now)]);
  return {
    generatedAt: ctx.now.toISOString(),
    keys: keys.map((row) => ({
      kid: row.kid,
      publicJwk: storedJwk(row.public_jwk),
      idNatPs: row.id_nat_ps,
      name: displayName(row),
      enrolledAt: row.enrolled_at.toISOString(),
      revokedAt: row.revoked_at?.toISOString() ?? null,
    })),
    incidents,
  };
}

/** The online verifier: the shared check, with keys and incidents as the database has them now. */
export async function verifyProvisionalAttestation(deps: AttestationsDeps, ctx: RequestContext, text: string): Promise<ProvisionalVerification> {
  return verifyProvisionalTest(text, {
    findKey: async (kid) => {
      const row = await repo.findTrustedKey(deps.db, kid);
      return row && { publicJwk: row.public_jwk, idNatPs: row.id_nat_ps, name: displayName(row), revokedAt: row.revoked_at };
    },
    incidents: await recentIncidents(deps, ctx.now),
    now: ctx.now,
  });
}
