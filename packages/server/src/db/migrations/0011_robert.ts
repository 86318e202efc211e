import { sql, type Kysely } from 'kysely';

/** Hash partitions of the per-idA tables: enough to spread 50 M registrations; Citus distributes on the same key. */
const PARTITIONS = 8;

/**
 * ROBERT (docs/domain.md, Exposure notification). Registrations and exposures are hash-partitioned
 * by idA, so a status request is one primary-key lookup in one partition. Reports wait in a queue
 * table that workers take with FOR UPDATE SKIP LOCKED. The simulated contact list of declarations
 * goes: it tied heard identifiers to a declaration, which the protocol never does.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table robert_registrations (
    id_a bytea not null check (length(id_a) = 5),
    -- AES-256-GCM under the key-encryption key of KA_mac ‖ KA_tuples, bound to id_a
    keys_sealed bytea not null,
    created_epoch integer not null,
    last_active_epoch integer not null,
    last_status_epoch integer,
    tuples_until_epoch integer not null,
    -- exposures of epochs from here on count towards the risk (moved past the last notified contact)
    scores_from_epoch integer not null default 0,
    at_risk boolean not null default false,
    last_contact_epoch integer,
    -- day (since timeStart) of the last exposure, moved by up to a day either way once
    last_contact_day_blurred integer,
    last_risk_scoring_epoch integer,
    notified_epoch integer,
    primary key (id_a)
  ) partition by hash (id_a)`.execute(db);
  await sql`create table robert_exposures (
    id_a bytea not null,
    epoch_id integer not null,
    score double precision not null,
    primary key (id_a, epoch_id)
  ) partition by hash (id_a)`.execute(db);
  for (let i = 0; i < PARTITIONS; i++) {
    // Room in each page, and no index on the columns a status request writes: its UPDATE is then
    // a heap-only tuple update, with no index entry to write (the hourly purge of inactive
    // registrations scans instead).
    await sql`create table ${sql.raw(`robert_registrations_p${i}`)} partition of robert_registrations for values with (modulus ${sql.lit(PARTITIONS)}, remainder ${sql.lit(i)}) with (fillfactor = 80)`.execute(db);
    await sql`create table ${sql.raw(`robert_exposures_p${i}`)} partition of robert_exposures for values with (modulus ${sql.lit(PARTITIONS)}, remainder ${sql.lit(i)})`.execute(db);
  }
  // The purge of exposures past 14 days.
  await sql`create index robert_exposures_epoch_idx on robert_exposures (epoch_id)`.execute(db);
  // KPIs count the registrations at risk: a few among millions.
  await sql`create index robert_registrations_at_risk_idx on robert_registrations (id_a) where at_risk`.execute(db);

  await sql`create table robert_server_keys (
    day integer primary key,
    -- 3DES key of the day's EBIDs, AES-256-GCM under the key-encryption key
    key_sealed bytea not null,
    created_at timestamptz not null default now()
  )`.execute(db);

  await sql`create table robert_reports (
    id bigint generated always as identity primary key,
    received_at timestamptz not null,
    hellos integer not null,
    payload bytea not null,
    attempts integer not null default 0
  )`.execute(db);

  await sql`create table robert_captchas_used (
    id_hash bytea primary key,
    expires_at timestamptz not null
  )`.execute(db);

  await sql`create table robert_counters (
    day date not null,
    name text not null,
    value bigint not null,
    primary key (day, name)
  )`.execute(db);

  await sql`drop table contacts`.execute(db);
  await sql`alter table declarations add column report_digest bytea`.execute(db);
}
