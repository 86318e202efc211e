import { sql, type Kysely } from 'kysely';

/**
 * Statistics for authorities (docs/domain.md §8):
 * - each act and code carries the department and profession it counts under, fixed when it is
 *   recorded (a professional who moves later does not move past figures): the recording
 *   professional's activity, or the laboratory's department (from its FINESS number);
 * - `stats_daily`, a rollup by day, department, profession and a metric's dimension, with the
 *   sums over all departments and over all professions ('*') precomputed, rebuilt one recording
 *   day at a time by a periodic job (statistics.service.ts): the statistics page reads it,
 *   never the acts themselves;
 * - indexes for that job: BRIN on the recording times (rows arrive in time order; each block
 *   range summarised as soon as it is full, or a rebuild would read every range not yet
 *   summarised by a vacuum), B-trees on the codes' use and expiry;
 * - operators' API keys, for machines that read the KPIs (only their SHA-256 is kept);
 * - the audit log searchable by target.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`alter table test_results add column department text, add column profession text`,
    sql`alter table vaccinations add column department text, add column profession text`,
    sql`alter table declaration_codes add column department text, add column profession text`,
    sql`alter table labs add column department text`,
    sql`create index test_results_recorded_brin on test_results using brin (recorded_at) with (autosummarize = on)`,
    sql`create index vaccinations_recorded_brin on vaccinations using brin (recorded_at) with (autosummarize = on)`,
    sql`create index declarations_declared_brin on declarations using brin (declared_at) with (autosummarize = on)`,
    sql`create index declaration_codes_issued_brin on declaration_codes using brin (issued_at) with (autosummarize = on)`,
    sql`create index declaration_codes_consumed_idx on declaration_codes (consumed_at) where consumed_at is not null`,
    sql`create index declaration_codes_unused_expiry_idx on declaration_codes (expires_at) where consumed_at is null`,
    sql`create table stats_daily (
      -- the day the figure is about (Paris): the act's, or the event's
      day date not null,
      -- the day the rows were recorded (Paris): the unit the job rebuilds
      recorded_day date not null,
      metric text not null,
      -- '' when not known; '*' for the sum over all departments
      department text not null,
      -- TRE_G15 code; '' for laboratories and what has no profession; '*' for the sum over all
      profession text not null,
      -- the metric's breakdown: 'short', 'antigen/detected', '2/EU/1/20/1528', '1-6h'…
      dimension text not null,
      count integer not null check (count > 0),
      primary key (recorded_day, metric, day, department, profession, dimension)
    )`,
    // The page reads by profession and department (or '*') and day, and the table by department
    // as one metric over days: the columns it sums come from the indexes alone.
    sql`create index stats_daily_series_idx on stats_daily (profession, department, metric, day) include (dimension, count)`,
    sql`create index stats_daily_table_idx on stats_daily (profession, metric, day) include (department, dimension, count)`,
    // The last recording day rebuilt for good ('closed_through') and when the job last ran.
    sql`create table operator_api_keys (
      id uuid primary key default gen_random_uuid(),
      key_hash text not null unique,
      label text not null,
      -- the scope of the operator who created it: null national, else an INSEE region code
      region text,
      created_by uuid not null references professionals(id),
      created_at timestamptz not null,
      revoked_at timestamptz
    )`,
    sql`create index audit_log_target_idx on audit_log (target_id) where target_id is not null`,
    sql`alter index audit_log_occurred_brin set (autosummarize = on)`,
    sql`create table stats_state (
      name text primary key,
      day date not null,
      at timestamptz not null
    )`,
  ]) {
    await statement.execute(db);
  }
}
