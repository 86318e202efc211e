/**
 * `npm run bench:stats` (first part): the statistics page's queries over 10 million test
 * results on PostgreSQL.
 *
 * 1. A throw-away database; the server (`src/main.ts`, one process, its periodic rebuild off)
 *    migrates it, pinned to core 0; this process (the load generator) on core 1; PostgreSQL
 *    not pinned.
 * 2. Seeding, straight in SQL (generate_series, in time order as real rows arrive):
 *    STATS_BENCH_RESULTS test results (10,000,000) over STATS_BENCH_DAYS days (90) ending
 *    today, spread over the 101 departments, types and professions, ~12 % positive, 1 % entered
 *    late; plus vaccinations and declaration codes (a tenth and a thirtieth as many). Then ANALYZE.
 * 3. The rollup: refreshStatistics from nothing (every day, as a first start on an existing
 *    database would), then one more run (today only, the job's recurring cost each minute).
 * 4. GET /api/statistics as the page asks it, for a national and a regional operator signed in
 *    through the PSC sandbox: STATS_BENCH_REQUESTS (200) requests per kind, 2 at a time, then
 *    the same while this process rebuilds today's figures in a loop. p50 / p95 / p99 per kind.
 *    Target: p95 < 200 ms.
 *
 * Settings (env): STATS_BENCH_RESULTS, STATS_BENCH_DAYS, STATS_BENCH_REQUESTS,
 * BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), BENCH_TIMEOUT_SECONDS.
 * Everything runs on 127.0.0.1. Exit code 0 when every kind's p95 is under 200 ms and no answer
 * was other than 200; 1 otherwise.
 */
import os from 'node:os';
import type { SandboxProfessional } from '@prostopcovid/psc-sandbox';
import { openDatabase, type DatabaseHandle } from '../src/db/database.js';
import { readDailyFigures, readDepartmentTotals } from '../src/modules/statistics/statistics.repository.js';
import { refreshStatistics } from '../src/modules/statistics/statistics.service.js';
import { addDays, parisDate, parisDayStart } from '../src/platform/dates.js';
import { departments } from '../src/platform/territories.js';
import { startChild } from '../src/testing/processes.js';
import { cleanup, createThrowAwayDatabase, fmt, intSetting, onCleanup, percentile, pin, runBounded, serverEnv, signIn, startBenchSandbox, tempDir, type Session } from './shared.js';
import { sql } from 'kysely';

const RESULTS = intSetting('STATS_BENCH_RESULTS', 10_000_000, 1000, 100_000_000);
const DAYS = intSetting('STATS_BENCH_DAYS', 90, 2, 366);
const REQUESTS = intSetting('STATS_BENCH_REQUESTS', 200, 10, 100_000);
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TIMEOUT_SECONDS = intSetting('BENCH_TIMEOUT_SECONDS', 600 + Math.ceil(RESULTS / 10_000) + REQUESTS, 60, 48 * 3600);
const CHUNK = 1_000_000;
const CONCURRENCY = 2;
const TARGET_P95_MS = 200;

const NATIONAL = '899820000001';
const REGIONAL = '899820000002';

function log(message: string): void {
  console.error(`[bench:stats ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function operator(idNatPs: string, label: string): SandboxProfessional {
  return {
    idNatPs,
    givenName: 'Bench',
    familyName: `BENCH-${label.toUpperCase()}`,
    label: `Opérateur ${label} (benchmark)`,
    exercices: [{ codeProfession: '10', codeCategorieProfessionnelle: 'C', activities: [{ raisonSocialeSite: 'Agence', identifiantTechniqueDeLaStructure: `R${idNatPs}`, codePostalCoordStructure: '75007' }] }],
  };
}

/** Seeds `count` rows with one statement per million, in time order over [start, end). */
async function seed(database: DatabaseHandle, start: Date, end: Date): Promise<void> {
  const codes = departments.map((d) => d.code);
  const span = (end.getTime() - start.getTime()) / 1000;
  for (let done = 0; done < RESULTS; done += CHUNK) {
    const count = Math.min(CHUNK, RESULTS - done);
    await sql`
      insert into test_results (test_type, family_name, given_name, birth_date, sex, sampled_at, result, place, recorded_at, captured_at, department, profession)
      select kind, 'SYNTHETIQUE', 'PATIENT', date '1930-01-01' + ((i * 7919) % 33000)::int, case when i % 2 = 0 then 'F' else 'M' end,
        at, case when (i * 37) % 100 < 12 then 'detected' else 'not-detected' end, 'Banc', at + late, case when late > interval '1 hour' then at end,
        (${codes}::text[])[1 + (i * 13) % ${codes.length}], case when kind = 'rt-pcr' then null else (array['21', '21', '10', '60', '70'])[1 + (i * 7) % 5] end
      from generate_series(${done + 1}::bigint, ${done + count}::bigint) i,
        lateral (select ${start}::timestamptz + make_interval(secs => (i::float8 / ${RESULTS}) * ${span}) as at,
          (array['antigen', 'antigen', 'antigen', 'rt-pcr', 'supervised-self-test'])[1 + (i % 5)] as kind,
          case when i % 100 = 0 then interval '5 hours' else interval '4 minutes' end as late) x
    `.execute(database.db);
    log(`test results: ${(done + count).toLocaleString('en-US')} / ${RESULTS.toLocaleString('en-US')}`);
  }
  const vaccinations = Math.ceil(RESULTS / 10);
  await sql`
    insert into vaccinations (family_name, given_name, birth_date, sex, product, manufacturer, prophylaxis, dose_number, series_total, vaccinated_on, lot_number, place, professional_id, recorded_at, department, profession)
    select 'SYNTHETIQUE', 'PATIENT', date '1930-01-01' + ((i * 7919) % 33000)::int, 'F', (array['EU/1/20/1528', 'EU/1/20/1507'])[1 + i % 2], 'ORG-100030215', 'J07BX03',
      1 + (i % 3), 3, (at at time zone 'Europe/Paris')::date, 'LOT1', 'Centre', (select id from professionals limit 1), at,
      (${codes}::text[])[1 + (i * 13) % ${codes.length}], '21'
    from generate_series(1::bigint, ${vaccinations}::bigint) i, lateral (select ${start}::timestamptz + make_interval(secs => (i::float8 / ${vaccinations}) * ${span}) as at) x
  `.execute(database.db);
  const codeCount = Math.ceil(RESULTS / 30);
  await sql`
    insert into declaration_codes (code_hash, key_id, kind, case_kind, issued_at, expires_at, consumed_at, department, profession)
    select md5(i::text || 'bench'), 'bench', case when i % 3 = 0 then 'long' else 'short' end, 'probable', at, at + interval '1 hour',
      case when i % 4 <> 0 then at + interval '10 minutes' end, (${codes}::text[])[1 + (i * 13) % ${codes.length}], '10'
    from generate_series(1::bigint, ${codeCount}::bigint) i, lateral (select ${start}::timestamptz + make_interval(secs => (i::float8 / ${codeCount}) * ${span}) as at) x
  `.execute(database.db);
  log(`vaccinations ${vaccinations.toLocaleString('en-US')}, declaration codes ${codeCount.toLocaleString('en-US')}`);
  // As autovacuum would have done on a live database: statistics, visibility map, BRIN summaries.
  await sql`vacuum analyze`.execute(database.db);
}

interface Timing {
  label: string;
  p50?: number;
  p95?: number;
  p99?: number;
  others: number;
}

async function measure(baseUrl: string, label: string, session: Session, query: string): Promise<Timing> {
  const latencies: number[] = [];
  let others = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const started = performance.now();
        const response = await fetch(`${baseUrl}/api/statistics?${query}`, { headers: { cookie: session.cookie }, signal: AbortSignal.timeout(30_000) });
        await response.arrayBuffer();
        if (response.status === 200) latencies.push(performance.now() - started);
        else others++;
      }
    }),
  );
  return { label, p50: percentile([...latencies], 50), p95: percentile([...latencies], 95), p99: percentile([...latencies], 99), others };
}

async function main(): Promise<number> {
  const loadAtStart = os.loadavg();
  const database = await createThrowAwayDatabase(DATABASE_URL, 'bench_stats', onCleanup, log);
  if ('skipped' in database) {
    console.log(`bench:stats needs PostgreSQL: ${database.skipped}`);
    return 1;
  }
  const { port, baseUrl, gps, client, sandbox } = await startBenchSandbox(0);
  gps.push(operator(NATIONAL, 'DGS'), operator(REGIONAL, 'ARS'));
  const server = await startChild({
    name: 'server',
    script: 'packages/server/src/main.ts',
    env: serverEnv(
      { port, issuer: sandbox.issuer, client },
      {
        DATABASE_URL: database.url,
        KEYS_DIR: tempDir('bench-stats-keys-'),
        DATA_DIR: tempDir('bench-stats-data-'),
        OPERATOR_ID_NAT_PS: `${NATIONAL},${REGIONAL}:75`,
        STATS_REFRESH_SECONDS: '0',
        MESSAGES_MAILER: 'off',
        ROBERT_WORKERS: '0',
        PRO_REQUESTS_PER_MINUTE: '10000000',
      },
    ),
    readyMarker: 'ProStopCovid est prêt',
  });
  onCleanup(() => server.stop());
  const pinned = pin(server.pid, 0) && pin(process.pid, 1);
  log(pinned ? 'server pinned to core 0; this process to core 1; PostgreSQL not pinned' : 'not pinned (one core or no taskset)');
  const national = await signIn(baseUrl, NATIONAL);
  const regional = await signIn(baseUrl, REGIONAL);

  const now = new Date();
  const today = parisDate(now);
  const firstDay = addDays(today, -(DAYS - 1));
  const database2 = await openDatabase({ url: database.url, poolSize: 2 });
  onCleanup(() => database2.close());
  const seedStarted = performance.now();
  await seed(database2, parisDayStart(firstDay), now);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`seeded in ${fmt(seedSeconds, 0)} s`);

  const backfillStarted = performance.now();
  const rebuilt = await refreshStatistics(database2.db, new Date());
  const backfillSeconds = (performance.now() - backfillStarted) / 1000;
  const todayStarted = performance.now();
  await refreshStatistics(database2.db, new Date());
  const todaySeconds = (performance.now() - todayStarted) / 1000;
  const { rows } = await sql<{ n: string; bytes: string }>`select count(*) as n, pg_total_relation_size('stats_daily') as bytes from stats_daily`.execute(database2.db);
  log(`rollup: ${rebuilt.length} days in ${fmt(backfillSeconds, 1)} s; today again in ${fmt(todaySeconds, 2)} s; ${Number(rows[0]!.n).toLocaleString('en-US')} rows`);

  const kinds: Array<[string, Session, string]> = [
    ['national, last 28 days (the page as it opens)', national, ''],
    [`national, ${DAYS} days`, national, `from=${firstDay}&to=${today}`],
    ['national, 28 days, one department', national, 'departments=33'],
    ['national, 28 days, pharmacists', national, 'profession=21'],
    ['regional (Nouvelle-Aquitaine), 28 days', regional, ''],
    [`regional, ${DAYS} days, two departments`, regional, `from=${firstDay}&to=${today}&departments=33,40`],
  ];
  for (const [, session, query] of kinds.slice(0, 2)) await measure(baseUrl, 'warm-up', session, query);
  const quiet: Timing[] = [];
  for (const [label, session, query] of kinds) quiet.push(await measure(baseUrl, label, session, query));

  // The SQL alone, from this process: what the database costs of each request.
  const sqlTimings: string[] = [];
  for (const [label, from] of [['national, 28 days', addDays(today, -27)], [`national, ${DAYS} days`, firstDay]] as const) {
    const filter = { fromDay: from, toDay: today, departments: null, profession: null };
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await readDailyFigures(database2.db, { ...filter, metrics: ['tests', 'vaccinations', 'late', 'codes.issued', 'codes.used', 'codes.expired', 'declarations'] });
      const daily = performance.now();
      await readDepartmentTotals(database2.db, filter);
      times.push(daily - started, performance.now() - daily);
    }
    const dailyTimes = times.filter((_, i) => i % 2 === 0);
    const departmentTimes = times.filter((_, i) => i % 2 === 1);
    sqlTimings.push(`| ${label} | ${fmt(percentile(dailyTimes, 50), 1)} | ${fmt(percentile(departmentTimes, 50), 1)} |`);
  }

  // The same while the rollup of today is rebuilt over and over (the job's work, back to back).
  let rebuilding = true;
  let rebuilds = 0;
  const rebuilder = (async () => {
    while (rebuilding) {
      await refreshStatistics(database2.db, new Date());
      rebuilds++;
    }
  })();
  const busy: Timing[] = [];
  for (const [label, session, query] of kinds) busy.push(await measure(baseUrl, label, session, query));
  rebuilding = false;
  await rebuilder;

  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const table = (timings: Timing[]) => [
    '| query | p50 ms | p95 ms | p99 ms | other answers |',
    '|---|--:|--:|--:|--:|',
    ...timings.map((t) => `| ${t.label} | ${fmt(t.p50, 1)} | ${fmt(t.p95, 1)} | ${fmt(t.p99, 1)} | ${t.others} |`),
  ];
  const failed = [...quiet, ...busy].filter((t) => t.others > 0 || t.p95 === undefined || t.p95 >= TARGET_P95_MS);
  console.log(
    [
      '',
      `Machine: ${cpu}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, PostgreSQL on ${new URL(DATABASE_URL).host}`,
      `Load average at start: ${loadAtStart.map((l) => fmt(l, 2)).join(' / ')}; at end: ${os.loadavg().map((l) => fmt(l, 2)).join(' / ')}`,
      `Data: ${RESULTS.toLocaleString('en-US')} test results over ${DAYS} days (${firstDay} to ${today}), ${Math.ceil(RESULTS / 10).toLocaleString('en-US')} vaccinations, ${Math.ceil(RESULTS / 30).toLocaleString('en-US')} codes; seeded in ${fmt(seedSeconds, 0)} s`,
      `Rollup: first build ${fmt(backfillSeconds, 1)} s for ${rebuilt.length} days; a run on today (the job each minute) ${fmt(todaySeconds, 2)} s; stats_daily ${Number(rows[0]!.n).toLocaleString('en-US')} rows, ${fmt(Number(rows[0]!.bytes) / 2 ** 20, 1)} MiB`,
      `Requests: ${REQUESTS} per query, ${CONCURRENCY} at a time, server on core 0, this process on core 1`,
      '',
      'Quiet:',
      ...table(quiet),
      '',
      'The SQL alone (median of 20, from this process): by day, and the table by department',
      '| query | by day ms | by department ms |',
      '|---|--:|--:|',
      ...sqlTimings,
      '',
      `While today's figures are rebuilt back to back (${rebuilds} rebuilds during the run):`,
      ...table(busy),
      '',
      failed.length === 0 ? `Target met: every p95 under ${TARGET_P95_MS} ms.` : `Target missed (p95 ≥ ${TARGET_P95_MS} ms or errors): ${failed.map((t) => t.label).join('; ')}`,
    ].join('\n'),
  );
  return failed.length === 0 ? 0 : 1;
}

await runBounded('bench:stats', TIMEOUT_SECONDS, main, cleanup);
