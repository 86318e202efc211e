import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`create table declaration_codes (
      id uuid primary key default gen_random_uuid(),
      -- HMAC of the code; cleared once an unused code has expired, so that its value can be drawn again.
      code_hash text,
      key_id text not null,
      kind text not null check (kind in ('short', 'long')),
      case_kind text check (case_kind in ('confirmed', 'probable')),
      qr_code_unavailable boolean not null default false,
      professional_id uuid references professionals(id),
      issued_at timestamptz not null,
      expires_at timestamptz not null,
      consumed_at timestamptz
    )`,
    sql`create unique index declaration_codes_live_hash_idx on declaration_codes (code_hash) where consumed_at is null`,
    sql`create index declaration_codes_professional_idx on declaration_codes (professional_id, issued_at desc)`,
    sql`create table declarations (
      id uuid primary key default gen_random_uuid(),
      code_id uuid not null unique references declaration_codes(id),
      onset_kind text not null check (onset_kind in ('symptoms', 'test', 'unknown')),
      onset_date date,
      window_from date not null,
      window_to date not null,
      upload_token_hash text not null unique,
      token_expires_at timestamptz not null,
      declared_at timestamptz not null,
      uploaded_at timestamptz,
      contacts_accepted integer,
      contacts_rejected integer
    )`,
    sql`create table contacts (
      id bigserial primary key,
      declaration_id uuid not null references declarations(id),
      ephemeral_id bytea not null,
      seen_at timestamptz not null,
      duration_seconds integer not null,
      rssi integer not null
    )`,
    sql`create index contacts_declaration_idx on contacts (declaration_id)`,
    sql`create table rate_limit_hits (
      key text not null,
      window_start timestamptz not null,
      hits integer not null,
      primary key (key, window_start)
    )`,
  ]) {
    await statement.execute(db);
  }
}
