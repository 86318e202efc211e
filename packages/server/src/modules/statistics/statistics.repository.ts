import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** An act entered more than this after it was saved in the outbox counts as entered late. */
export const LATE_AFTER_MINUTES = 5;

// The Paris calendar day of an instant column.
const parisDay = (column: string) => sql.raw(`(${column} at time zone 'Europe/Paris')::date`);

// Delay between an act and its entry, in the buckets the statistics show.
const lateBucket = sql.raw(`case
  when recorded_at - captured_at < interval '1 hour' then '<1h'
  when recorded_at - captured_at < interval '6 hours' then '1-6h'
  when recorded_at - captured_at < interval '24 hours' then '6-24h'
  when recorded_at - captured_at < interval '72 hours' then '1-3j'
  else '>3j' end`);

// Long codes made in advance for laboratories ('lab') apart from those of COVID+ documents
// ('long'): 300,000 a day, mostly never attached, would swamp the others once expired unused.
const codeKind = sql.raw(`case when lab_batch_id is not null then 'lab' else kind end`);

// Santé publique France's age classes (cl_age90): 09 for 0-9 years, 19 for 10-19… 89, then 90.
const ageClass = sql.raw(`(select case when a >= 90 then '90' else lpad((a / 10 * 10 + 9)::text, 2, '0') end
  from (select extract(year from age((sampled_at at time zone 'Europe/Paris')::date, birth_date))::int as a) age)`);

/**
 * Rebuilds the figures of one recording day (Paris, [from, to)): every row of `stats_daily`
 * with that `recorded_day` is replaced by aggregates over the acts and events of the day,
 * found through the indexes on their times. Codes and declarations count on the day of
 * their event (issue, use, expiry, declaration), acts on their own day (test sample,
 * vaccination), and late entries on the day they were entered. Expiries are counted up to
 * `now`. Each figure is written by department and profession, and summed over all
 * departments and over all professions ('*', CUBE), so that a page reads a few rows.
 */
export async function rebuildRecordedDay(db: Executor, day: string, from: Date, to: Date, now: Date): Promise<number> {
  await db.deleteFrom('stats_daily').where('recorded_day', '=', day).execute();
  const expiredUntil = now < to ? now : to;
  const inDay = (column: string) => sql`${sql.ref(column)} >= ${from} and ${sql.ref(column)} < ${to}`;
  const late = sql`recorded_at - captured_at > ${sql.lit(`${LATE_AFTER_MINUTES} minutes`)}::interval`;
  const { numAffectedRows } = await sql`
    with figures as (
      select ${parisDay('sampled_at')} as day, 'tests' as metric, coalesce(department, '') as department, coalesce(profession, '') as profession,
        test_type || '/' || result as dimension, count(*) as n
      from test_results where ${inDay('recorded_at')} group by 1, 3, 4, 5
      union all
      select vaccinated_on, 'vaccinations', coalesce(department, ''), coalesce(profession, ''), dose_number::text || '/' || product, count(*)
      from vaccinations where ${inDay('recorded_at')} group by 1, 3, 4, 5
      union all
      select ${day}::date, 'late', coalesce(department, ''), coalesce(profession, ''), 'tests/' || ${lateBucket}, count(*)
      from test_results where ${inDay('recorded_at')} and ${late} group by 3, 4, 5
      union all
      select ${day}::date, 'late', coalesce(department, ''), coalesce(profession, ''), 'vaccinations/' || ${lateBucket}, count(*)
      from vaccinations where ${inDay('recorded_at')} and ${late} group by 3, 4, 5
      union all
      select ${day}::date, 'codes.issued', coalesce(department, ''), coalesce(profession, ''), ${codeKind}, count(*)
      from declaration_codes where ${inDay('issued_at')} group by 3, 4, 5
      union all
      select ${day}::date, 'codes.used', coalesce(department, ''), coalesce(profession, ''), ${codeKind}, count(*)
      from declaration_codes where ${inDay('consumed_at')} group by 3, 4, 5
      union all
      select ${day}::date, 'codes.expired', coalesce(department, ''), coalesce(profession, ''), ${codeKind}, count(*)
      from declaration_codes where consumed_at is null and expires_at >= ${from} and expires_at < ${expiredUntil} group by 3, 4, 5
      union all
      select ${day}::date, 'declarations', coalesce(c.department, ''), coalesce(c.profession, ''), d.onset_kind, count(*)
      from declarations d join declaration_codes c on c.id = d.code_id where ${inDay('d.declared_at')} group by 3, 4, 5
    ), columns as (
      -- The columns of the table by department, as one small metric ('table').
      select day, department, profession, case metric when 'codes.issued' then 'codesIssued' when 'codes.used' then 'codesUsed' when 'late' then 'lateActs' else metric end as dimension, n
      from figures where metric <> 'codes.expired'
      union all
      select day, department, profession, 'positives', n from figures where metric = 'tests' and dimension like '%/detected'
    )
    insert into stats_daily (day, recorded_day, metric, department, profession, dimension, count)
    select day, ${day}::date, metric,
      case when grouping(department) = 1 then '*' else department end,
      case when grouping(profession) = 1 then '*' else profession end,
      dimension, sum(n)::int
    from figures
    group by day, metric, dimension, cube (department, profession)
    union all
    select day, ${day}::date, 'table', department, case when grouping(profession) = 1 then '*' else profession end, dimension, sum(n)::int
    from columns
    group by day, department, dimension, rollup (profession)
    union all
    -- Open data: tests by department and age class, all professions.
    select ${parisDay('sampled_at')}, ${day}::date, 'tests.age', coalesce(department, ''), '*', ${ageClass} || '/' || result, count(*)::int
    from test_results where ${inDay('recorded_at')} group by 1, 4, 6
    union all
    -- ROBERT knows no place and no profession: its counters are national.
    select day, ${day}::date, 'robert.' || name, '*', '*', '', value::int from robert_counters
    where day = ${day}::date and value > 0 and name in ('reports_received', 'alerted', 'notified')
  `.execute(db);
  return Number(numAffectedRows ?? 0n);
}

/** The first recording day with anything to count, or undefined on an empty database. */
export async function earliestRecordedDay(db: Executor): Promise<Date | undefined> {
  const { rows } = await sql<{ first: Date | null }>`
    select least(
      (select min(recorded_at) from test_results),
      (select min(recorded_at) from vaccinations),
      (select min(issued_at) from declaration_codes),
      (select (min(day)::timestamp at time zone 'Europe/Paris') from robert_counters)
    ) as first
  `.execute(db);
  return rows[0]?.first ?? undefined;
}

export async function readState(db: Executor): Promise<{ day: string; at: Date } | undefined> {
  return db.selectFrom('stats_state').select(['day', 'at']).where('name', '=', 'closed_through').executeTakeFirst();
}

/** `day`: the last recording day rebuilt for good; `at`: when the job last ran. */
export async function writeState(db: Executor, day: string, at: Date): Promise<void> {
  await db
    .insertInto('stats_state')
    .values({ name: 'closed_through', day, at })
    .onConflict((oc) => oc.column('name').doUpdateSet({ day: sql<string>`greatest(stats_state.day, excluded.day)`, at }))
    .execute();
}

/** Only one process rebuilds at a time; the others skip their turn (PostgreSQL; PGlite has one connection). */
export async function tryRefreshLock(trx: Transaction<Database>): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext('prostopcovid.stats_refresh')) as locked`.execute(trx);
  return rows[0]?.locked === true;
}

export interface FigureFilter {
  metrics: readonly string[];
  fromDay: string;
  toDay: string;
  /** null: every department (the precomputed sum). */
  departments: readonly string[] | null;
  /** null: every profession (the precomputed sum). */
  profession: string | null;
}

const scoped = (f: FigureFilter) => sql`profession = ${f.profession ?? '*'} and metric in (${sql.join(f.metrics)}) and day >= ${f.fromDay} and day <= ${f.toDay}`;

/** The figures of `metrics` by day and dimension, summed over the departments asked (or all). */
export async function readDailyFigures(db: Executor, f: FigureFilter): Promise<Array<{ metric: string; day: string; dimension: string; count: number }>> {
  const departments = f.departments === null ? sql`department = '*'` : sql`department in (${sql.join(f.departments.length > 0 ? f.departments : ['-'])})`;
  const { rows } = await sql<{ metric: string; day: string; dimension: string; count: string }>`
    select metric, day::text as day, dimension, sum(count) as count from stats_daily
    where ${scoped(f)} and ${departments}
    group by metric, day, dimension
  `.execute(db);
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
}

/** Per department over the whole period: the columns of the table by department. */
export async function readDepartmentTotals(db: Executor, f: Omit<FigureFilter, 'metrics'>) {
  const departments = f.departments === null ? sql`department <> '*'` : sql`department in (${sql.join(f.departments.length > 0 ? f.departments : ['-'])})`;
  const { rows } = await sql<{ department: string; dimension: string; count: string }>`
    select department, dimension, sum(count) as count from stats_daily
    where ${scoped({ ...f, metrics: ['table'] })} and ${departments}
    group by department, dimension
  `.execute(db);
  const totals = new Map<string, Record<DepartmentColumn, number>>();
  for (const row of rows) {
    let line = totals.get(row.department);
    if (!line) totals.set(row.department, (line = { tests: 0, positives: 0, vaccinations: 0, codesIssued: 0, codesUsed: 0, declarations: 0, lateActs: 0 }));
    if (row.dimension in line) line[row.dimension as DepartmentColumn] += Number(row.count);
  }
  return totals;
}

export const DEPARTMENT_COLUMNS = ['tests', 'positives', 'vaccinations', 'codesIssued', 'codesUsed', 'declarations', 'lateActs'] as const;
export type DepartmentColumn = (typeof DEPARTMENT_COLUMNS)[number];

/** Open data: tests by department, day and `class/result`, every department (not the sum). */
export async function readTestsByAge(db: Executor, fromDay: string, toDay: string) {
  const { rows } = await sql<{ department: string; day: string; dimension: string; count: string }>`
    select department, day::text as day, dimension, sum(count) as count from stats_daily
    where profession = '*' and metric = 'tests.age' and day >= ${fromDay} and day <= ${toDay} and recorded_day <= ${toDay} and department not in ('*', '')
    group by department, day, dimension
  `.execute(db);
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
}

export async function readIncidents(db: Executor, from: Date, to: Date) {
  return db
    .selectFrom('incidents')
    .select(['id', 'component', 'started_at', 'ended_at', 'source'])
    .where('started_at', '<', to)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', from)]))
    .orderBy('started_at')
    .execute();
}
