import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`create table professionals (
      id uuid primary key default gen_random_uuid(),
      id_nat_ps text not null unique,
      given_name text not null,
      family_name text not null,
      professions text[] not null,
      exercices jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null,
      last_sign_in_at timestamptz
    )`,
    sql`create table sessions (
      id text primary key,
      professional_id uuid not null references professionals(id) on delete cascade,
      csrf_token text not null,
      id_token text,
      auth_means text,
      acr text not null,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      absolute_expires_at timestamptz not null
    )`,
    sql`create index sessions_professional_idx on sessions (professional_id)`,
    sql`create index sessions_last_seen_idx on sessions (last_seen_at)`,
    sql`create index sessions_absolute_expiry_idx on sessions (absolute_expires_at)`,
    sql`create table login_attempts (
      state text primary key,
      binding_hash text not null,
      nonce text not null,
      code_verifier text not null,
      return_to text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null
    )`,
    sql`create index login_attempts_expiry_idx on login_attempts (expires_at)`,
    sql`create table audit_log (
      id bigserial primary key,
      occurred_at timestamptz not null,
      actor_type text not null,
      actor_id text,
      action text not null,
      outcome text not null,
      target_type text,
      target_id text,
      ip text,
      user_agent text,
      request_id text,
      details jsonb not null default '{}'
    )`,
    sql`create index audit_log_action_idx on audit_log (action, occurred_at)`,
    sql`create index audit_log_actor_idx on audit_log (actor_id, occurred_at)`,
  ]) {
    await statement.execute(db);
  }
}
