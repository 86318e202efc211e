import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** Serialises issuing per professional, so the hourly limit holds under concurrent requests. */
export async function lockProfessional(trx: Transaction<Database>, professionalId: string): Promise<void> {
  await trx.selectFrom('professionals').select('id').where('id', '=', professionalId).forUpdate().execute();
}

export async function countCodesIssuedSince(db: Executor, professionalId: string, since: Date) {
  return db
    .selectFrom('declaration_codes')
    .select([sql<number>`count(*)::int`.as('count'), sql<Date | null>`min(issued_at)`.as('oldest')])
    .where('professional_id', '=', professionalId)
    .where('issued_at', '>', since)
    .executeTakeFirstOrThrow();
}

/** True when one of these hashes belongs to a code that can still be redeemed. */
export async function isLiveCodeHash(db: Executor, hashes: string[], now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('declaration_codes')
    .select('id')
    .where('code_hash', 'in', hashes)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/** Inserts the code unless its hash is taken; returns the new id, or undefined on a clash. */
export async function insertCode(
  db: Executor,
  code: { hash: string; keyId: string; kind: 'short' | 'long'; caseKind: 'confirmed' | 'probable' | null; qrCodeUnavailable: boolean; professionalId: string | null; now: Date; expiresAt: Date },
): Promise<string | undefined> {
  const row = await db
    .insertInto('declaration_codes')
    .values({
      code_hash: code.hash,
      key_id: code.keyId,
      kind: code.kind,
      case_kind: code.caseKind,
      qr_code_unavailable: code.qrCodeUnavailable,
      professional_id: code.professionalId,
      issued_at: code.now,
      expires_at: code.expiresAt,
    })
    .onConflict((oc) => oc.column('code_hash').where('consumed_at', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/** An expired, unused code no longer needs its hash: clearing it frees the value. */
export async function releaseExpiredHash(db: Executor, hash: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('declaration_codes')
    .set({ code_hash: null })
    .where('code_hash', '=', hash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Consumes a live code in one statement: under concurrent attempts exactly one gets the row
 * back. The hash comparison happens inside the database's index lookup.
 */
export async function consumeCode(db: Executor, hashes: string[], now: Date) {
  return db
    .updateTable('declaration_codes')
    .set({ consumed_at: now })
    .where('code_hash', 'in', hashes)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['id', 'kind', 'case_kind', 'professional_id'])
    .executeTakeFirst();
}

export async function listCodesOfProfessional(db: Executor, professionalId: string, limit: number) {
  return db
    .selectFrom('declaration_codes')
    .select(['id', 'issued_at', 'case_kind', 'expires_at', 'consumed_at'])
    .where('professional_id', '=', professionalId)
    .where('kind', '=', 'short')
    .orderBy('issued_at', 'desc')
    .limit(limit)
    .execute();
}
