import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

const columns = ['id', 'label', 'region', 'created_at', 'revoked_at'] as const;

export async function insertKey(db: Executor, key: { keyHash: string; label: string; region: string | null; createdBy: string; now: Date }) {
  return db
    .insertInto('operator_api_keys')
    .values({ key_hash: key.keyHash, label: key.label, region: key.region, created_by: key.createdBy, created_at: key.now })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

/** The keys a scope sees, newest first: a region's, or every key for a national operator (null). */
export async function listKeys(db: Executor, region: string | null) {
  let query = db.selectFrom('operator_api_keys').select(columns).orderBy('created_at', 'desc');
  if (region !== null) query = query.where('region', '=', region);
  return query.execute();
}

export async function revokeKey(db: Executor, id: string, region: string | null, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('operator_api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .$if(region !== null, (q) => q.where('region', '=', region))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function findActiveKey(db: Executor, keyHash: string) {
  return db
    .selectFrom('operator_api_keys as k')
    .innerJoin('professionals as p', 'p.id', 'k.created_by')
    .select(['k.id', 'k.region', 'p.id_nat_ps as creator'])
    .where('k.key_hash', '=', keyHash)
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
}
