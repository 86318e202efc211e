/**
 * `npm run bench:overload`: the server offered more than it can do, on PostgreSQL, with its
 * admission control as shipped (default ADMISSION_* settings).
 *
 * 1. Capacity: closed loop (autocannon, BENCH_CONNECTIONS connections), code issuing
 *    (POST /api/codes) by BENCH_PROFESSIONALS signed-in GPs: C = codes issued per second.
 * 2. Open loop at 1×, 3× and 10× C (BENCH_LEVELS) for BENCH_SECONDS each: requests are sent on
 *    a fixed schedule whatever the answers (open-loop.ts), so offered load is not hidden as
 *    concurrency. Goodput (201 per second) as a share of C, latency of admitted answers (201)
 *    and of shed ones (503), both from the moment each request was due.
 * 3. Priorities: the same GPs at 1× C, plus an anonymous flood at 10× C; how many of the
 *    GPs' requests pass.
 *
 * The server is pinned to core 0 and this load generator to core 1 (`taskset`); PostgreSQL is
 * not pinned. Per-professional limits are raised: bots are not the subject here.
 *
 * Settings (env):
 *   BENCH_SECONDS          seconds per offered level (20)
 *   BENCH_LEVELS           multiples of capacity offered (1,3,10)
 *   BENCH_CONNECTIONS      closed-loop connections for the capacity run (20)
 *   BENCH_PROFESSIONALS    GPs signed in (20)
 *   BENCH_DATABASE_URL     PostgreSQL server to create a throw-away database on (postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_SERVER_ENV       extra server settings, as NAME=value,NAME=value (e.g. ADMISSION_MAX_QUEUE_MS=0 to compare)
 *   BENCH_TIMEOUT_SECONDS  hard limit for the whole run (derived from the durations)
 *
 * Everything runs on 127.0.0.1. Exit code 0 whether targets are met or not; non-zero on errors.
 */
import os from 'node:os';
import { setTimeout as pause } from 'node:timers/promises';
import { startChild } from '../src/testing/processes.js';
import { runOpenLoop, type OpenLoopRequest, type OpenLoopResult } from './open-loop.js';
import { cleanup, createThrowAwayDatabase, fmt, intSetting, onCleanup, percentile, pin, runBounded, runCannon, serverEnv, signIn, statusSummary, tempDir, type Session, startBenchSandbox } from './shared.js';

const SECONDS = intSetting('BENCH_SECONDS', 20, 1, 120);
const LEVELS = (process.env.BENCH_LEVELS || '1,3,10').split(',').map(Number);
const CONNECTIONS = intSetting('BENCH_CONNECTIONS', 20, 1, 1000);
const PROFESSIONALS = intSetting('BENCH_PROFESSIONALS', 20, 1, 1000);
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TIMEOUT_SECONDS = intSetting('BENCH_TIMEOUT_SECONDS', 240 + (LEVELS.length + 1) * (SECONDS + 15), 60, 3600);
const EXTRA_SERVER_ENV = Object.fromEntries(
  (process.env.BENCH_SERVER_ENV || '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string]),
);
if (LEVELS.some((level) => !(level > 0 && level <= 50))) throw new Error('BENCH_LEVELS: multiples between 0 and 50');

const TARGETS = { goodputAt3: 0.9, goodputAt10: 0.8, admittedP99Ms: 100, shedP99Ms: 5 };

function log(message: string): void {
  console.error(`[bench:overload ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

interface Level {
  label: string;
  offered: number;
  result: OpenLoopResult;
  goodput: number;
  admittedP50?: number;
  admittedP99?: number;
  shedP50?: number;
  shedP99?: number;
  shedP99FromSent?: number;
  statuses: string;
}

function summarise(label: string, result: OpenLoopResult, isGood: (status: number) => boolean = (status) => status === 201): Level {
  const admitted = result.answers.filter((a) => isGood(a.status));
  const shed = result.answers.filter((a) => a.status === 503);
  const counts = new Map<number, number>();
  for (const answer of result.answers) counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
  return {
    label,
    offered: result.offeredRate,
    result,
    goodput: admitted.length / result.seconds,
    admittedP50: percentile(admitted.map((a) => a.fromDueMs), 50),
    admittedP99: percentile(admitted.map((a) => a.fromDueMs), 99),
    shedP50: percentile(shed.map((a) => a.fromDueMs), 50),
    shedP99: percentile(shed.map((a) => a.fromDueMs), 99),
    shedP99FromSent: percentile(shed.map((a) => a.fromSentMs), 99),
    statuses: [...counts].map(([status, count]) => `${status}×${count}`).join(', ') + (result.errors ? `, errors×${result.errors}` : ''),
  };
}

async function main(): Promise<number> {
  const loadAtStart = os.loadavg()[0]!;
  const database = await createThrowAwayDatabase(DATABASE_URL, 'bench_overload', onCleanup, log);
  if ('skipped' in database) {
    console.log(`bench:overload needs PostgreSQL: ${database.skipped}`);
    return 1;
  }
  const { port, baseUrl, gps, client, sandbox } = await startBenchSandbox(PROFESSIONALS);
  const env = {
    DATABASE_URL: database.url,
    KEYS_DIR: tempDir('bench-overload-keys-'),
    DATA_DIR: tempDir('bench-overload-data-'),
    CODE_ISSUE_LIMIT_PER_HOUR: '1000000',
    PRO_REQUESTS_PER_MINUTE: '10000000',
    ROBERT_WORKERS: '0',
    ...EXTRA_SERVER_ENV,
  };
  const server = await startChild({ name: 'server', script: 'packages/server/src/main.ts', env: serverEnv({ port, issuer: sandbox.issuer, client }, env), readyMarker: 'ProStopCovid est prêt' });
  const pinned = pin(server.pid, 0) && pin(process.pid, 1);
  log(pinned ? 'server pinned to core 0, load generator to core 1' : 'not pinned (one core or no taskset)');

  const sessions: Session[] = [];
  for (const gp of gps) sessions.push(await signIn(baseUrl, gp.idNatPs));
  log(`${sessions.length} GPs signed in`);
  const issue = (index: number): OpenLoopRequest => {
    const session = sessions[index % sessions.length]!;
    return { method: 'POST', path: '/api/codes', headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrfToken }, body: '{"caseKind":"probable"}' };
  };

  // Capacity, closed loop.
  let clients = 0;
  const closedLoop = (seconds: number) =>
    runCannon({
      url: `${baseUrl}/api/codes`,
      method: 'POST',
      connections: CONNECTIONS,
      duration: seconds,
      setupClient: (c) => {
        const session = sessions[clients++ % sessions.length]!;
        c.setHeaders({ 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrfToken });
      },
      body: '{"caseKind":"probable"}',
    });
  await closedLoop(3);
  log(`capacity: closed loop, ${CONNECTIONS} connections, 10 s`);
  const capacityRun = await closedLoop(10);
  const capacity = (capacityRun.statusCodeStats?.['201']?.count ?? 0) / capacityRun.duration;
  const capacityOthers = statusSummary(capacityRun, '201');
  log(`capacity ${fmt(capacity, 0)} codes/s (p99 ${capacityRun.latency.p99} ms${capacityOthers ? `; other answers ${capacityOthers}` : ''})`);
  if (capacity < 10) throw new Error('capacity run failed');

  const levels: Level[] = [];
  for (const multiple of LEVELS) {
    await pause(2000);
    const rate = Math.round(capacity * multiple);
    log(`open loop ${multiple}× capacity: ${rate} req/s for ${SECONDS} s`);
    const result = await runOpenLoop({ origin: baseUrl, rate, seconds: SECONDS, next: issue });
    levels.push(summarise(`${multiple}×`, result));
  }

  // Priorities: the GPs at capacity, and anonymous requests (a public route that reads the database) at 10×.
  await pause(2000);
  log(`priorities: GPs at 1× and an anonymous flood at 10× for ${SECONDS} s`);
  const floodRate = Math.round(capacity * 10);
  const [gpsUnderFlood, flood] = await Promise.all([
    runOpenLoop({ origin: baseUrl, rate: Math.round(capacity), seconds: SECONDS, next: issue }),
    runOpenLoop({
      origin: baseUrl,
      rate: floodRate,
      seconds: SECONDS,
      next: (i) => ({ method: 'POST', path: '/api/app/v1/declarations', headers: { 'content-type': 'application/json', 'x-device-id': `flood-device-${i % 5000}` }, body: '{"code":"ABCDEF","onset":{"kind":"unknown"}}' }),
    }),
  ]);
  const priority = { gps: summarise('GPs 1× (normal)', gpsUnderFlood), flood: summarise('anonymous 10× (low)', flood, (status) => status !== 503) };

  const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
  const shedLines = metrics.split('\n').filter((line) => line.startsWith('http_requests_shed_total{'));

  const cpus = os.cpus();
  const lines = [
    '',
    `Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}; load average ${fmt(loadAtStart, 2)} at start, ${fmt(os.loadavg()[0], 2)} at end`,
    pinned ? 'Cores: server on core 0, load generator on core 1 (taskset); PostgreSQL not pinned' : 'Cores: not pinned',
    `Server settings beyond the defaults: ${Object.entries(EXTRA_SERVER_ENV).map(([k, v]) => `${k}=${v}`).join(', ') || 'none (admission control as shipped)'}`,
    `Capacity (closed loop, ${CONNECTIONS} connections, 10 s): ${fmt(capacity, 0)} codes issued/s, p99 ${capacityRun.latency.p99} ms${capacityOthers ? `, other answers ${capacityOthers}` : ''}`,
    '',
    '| offered | req/s offered (sent) | goodput 201/s | goodput / capacity | admitted p50 / p99 ms | shed p50 / p99 ms (p99 from send) | answers | connections opened |',
    '|---|--:|--:|--:|--:|--:|---|--:|',
  ];
  for (const level of [...levels, priority.gps, priority.flood]) {
    lines.push(
      `| ${level.label} | ${fmt(level.offered, 0)} (${fmt(level.result.sentRate, 0)}) | ${fmt(level.goodput, 0)} | ${fmt(level.goodput / capacity, 2)} | ${fmt(level.admittedP50, 1)} / ${fmt(level.admittedP99, 1)} | ${fmt(level.shedP50, 1)} / ${fmt(level.shedP99, 1)} (${fmt(level.shedP99FromSent, 1)}) | ${level.statuses} | ${level.result.connectionsOpened} |`,
    );
  }
  lines.push('', 'The flood row counts every answer but 503 as goodput (unknown code, or the per-address limit: admitted and answered).', '', 'Shed by the server (its /metrics):', ...shedLines.map((line) => `  ${line}`), '');
  const at = (multiple: number) => levels.find((level) => level.label === `${multiple}×`);
  const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED');
  const three = at(3);
  const ten = at(10);
  const admittedP99 = Math.max(...levels.map((level) => level.admittedP99 ?? 0));
  const shedP99 = Math.max(...levels.map((level) => level.shedP99 ?? 0));
  lines.push(
    `Targets: goodput ≥ ${TARGETS.goodputAt3} of capacity at 3×: ${three ? `${fmt(three.goodput / capacity, 2)}, ${verdict(three.goodput / capacity >= TARGETS.goodputAt3)}` : 'not measured'}; ` +
      `≥ ${TARGETS.goodputAt10} at 10×: ${ten ? `${fmt(ten.goodput / capacity, 2)}, ${verdict(ten.goodput / capacity >= TARGETS.goodputAt10)}` : 'not measured'}; ` +
      `admitted p99 < ${TARGETS.admittedP99Ms} ms: ${fmt(admittedP99, 1)} ms, ${verdict(admittedP99 < TARGETS.admittedP99Ms)}; ` +
      `shed p99 < ${TARGETS.shedP99Ms} ms: ${fmt(shedP99, 1)} ms, ${verdict(shedP99 < TARGETS.shedP99Ms)}`,
  );
  console.log(lines.join('\n'));
  const errors = server.output().split('\n').filter((line) => /"level":(50|60)/.test(line));
  if (errors.length) console.error(`server logged ${errors.length} errors, the last ones:\n${errors.slice(-3).join('\n').slice(0, 4000)}`);
  return 0;
}

void runBounded('bench:overload', TIMEOUT_SECONDS, main, cleanup);
