import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** Serialises a professional's enrollments, so that concurrent ones cannot pass the cap together. */
export async function lockProfessional(trx: Transaction<Database>, professionalId: string): Promise<void> {
  await trx.selectFrom('professionals').select('id').where('id', '=', professionalId).forUpdate().execute();
}

export async function findKey(db: Executor, kid: string) {
  return db.selectFrom('attestation_keys').select(['kid', 'professional_id', 'enrolled_at', 'revoked_at']).where('kid', '=', kid).executeTakeFirst();
}

export async function countActiveKeys(db: Executor, professionalId: string): Promise<number> {
  const row = await db
    .selectFrom('attestation_keys')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('professional_id', '=', professionalId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return row.n;
}

export async function insertKey(db: Executor, key: { kid: string; professionalId: string; publicJwk: JsonWebKey; userAgent: string | null; now: Date }) {
  return db
    .insertInto('attestation_keys')
    .values({ kid: key.kid, professional_id: key.professionalId, public_jwk: JSON.stringify(key.publicJwk), enrolled_at: key.now, user_agent: key.userAgent })
    .onConflict((oc) => oc.column('kid').doNothing())
    .returning(['kid', 'enrolled_at'])
    .executeTakeFirst();
}

export async function listOwnKeys(db: Executor, professionalId: string) {
  return db
    .selectFrom('attestation_keys')
    .select(['kid', 'enrolled_at', 'revoked_at', 'user_agent'])
    .where('professional_id', '=', professionalId)
    .orderBy('enrolled_at', 'desc')
    .execute();
}

/** Revokes the professional's own active key; false when there is none such. */
export async function revokeOwnKey(db: Executor, professionalId: string, kid: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('attestation_keys')
    .set({ revoked_at: now })
    .where('kid', '=', kid)
    .where('professional_id', '=', professionalId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A key with the identity of the professional who enrolled it: what a verifier trusts. */
export async function findTrustedKey(db: Executor, kid: string) {
  return db
    .selectFrom('attestation_keys')
    .innerJoin('professionals', 'professionals.id', 'attestation_keys.professional_id')
    .select(['attestation_keys.public_jwk', 'attestation_keys.revoked_at', 'professionals.id_nat_ps', 'professionals.given_name', 'professionals.family_name'])
    .where('attestation_keys.kid', '=', kid)
    .executeTakeFirst();
}

export async function listTrustedKeys(db: Executor) {
  return db
    .selectFrom('attestation_keys')
    .innerJoin('professionals', 'professionals.id', 'attestation_keys.professional_id')
    .select([
      'attestation_keys.kid',
      'attestation_keys.public_jwk',
      'attestation_keys.enrolled_at',
      'attestation_keys.revoked_at',
      'professionals.id_nat_ps',
      'professionals.given_name',
      'professionals.family_name',
    ])
    .orderBy('attestation_keys.enrolled_at')
    .execute();
}
