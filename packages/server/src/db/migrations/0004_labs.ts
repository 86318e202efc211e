import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`create table labs (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      finess text,
      created_at timestamptz not null
    )`,
    sql`create table lab_api_keys (
      id uuid primary key default gen_random_uuid(),
      lab_id uuid not null references labs(id),
      -- SHA-256 of the key: shown once at creation, never stored.
      key_hash text not null unique,
      created_at timestamptz not null,
      revoked_at timestamptz
    )`,
    sql`alter table test_results add column lab_id uuid references labs(id)`,
    sql`alter table test_results add column lab_sample_id text`,
    // A batch sent twice records each result once.
    sql`create unique index test_results_lab_sample_idx on test_results (lab_id, lab_sample_id) where lab_id is not null`,
  ]) {
    await statement.execute(db);
  }
}
