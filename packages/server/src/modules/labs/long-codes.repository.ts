import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Counts `count` codes against the lab's quota of the day, in the shared counter table: the new
 * total, or null when it would pass `limit` (nothing counted). The counter row stays locked until
 * the transaction ends, so a lab's concurrent requests are counted one after the other.
 */
export async function countAgainstQuota(trx: Transaction<Database>, q: { key: string; windowStart: Date; count: number; limit: number }): Promise<number | null> {
  const { rows } = await sql<{ hits: number }>`
    insert into rate_limit_hits as r (key, window_start, hits)
    select ${q.key}, ${q.windowStart}, ${q.count}::int where ${q.count}::int <= ${q.limit}::int
    on conflict (key, window_start) do update set hits = r.hits + excluded.hits where r.hits + excluded.hits <= ${q.limit}::int
    returning hits
  `.execute(trx);
  return rows[0]?.hits ?? null;
}

export async function quotaUsed(db: Executor, key: string, windowStart: Date): Promise<number> {
  const row = await db.selectFrom('rate_limit_hits').select('hits').where('key', '=', key).where('window_start', '=', windowStart).executeTakeFirst();
  return row?.hits ?? 0;
}

/**
 * A lab's long codes, as declaration codes: kind 'long', a confirmed case, counted in the lab's
 * department, attached to no result yet. One statement over an array of hashes; a hash already
 * live (a clash, about 1 in 10^11 per code) is skipped. Returns how many were inserted.
 */
export async function insertLabLongCodes(
  trx: Transaction<Database>,
  batch: { id: string; labId: string; hashes: string[]; keyId: string; now: Date; expiresAt: Date },
): Promise<number> {
  const { numAffectedRows } = await sql`
    insert into declaration_codes (code_hash, key_id, kind, case_kind, professional_id, issued_at, expires_at, department, lab_batch_id)
    select hash, ${batch.keyId}, 'long', 'confirmed', null, ${batch.now}, ${batch.expiresAt}, (select department from labs where id = ${batch.labId}::uuid), ${batch.id}::uuid
    from unnest(${batch.hashes}::text[]) as hash
    on conflict (code_hash) where consumed_at is null do nothing
  `.execute(trx);
  return Number(numAffectedRows ?? 0n);
}

/** Which of `hashes` the batch does not hold (values that clashed with another live code). */
export async function hashesMissingFromBatch(trx: Transaction<Database>, batchId: string, hashes: string[]): Promise<string[]> {
  const { rows } = await sql<{ hash: string }>`
    select hash from unnest(${hashes}::text[]) as hash
    where not exists (select 1 from declaration_codes c where c.code_hash = hash and c.lab_batch_id = ${batchId}::uuid)
  `.execute(trx);
  return rows.map((row) => row.hash);
}

/** The batch row; null when another request took the same Idempotency-Key first. */
export async function insertBatch(
  trx: Transaction<Database>,
  row: { id: string; labId: string; keyId: string; count: number; now: Date; validUntil: Date; idempotencyKey: string | null; sealedCodes: string | null },
): Promise<string | null> {
  const inserted = await trx
    .insertInto('lab_long_code_batches')
    .values({
      id: row.id,
      lab_id: row.labId,
      key_id: row.keyId,
      count: row.count,
      issued_at: row.now,
      valid_until: row.validUntil,
      idempotency_key: row.idempotencyKey,
      sealed_codes: row.sealedCodes,
    })
    .onConflict((oc) => oc.columns(['lab_id', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted?.id ?? null;
}

export async function findBatchByIdempotencyKey(db: Executor, labId: string, idempotencyKey: string) {
  return db
    .selectFrom('lab_long_code_batches')
    .select(['id', 'count', 'issued_at', 'valid_until', 'sealed_codes'])
    .where('lab_id', '=', labId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
}

export interface LabCodeRow {
  id: string;
  code_hash: string;
  lab_id: string;
  test_result_id: string | null;
  consumed_at: Date | null;
  expires_at: Date;
}

/**
 * Laboratories' long codes with one of `hashes`: the live ones locked (FOR UPDATE) until the
 * transaction ends, so two batches cannot attach one code twice, and the used ones. Each half
 * reads one partial index of the hash (unconsumed, consumed).
 */
export async function lockLabCodes(trx: Transaction<Database>, hashes: string[]): Promise<LabCodeRow[]> {
  const { rows: live } = await sql<LabCodeRow>`
    select c.id, c.code_hash, b.lab_id, c.test_result_id, c.consumed_at, c.expires_at
    from declaration_codes c join lab_long_code_batches b on b.id = c.lab_batch_id
    where c.code_hash = any(${hashes}::text[]) and c.consumed_at is null
    for update of c
  `.execute(trx);
  const { rows: used } = await sql<LabCodeRow>`
    select c.id, c.code_hash, b.lab_id, c.test_result_id, c.consumed_at, c.expires_at
    from declaration_codes c join lab_long_code_batches b on b.id = c.lab_batch_id
    where c.code_hash = any(${hashes}::text[]) and c.consumed_at is not null
  `.execute(trx);
  return [...live, ...used];
}

/** Each code to the result it is printed for. */
export async function attachLongCodes(trx: Transaction<Database>, pairs: Array<{ codeId: string; resultId: string }>): Promise<void> {
  if (pairs.length === 0) return;
  await sql`
    update declaration_codes c set test_result_id = x.result_id
    from unnest(${pairs.map((p) => p.codeId)}::uuid[], ${pairs.map((p) => p.resultId)}::uuid[]) as x(code_id, result_id)
    where c.id = x.code_id
  `.execute(trx);
}

/** Old answers no longer needed for a replay: codes sealed for an Idempotency-Key. */
export async function clearSealedBatches(db: Executor, before: Date): Promise<number> {
  const result = await db.updateTable('lab_long_code_batches').set({ sealed_codes: null }).where('sealed_codes', 'is not', null).where('issued_at', '<', before).executeTakeFirst();
  return Number(result.numUpdatedRows);
}
