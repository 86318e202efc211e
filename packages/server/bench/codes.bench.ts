/**
 * `npm run bench:codes`: throughput and latency of issuing (POST /api/codes) and redeeming
 * (POST /api/app/v1/declarations) declaration codes on the real system, against a bare
 * Fastify + one-insert baseline on the same database, for PGlite and PostgreSQL.
 *
 * Settings (env):
 *   BENCH_CONNECTIONS     concurrent connections (10)
 *   BENCH_SECONDS         measured seconds per scenario (10)
 *   BENCH_WARMUP_SECONDS  unmeasured warm-up per scenario (2)
 *   BENCH_PROFESSIONALS   distinct GPs signed in, one session each, spread over the connections (20)
 *   BENCH_ONE_GP          1: also measure issuing with as many sessions all of the sandbox's GP 899700100001 (1)
 *   BENCH_DATABASES       which databases, in order (pglite,postgres)
 *   BENCH_DATABASE_URL    PostgreSQL server to create a throw-away database on (postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_CPU_PROF        a folder: server children run with --cpu-prof and write their profiles there
 *   BENCH_TIMEOUT_SECONDS hard limit for the whole run (derived from the durations)
 *
 * Everything runs on 127.0.0.1. Exit code 0 whether targets are met or not; non-zero on errors.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { professionals as shippedProfessionals, startPscSandbox, type RunningSandbox, type SandboxProfessional } from '@prostopcovid/psc-sandbox';
import type { Options, Result } from 'autocannon';
import { freePort, startChild, type ChildServer } from '../src/testing/processes.js';
import { setTimeout as pause } from 'node:timers/promises';
import { childEnv, cleanup, serverEnv, createThrowAwayDatabase, fmt, intSetting, onCleanup, pin, runBounded, runCannon, signIn, statusSummary, tempDir, type Session, benchGps } from './shared.js';

// ---------------------------------------------------------------------------------------------
// Settings

const CONNECTIONS = intSetting('BENCH_CONNECTIONS', 10, 1, 1000);
const SECONDS = intSetting('BENCH_SECONDS', 10, 1, 600);
const WARMUP_SECONDS = intSetting('BENCH_WARMUP_SECONDS', 2, 0, 60);
const PROFESSIONALS = intSetting('BENCH_PROFESSIONALS', 20, 1, 1000);
const ONE_GP = intSetting('BENCH_ONE_GP', 1, 0, 1) === 1;
const DATABASES = (process.env.BENCH_DATABASES || 'pglite,postgres').split(',').map((s) => s.trim());
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF || undefined;
const TIMEOUT_SECONDS = intSetting('BENCH_TIMEOUT_SECONDS', 300 + DATABASES.length * 10 * (SECONDS + WARMUP_SECONDS + 5), 30, 24 * 3600);

for (const db of DATABASES) if (db !== 'pglite' && db !== 'postgres') throw new Error(`BENCH_DATABASES: unknown database "${db}"`);

/** Targets (PostgreSQL): throughput relative to the baseline, and p99 latency. */
const TARGET_RATIO = 0.6;
const TARGET_P99_MS = 50;

const SERVER_SCRIPT = 'packages/server/src/main.ts';
const SANDBOX_GP = '899700100001';
const BASELINE_SCRIPT = 'packages/server/bench/baseline-server.ts';

/** Server (or baseline) on core 0, this load generator on core 1: neither takes the other's CPU. PostgreSQL is not pinned. */
let pinned = false;
function pinServer(pid: number): void {
  pinned = pin(pid, 0) && pin(process.pid, 1);
}

function cpuProfArgs(label: string): string[] {
  // One folder per child: Node writes a profile per thread (tsx's loader runs in a worker), named by pid and thread.
  return CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(CPU_PROF_DIR, label)}`] : [];
}

// ---------------------------------------------------------------------------------------------
// autocannon

interface Measured {
  result: Result;
  ok: number;
  rps: number;
  invalid: string[];
}

async function cannon(options: Options, expectStatus: number): Promise<Measured> {
  const result = await runCannon({ connections: CONNECTIONS, ...options });
  const status = `${expectStatus}` as const;
  const ok = result.statusCodeStats?.[status]?.count ?? 0;
  const invalid: string[] = [];
  const others = statusSummary(result, status);
  if (others) invalid.push(`other statuses ${others}`);
  if (result.errors) invalid.push(`${result.errors} errors (${result.timeouts} timeouts)`);
  return { result, ok, rps: ok / result.duration, invalid };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface Row {
  scenario: string;
  database: string;
  m: Measured;
  ratio?: number;
}

function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function runBaseline(database: 'pglite' | 'postgres', dbEnv: Record<string, string>, when: 'before' | 'after'): Promise<Row> {
  const port = await freePort();
  log(`${database}: starting the baseline server`);
  const server = await startChild({
    name: 'baseline server',
    script: BASELINE_SCRIPT,
    env: childEnv({ BASELINE_DB: database, PORT: String(port), ...dbEnv }),
    readyMarker: 'BASELINE_READY',
    nodeArgs: cpuProfArgs(`baseline-${database}`),
  });
  pinServer(server.pid);
  try {
    const options: Options = {
      url: `http://127.0.0.1:${port}/baseline`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ caseKind: 'probable' }),
    };
    if (WARMUP_SECONDS) await cannon({ ...options, duration: WARMUP_SECONDS }, 201);
    log(`${database}: measuring the baseline, ${when} the app (${SECONDS} s)`);
    const m = await cannon({ ...options, duration: SECONDS }, 201);
    return { scenario: `baseline (1 insert), ${when}`, database, m };
  } finally {
    await pause(500);
    await server.stop();
  }
}

async function runSystem(database: 'pglite' | 'postgres', dbEnv: Record<string, string>): Promise<Row[]> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // The PSC sandbox runs here, with the shipped accounts plus synthetic GPs; main.ts runs unchanged
  // and uses it as its external PSC (PSC_ISSUER), exactly as it would use the real Pro Santé Connect.
  const gps = benchGps(PROFESSIONALS);
  const client = { client_id: 'prostopcovid-bench', client_secret: randomBytes(24).toString('base64url') };
  const sandbox: RunningSandbox = await startPscSandbox({
    port: 0,
    host: '127.0.0.1',
    professionals: [...shippedProfessionals, ...gps],
    clients: [{ ...client, redirect_uris: [`${baseUrl}/auth/callback`], post_logout_redirect_uris: [`${baseUrl}/`] }],
  });
  let server: ChildServer | undefined;
  try {
    log(`${database}: starting the system (src/main.ts, PSC sandbox with ${gps.length} extra GPs)`);
    server = await startChild({
      name: 'server',
      script: SERVER_SCRIPT,
      env: serverEnv(
        { port, issuer: sandbox.issuer, client },
        {
          ...dbEnv,
          // Capacity is measured: the server must not shed the load it is given.
          ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '0',
          ADMISSION_MAX_IN_FLIGHT: '0',
          ADMISSION_MAX_QUEUE_MS: '0',
          PRO_REQUESTS_PER_MINUTE: '10000000',
          // The highest values config.ts accepts.
          CODE_ISSUE_LIMIT_PER_HOUR: '1000000',
          REDEEM_LIMIT_PER_DEVICE: '1000000',
          REDEEM_LIMIT_PER_ADDRESS: '1000000',
          TRUST_PROXY: '127.0.0.1',
        },
      ),
      readyMarker: 'ProStopCovid est prêt',
      nodeArgs: cpuProfArgs(`server-${database}`),
    });
    pinServer(server.pid);
    return await runSystemScenarios(database, baseUrl, gps);
  } catch (error) {
    if (server) console.error(`server output:\n${server.output().slice(-5000)}`);
    throw error;
  } finally {
    // Let requests still in flight when autocannon stopped finish before shutting the server down.
    await pause(1000);
    await server?.stop();
    await sandbox.close();
    const errors = (server?.output() ?? '').split('\n').filter((line) => /"level":(50|60)/.test(line));
    if (errors.length) console.error(`server logged ${errors.length} errors, the last ones:\n${errors.slice(-3).join('\n').slice(0, 4000)}`);
  }
}

async function runSystemScenarios(database: 'pglite' | 'postgres', baseUrl: string, gps: SandboxProfessional[]): Promise<Row[]> {
  const sessions: Session[] = [];
  for (const gp of gps) sessions.push(await signIn(baseUrl, gp.idNatPs));
  const oneGpSessions: Session[] = [];
  if (ONE_GP) for (let i = 0; i < gps.length; i++) oneGpSessions.push(await signIn(baseUrl, SANDBOX_GP));
  log(`${database}: ${sessions.length} GPs signed in${ONE_GP ? `, and ${oneGpSessions.length} sessions of ${SANDBOX_GP}` : ''}`);

  // Issuing: each connection keeps one session (round-robin); every issued code is kept for redeeming.
  const codes: string[] = [];
  const issueOptions = (pool: Session[]): Options => {
    let clients = 0;
    return {
      url: `${baseUrl}/api/codes`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ caseKind: 'probable' }),
      setupClient: (client) => {
        const session = pool[clients++ % pool.length]!;
        client.setHeaders({ 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrfToken });
      },
      requests: [
        {
          onResponse: (status, body) => {
            if (status === 201) codes.push((JSON.parse(body) as { code: string }).code);
          },
        },
      ],
    };
  };
  const rows: Row[] = [];
  if (WARMUP_SECONDS) await cannon({ ...issueOptions(sessions), duration: WARMUP_SECONDS }, 201);
  log(`${database}: measuring issuing, ${sessions.length} GPs (${SECONDS} s)`);
  const issuing = await cannon({ ...issueOptions(sessions), duration: SECONDS }, 201);
  rows.push({ scenario: `issuing POST /api/codes (${sessions.length} GPs)`, database, m: issuing });
  if (ONE_GP) {
    await pause(500);
    if (WARMUP_SECONDS) await cannon({ ...issueOptions(oneGpSessions), duration: WARMUP_SECONDS }, 201);
    log(`${database}: measuring issuing, one GP (${SECONDS} s)`);
    const oneGp = await cannon({ ...issueOptions(oneGpSessions), duration: SECONDS }, 201);
    rows.push({ scenario: `  same, all sessions of 1 GP`, database, m: oneGp });
  }

  // Redeeming: every request takes a distinct unused code and a distinct device id.
  let next = 0;
  let exhausted = 0;
  let devices = 0;
  const devicePrefix = `bench-${randomBytes(4).toString('hex')}`;
  const clientAddress = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  const redeemOptions = (): Options => ({
    url: `${baseUrl}/api/app/v1/declarations`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request) => {
          const code = codes[next++];
          if (code === undefined) exhausted++;
          return {
            ...request,
            // Phones reach the service through a load balancer from many addresses: the
            // server trusts 127.0.0.1 as that proxy and reads the client's from the header.
            headers: { ...request.headers, 'x-device-id': `${devicePrefix}-${++devices}`, 'x-forwarded-for': clientAddress(devices) },
            // Once the codes run out a made-up one is sent: its 403 marks the run invalid.
            body: JSON.stringify({ code: code ?? 'ZZZZZZ', onset: { kind: 'unknown' } }),
          };
        },
      },
    ],
  });
  await pause(500);
  let redeemRate = issuing.rps;
  if (WARMUP_SECONDS) {
    const warm = await cannon({ ...redeemOptions(), duration: WARMUP_SECONDS }, 201);
    if (exhausted || warm.invalid.length) throw new Error(`redeeming warm-up failed (${codes.length} codes issued): ${warm.invalid.join('; ')}`);
    redeemRate = warm.rps;
  }
  // Enough codes for the measured run with a wide margin (the warm-up may be slower than steady state).
  const needed = Math.ceil(redeemRate * SECONDS * 2.5) + CONNECTIONS * 4 + 200;
  const missing = needed - (codes.length - next);
  if (missing > 0) {
    log(`${database}: issuing ${missing} more codes for the redeeming run (unmeasured)`);
    const topUp = await cannon({ ...issueOptions(sessions), amount: Math.max(missing, CONNECTIONS) }, 201);
    if (topUp.invalid.length) throw new Error(`issuing the extra codes failed: ${topUp.invalid.join('; ')}`);
    await pause(500);
  }
  log(`${database}: measuring redeeming (${SECONDS} s, ${codes.length - next} unused codes)`);
  const redeeming = await cannon({ ...redeemOptions(), duration: SECONDS }, 201);
  if (exhausted) redeeming.invalid.push(`codes ran out (${exhausted} requests without a code)`);
  rows.push({ scenario: 'redeeming POST /api/app/v1/declarations', database, m: redeeming });
  return rows;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a throw-away database per run

function createBenchDatabase(): Promise<{ url: string } | { skipped: string }> {
  return createThrowAwayDatabase(DATABASE_URL, 'bench', onCleanup, log);
}

// ---------------------------------------------------------------------------------------------
// Report

let loadAtStart = 0;

function printReport(rows: Row[], skipped: Map<string, string>, baselines: Map<string, { before: number; after: number }>): void {
  const cpus = os.cpus();
  const lines: string[] = [];
  lines.push('');
  lines.push(`Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}`);
  lines.push(`Load average (1 min): ${fmt(loadAtStart, 2)} at start, ${fmt(os.loadavg()[0], 2)} at end (the benchmark itself loads the machine; other work on it skews the figures)`);
  lines.push(pinned ? 'Cores: server (and baseline) pinned to core 0, load generator to core 1 (taskset); PostgreSQL not pinned' : 'Cores: not pinned (one core or no taskset)');
  lines.push(`Load: ${CONNECTIONS} connections, ${SECONDS} s measured per scenario after ${WARMUP_SECONDS} s warm-up; issuing spread over ${PROFESSIONALS} GP sessions`);
  lines.push('');
  const header = ['scenario', 'database', 'req/s (mean, 201 only)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'vs baseline*'];
  const table = rows.map((row) => [
    row.scenario,
    row.database,
    fmt(row.m.rps),
    fmt(row.m.result.latency.p50, 0),
    fmt(row.m.result.latency.p99, 0),
    String(row.m.result.non2xx),
    String(row.m.result.errors),
    row.ratio === undefined ? '—' : `${fmt(row.ratio * 100, 0)} %`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const render = (cells: string[]) => '| ' + cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |';
  lines.push(render(header));
  lines.push('|' + widths.map((w, i) => (i >= 2 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|');
  for (const r of table) lines.push(render(r));
  for (const row of rows) if (row.m.invalid.length) lines.push(`INVALID ${row.scenario} on ${row.database}: ${row.m.invalid.join('; ')}`);
  for (const [database, reason] of skipped) lines.push(`${database}: skipped — ${reason}`);
  lines.push('* relative to the mean of the two baseline runs of the same database.');
  for (const [database, b] of baselines) {
    const drift = Math.abs(b.before - b.after) / Math.max(b.before, b.after);
    if (drift > 0.25) lines.push(`WARNING ${database}: the baseline moved ${fmt(drift * 100, 0)} % between before and after: the machine's capacity changed during the run, ratios are uncertain.`);
  }
  lines.push('');

  const verdict = (scenario: string, label: string) => {
    if (skipped.has('postgres') || !DATABASES.includes('postgres')) return `PostgreSQL: ${label} ≥ ${TARGET_RATIO * 100}% of baseline and p99 < ${TARGET_P99_MS} ms: NOT MEASURED`;
    const row = rows.find((r) => r.database === 'postgres' && r.scenario.startsWith(scenario));
    if (!row || row.ratio === undefined) return `PostgreSQL: ${label}: NOT MEASURED`;
    const ratioOk = row.ratio >= TARGET_RATIO;
    const p99Ok = row.m.result.latency.p99 < TARGET_P99_MS;
    const valid = row.m.invalid.length === 0;
    const status = !valid ? 'INVALID RUN' : ratioOk && p99Ok ? 'MET' : 'MISSED';
    return `PostgreSQL: ${label} ≥ ${TARGET_RATIO * 100}% of baseline and p99 < ${TARGET_P99_MS} ms: ${status} (${fmt(row.ratio * 100, 0)} % of baseline ${ratioOk ? '✓' : '✗'}, p99 ${fmt(row.m.result.latency.p99, 1)} ms ${p99Ok ? '✓' : '✗'})`;
  };
  lines.push(verdict('issuing', 'issuing'));
  lines.push(verdict('redeeming', 'redeeming'));
  console.log(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const rows: Row[] = [];
  const skipped = new Map<string, string>();
  const baselines = new Map<string, { before: number; after: number }>();
  loadAtStart = os.loadavg()[0]!;
  for (const database of DATABASES as Array<'pglite' | 'postgres'>) {
    let baselineEnv: Record<string, string>;
    let systemEnv: Record<string, string>;
    if (database === 'pglite') {
      baselineEnv = { DATA_DIR: tempDir('pscv-bench-baseline-') };
      systemEnv = { DATA_DIR: tempDir('pscv-bench-system-') };
    } else {
      const created = await createBenchDatabase();
      if ('skipped' in created) {
        log(`postgres: ${created.skipped} — skipping PostgreSQL`);
        skipped.set('postgres', created.skipped);
        continue;
      }
      baselineEnv = { DATABASE_URL: created.url };
      systemEnv = { DATABASE_URL: created.url, DATA_DIR: tempDir('pscv-bench-unused-') };
    }
    // The baseline is measured before and after the app: the ratio uses their mean, and a large
    // difference between the two says the machine's capacity changed during the run.
    const before = await runBaseline(database, baselineEnv, 'before');
    const system = await runSystem(database, systemEnv);
    const after = await runBaseline(database, baselineEnv, 'after');
    const reference = (before.m.rps + after.m.rps) / 2;
    for (const row of system) row.ratio = reference > 0 ? row.m.rps / reference : undefined;
    rows.push(before, after, ...system);
    baselines.set(database, { before: before.m.rps, after: after.m.rps });
  }
  printReport(rows, skipped, baselines);
  if (CPU_PROF_DIR) console.log(`\nCPU profiles of the server processes: ${CPU_PROF_DIR}`);
}

await runBounded(
  'bench',
  TIMEOUT_SECONDS,
  async () => {
    await main();
    return 0;
  },
  cleanup,
);
