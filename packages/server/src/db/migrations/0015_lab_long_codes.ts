import { sql, type Kysely } from 'kysely';

/**
 * Laboratories' long codes, made in advance in batches (docs/domain.md, Numbers: at most 40,000 a
 * request), and the retrieval codes of lab results kept sealed for a replayed batch.
 * - lab_long_code_batches: one row per request; with an Idempotency-Key, the codes sealed under a
 *   key derived from the lab's API key (which the server does not keep), cleared after 24 hours.
 * - declaration_codes.lab_batch_id: the batch a lab's long code came from. The code itself is a
 *   long code like a COVID+ document's (kind 'long', HMAC only); it is redeemable only once the
 *   lab has attached it to a positive result (test_result_id). No foreign key: a 40,000-row
 *   insert would check the same batch row 40,000 times.
 * - an index on the hashes of consumed codes, so a lab attaching a used code is told so without
 *   a scan (live codes are already in the unique index of unconsumed hashes).
 * - test_results.retrieval_sealed: a lab result's retrieval code under AES-256-GCM (LAB_RETRIEVAL_KEYS),
 *   so the same batch sent again answers the same codes; cleared after LAB_RETRIEVAL_REPLAY_DAYS
 *   (the partial index finds them). Results recorded before this migration have none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`create table lab_long_code_batches (
      id uuid primary key default gen_random_uuid(),
      lab_id uuid not null references labs(id),
      key_id uuid not null references lab_api_keys(id),
      count integer not null check (count > 0),
      issued_at timestamptz not null,
      valid_until timestamptz not null,
      idempotency_key text,
      sealed_codes text
    )`,
    sql`create unique index lab_long_code_batches_idempotency_idx on lab_long_code_batches (lab_id, idempotency_key) where idempotency_key is not null`,
    sql`create index lab_long_code_batches_sealed_idx on lab_long_code_batches (issued_at) where sealed_codes is not null`,
    sql`alter table declaration_codes add column lab_batch_id uuid`,
    sql`create index declaration_codes_consumed_hash_idx on declaration_codes (code_hash) where consumed_at is not null`,
    sql`alter table test_results add column retrieval_sealed text`,
    sql`create index test_results_retrieval_sealed_idx on test_results (recorded_at) where retrieval_sealed is not null`,
  ]) {
    await statement.execute(db);
  }
}
