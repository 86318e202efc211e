import { sql, type Kysely } from 'kysely';

/** Continuity through outages (docs/domain.md, Continuity): incidents, idempotent acts, attestation keys, second sign-in channel. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`create table incidents (
      id uuid primary key default gen_random_uuid(),
      component text not null check (component in ('psc', 'tests-portal', 'vaccination-portal')),
      started_at timestamptz not null,
      ended_at timestamptz,
      test_attestation_hours integer not null default 12 check (test_attestation_hours between 1 and 72),
      message text,
      source text not null check (source in ('operator', 'automatic')),
      declared_by uuid references professionals(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (ended_at is null or ended_at > started_at)
    )`,
    // The circuit breaker of every server process opens at most one automatic incident per component.
    sql`create unique index incidents_one_open_automatic on incidents (component) where source = 'automatic' and ended_at is null`,
    sql`create index incidents_started_idx on incidents (started_at)`,

    // Acts sent from a browser outbox carry a client-generated idempotency key: one act, however often sent.
    sql`alter table test_results add column idempotency_key uuid, add column request_hash text, add column captured_at timestamptz`,
    sql`create unique index test_results_idempotency on test_results (professional_id, idempotency_key) where idempotency_key is not null`,
    sql`alter table vaccinations add column idempotency_key uuid, add column request_hash text, add column captured_at timestamptz`,
    sql`create unique index vaccinations_idempotency on vaccinations (professional_id, idempotency_key) where idempotency_key is not null`,

    // Public keys of professionals' browsers, which sign provisional attestations offline.
    sql`create table attestation_keys (
      kid text primary key,
      professional_id uuid not null references professionals(id),
      public_jwk jsonb not null,
      enrolled_at timestamptz not null,
      revoked_at timestamptz,
      user_agent text
    )`,
    sql`create index attestation_keys_professional_idx on attestation_keys (professional_id)`,

    // The second sign-in channel, independent of PSC: a pre-enrolled local account with TOTP.
    sql`create table fallback_accounts (
      professional_id uuid primary key references professionals(id),
      password_hash text not null,
      totp_secret text not null,
      totp_last_step bigint,
      enrolled_at timestamptz not null,
      last_used_at timestamptz,
      failed_attempts integer not null default 0,
      locked_until timestamptz
    )`,
    sql`alter table sessions add column channel text not null default 'psc'`,
  ]) {
    await statement.execute(db);
  }
}
