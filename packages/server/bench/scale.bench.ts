/**
 * `npm run bench:scale`: the server's throughput with 1, 2 and 4 server processes (WORKERS=N,
 * node:cluster, one port) on PostgreSQL, and each figure's ratio to 1 process.
 *
 * For each N (BENCH_PROCESSES): a fresh throw-away database, `src/main.ts` with WORKERS=N,
 * BENCH_PROFESSIONALS GPs signed in through the PSC sandbox (run in this process), then two
 * closed-loop workloads (autocannon, BENCH_CONNECTIONS connections, BENCH_WARMUP_SECONDS of
 * warm-up, then BENCH_SECONDS measured):
 *   - code issuing, POST /api/codes: a write, bound by PostgreSQL as much as by the server;
 *   - GET /api/robert/v1/clock: a public read through the whole request pipeline that needs no
 *     database (the PostgreSQL transactions column shows it).
 * Admission control is off (ADMISSION_* = 0) and the per-professional limits are raised: this
 * measures capacity, not shedding or bots.
 *
 * Cores: this load generator is pinned to the last core it may use (`taskset`, when there are
 * at least 2); the N server processes and PostgreSQL are not pinned and share every core with
 * each other, with the generator, and with whatever else runs on the machine. During each run
 * the CPU used by the generator, by the server processes, by this database's PostgreSQL
 * backends and by the whole machine is read from /proc (Linux), so the table shows what was
 * saturated. On a 2-core machine little gain is to be expected; the figures are meant for a
 * bigger one (e.g. BENCH_PROCESSES=1,2,4,8 with BENCH_CONNECTIONS=64). The generator is one
 * Node process: when its own CPU nears 1 core, the read figure is its limit, not the server's.
 * Each server process opens up to 10 PostgreSQL connections: N × 10 must fit max_connections.
 *
 * Settings (env):
 *   BENCH_PROCESSES        server processes to measure, in order (1,2,4)
 *   BENCH_CONNECTIONS      closed-loop connections (32)
 *   BENCH_SECONDS          measured seconds per workload (10)
 *   BENCH_WARMUP_SECONDS   unmeasured warm-up per workload (2)
 *   BENCH_PROFESSIONALS    GPs signed in, one session each, spread over the connections (20)
 *   BENCH_DATABASE_URL     PostgreSQL server to create the throw-away databases on (postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_TIMEOUT_SECONDS  hard limit for the whole run (derived from the durations)
 *
 * Everything runs on 127.0.0.1. Exit code 0 whatever the figures; non-zero on errors.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as pause } from 'node:timers/promises';
import type { SandboxProfessional } from '@prostopcovid/psc-sandbox';
import type { Options, Result } from 'autocannon';
import pg from 'pg';
import { startChild, type ChildServer } from '../src/testing/processes.js';
import { cleanup, cpuSeconds, machineBusySeconds, readPostgresUse, createThrowAwayDatabase, fmt, intSetting, onCleanup, pin, runBounded, runCannon, serverEnv, signIn, statusSummary, tempDir, type Session, startBenchSandbox } from './shared.js';

// ---------------------------------------------------------------------------------------------
// Settings

const PROCESSES = (process.env.BENCH_PROCESSES || '1,2,4').split(',').map((s) => Number(s.trim()));
const CONNECTIONS = intSetting('BENCH_CONNECTIONS', 32, 1, 1000);
const SECONDS = intSetting('BENCH_SECONDS', 10, 1, 600);
const WARMUP_SECONDS = intSetting('BENCH_WARMUP_SECONDS', 2, 0, 60);
const PROFESSIONALS = intSetting('BENCH_PROFESSIONALS', 20, 1, 1000);
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TIMEOUT_SECONDS = intSetting('BENCH_TIMEOUT_SECONDS', 120 + PROCESSES.length * (150 + 2 * (SECONDS + WARMUP_SECONDS + 5)), 60, 24 * 3600);

if (PROCESSES.length === 0 || PROCESSES.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new Error('BENCH_PROCESSES: server process counts between 1 and 64, e.g. 1,2,4,8');

const SERVER_SCRIPT = 'packages/server/src/main.ts';
/** Per server process (pg.Pool's max in src/db/database.ts), to check against max_connections. */
const POOL_SIZE = 10;

function log(message: string): void {
  console.error(`[bench:scale ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Cores: which ones this process may use, and CPU time per role from /proc (Linux only)

/** The cores this process may run on (its affinity list), or undefined without taskset. */
function affinityList(): string | undefined {
  try {
    const out = execFileSync('taskset', ['-p', '-c', String(process.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split(':').pop()?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The last core of a taskset list such as `0-3,6,8-9`. */
function lastCore(list: string): number {
  const last = list.split(',').pop()!;
  return Number(last.split('-').pop());
}

/** Gives this process (all its threads) `list` back: children started afterwards inherit it. */
function setOwnAffinity(list: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', list, String(process.pid)], { stdio: 'ignore' });
}

/** The supervisor and its children (the server processes), found through /proc. */
function serverPids(supervisor: number): number[] {
  const pids = [supervisor];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === supervisor) pids.push(Number(entry));
      } catch {
        // Gone meanwhile.
      }
    }
  } catch {
    // No /proc.
  }
  return pids;
}

interface CpuReading {
  at: number;
  generator: number;
  servers: Map<number, number | undefined>;
  postgres: Map<number, number | undefined>;
  machine: number;
  transactions: number;
}

/** CPU used per role, in cores (CPU seconds per second), and database transactions per second. */
interface CpuUse {
  generator?: number;
  servers?: number;
  postgres?: number;
  machine?: number;
  transactionsPerSecond?: number;
}

// ---------------------------------------------------------------------------------------------
// One N

interface Row {
  processes: number;
  workload: string;
  rate: number;
  p50: number;
  p99: number;
  others: string;
  cpu: CpuUse;
  load: number;
}

const WORKLOADS = [
  { name: 'codes', label: 'POST /api/codes (write)', ok: 201 },
  { name: 'clock', label: 'GET /api/robert/v1/clock (no DB)', ok: 200 },
] as const;

async function measureProcesses(
  n: number,
  context: { port: number; issuer: string; client: { client_id: string; client_secret: string }; gps: SandboxProfessional[]; keysDir: string; dataDir: string; affinity?: string },
): Promise<{ rows: Row[]; pinnedCore?: number; serverErrors: string[] }> {
  const baseUrl = `http://127.0.0.1:${context.port}`;
  let dropDatabase: (() => Promise<void>) | undefined;
  const database = await createThrowAwayDatabase(
    DATABASE_URL,
    'bench_scale',
    (step) => {
      let done = false;
      dropDatabase = async () => {
        if (done) return;
        done = true;
        await step();
      };
      onCleanup(dropDatabase);
    },
    log,
  );
  if ('skipped' in database) throw new Error(`bench:scale needs PostgreSQL: ${database.skipped}`);
  const databaseName = new URL(database.url).pathname.slice(1);

  // The server gets every core this process was given: children inherit the affinity at spawn.
  if (context.affinity) setOwnAffinity(context.affinity);
  log(`${n} server process${n > 1 ? 'es' : ''}: starting`);
  const env = {
    DATABASE_URL: database.url,
    WORKERS: String(n),
    KEYS_DIR: context.keysDir,
    DATA_DIR: context.dataDir,
    CODE_ISSUE_LIMIT_PER_HOUR: '1000000',
    PRO_REQUESTS_PER_MINUTE: '10000000',
    ROBERT_WORKERS: '0',
    ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '0',
    ADMISSION_MAX_IN_FLIGHT: '0',
    ADMISSION_MAX_QUEUE_MS: '0',
  };
  let server: ChildServer | undefined;
  const observer = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 3000, query_timeout: 10_000 });
  try {
    server = await startChild({
      name: `server (WORKERS=${n})`,
      script: SERVER_SCRIPT,
      env: serverEnv({ port: context.port, issuer: context.issuer, client: context.client }, env),
      readyMarker: 'ProStopCovid est prêt',
      startTimeoutMs: 60_000 + n * 20_000,
    });
    const pinnedCore = context.affinity ? lastCore(context.affinity) : undefined;
    const pinned = pinnedCore !== undefined && pin(process.pid, pinnedCore);
    const supervisor = server.pid;
    const processes = serverPids(supervisor);
    log(`${n} server process${n > 1 ? 'es' : ''} listening (pids ${processes.slice(1).join(', ') || supervisor}); load generator ${pinned ? `pinned to core ${pinnedCore}` : 'not pinned'}`);

    await observer.connect();
    const read = async (): Promise<CpuReading> => {
      const database = await readPostgresUse(observer, databaseName);
      const usage = process.cpuUsage();
      return {
        at: performance.now(),
        generator: (usage.user + usage.system) / 1e6,
        servers: new Map(serverPids(supervisor).map((pid) => [pid, cpuSeconds(pid)])),
        machine: machineBusySeconds(),
        ...database,
      };
    };
    const sumDelta = (before: Map<number, number | undefined>, after: Map<number, number | undefined>): number | undefined => {
      // A process gone before the end (a closed pool connection) is left out; no /proc: no figure.
      let total: number | undefined;
      for (const [pid, seconds] of after) {
        if (seconds !== undefined) total = (total ?? 0) + seconds - (before.get(pid) ?? 0);
      }
      return total;
    };
    const use = (before: CpuReading, after: CpuReading): CpuUse => {
      const wall = (after.at - before.at) / 1000;
      const per = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds / wall);
      return {
        generator: per(after.generator - before.generator),
        servers: per(sumDelta(before.servers, after.servers)),
        postgres: per(sumDelta(before.postgres, after.postgres)),
        machine: per(after.machine - before.machine),
        transactionsPerSecond: per(after.transactions - before.transactions),
      };
    };

    const sessions: Session[] = [];
    for (const gp of context.gps) sessions.push(await signIn(baseUrl, gp.idNatPs));
    log(`${sessions.length} GPs signed in`);

    const rows: Row[] = [];
    for (const workload of WORKLOADS) {
      let clients = 0;
      const options = (duration: number): Options =>
        workload.name === 'codes'
          ? {
              url: `${baseUrl}/api/codes`,
              method: 'POST',
              connections: CONNECTIONS,
              duration,
              body: '{"caseKind":"probable"}',
              setupClient: (c) => {
                const session = sessions[clients++ % sessions.length]!;
                c.setHeaders({ 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrfToken });
              },
            }
          : { url: `${baseUrl}/api/robert/v1/clock`, method: 'GET', connections: CONNECTIONS, duration };
      if (WARMUP_SECONDS > 0) await runCannon(options(WARMUP_SECONDS));
      await pause(500);
      const load = os.loadavg()[0]!;
      const before = await read();
      const result: Result = await runCannon(options(SECONDS));
      const after = await read();
      const ok = result.statusCodeStats?.[`${workload.ok}`]?.count ?? 0;
      const others = [statusSummary(result, String(workload.ok)), result.errors ? `errors×${result.errors}` : '', result.timeouts ? `timeouts×${result.timeouts}` : ''].filter(Boolean).join(', ');
      const row: Row = { processes: n, workload: workload.label, rate: ok / result.duration, p50: result.latency.p50, p99: result.latency.p99, others, cpu: use(before, after), load };
      rows.push(row);
      log(`${n} × ${workload.name}: ${fmt(row.rate, 0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms${others ? `, other answers ${others}` : ''}`);
    }
    const serverErrors = server
      .output()
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    return { rows, pinnedCore: pinned ? pinnedCore : undefined, serverErrors };
  } finally {
    await observer.end().catch(() => undefined);
    // The supervisor stops its server processes gracefully; nothing is in flight any more.
    await server?.stop(45_000);
    await dropDatabase?.();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const loadAtStart = os.loadavg();
  const cpus = os.cpus();
  const cores = os.availableParallelism();
  const startAffinity = affinityList();
  // Pinning only makes sense with a core left for the rest.
  const affinity = cores >= 2 ? startAffinity : undefined;

  const admin = new pg.Client({ connectionString: DATABASE_URL.replace('//localhost', '//127.0.0.1'), connectionTimeoutMillis: 3000 });
  let maxConnections: number | undefined;
  try {
    await admin.connect();
    maxConnections = Number((await admin.query<{ max_connections: string }>('show max_connections')).rows[0]?.max_connections);
    await admin.end();
  } catch {
    // createThrowAwayDatabase says why below.
  }
  const most = Math.max(...PROCESSES);
  if (maxConnections !== undefined && most * POOL_SIZE + 5 > maxConnections) log(`warning: ${most} processes × ${POOL_SIZE} connections is close to PostgreSQL's max_connections (${maxConnections})`);
  if (most > cores) log(`note: ${most} server processes on ${cores} cores time-share them`);

  const { port, gps, client, sandbox } = await startBenchSandbox(PROFESSIONALS);
  const context = { port, issuer: sandbox.issuer, client, gps, keysDir: tempDir('bench-scale-keys-'), dataDir: tempDir('bench-scale-data-'), affinity };

  const rows: Row[] = [];
  let pinnedCore: number | undefined;
  const serverErrors: string[] = [];
  for (const n of PROCESSES) {
    const measured = await measureProcesses(n, context);
    rows.push(...measured.rows);
    pinnedCore ??= measured.pinnedCore;
    serverErrors.push(...measured.serverErrors);
  }
  const loadAtEnd = os.loadavg();

  const reference = PROCESSES.includes(1) ? 1 : PROCESSES[0]!;
  const referenceRate = (workload: string) => rows.find((row) => row.processes === reference && row.workload === workload)?.rate;
  const generatorBound = rows.some((row) => (row.cpu.generator ?? 0) >= 0.9);
  const rest = (c: CpuUse) =>
    c.machine === undefined || c.generator === undefined || c.servers === undefined || c.postgres === undefined ? undefined : Math.max(0, c.machine - c.generator - c.servers - c.postgres);
  const loads = (values: number[]) => values.map((value) => fmt(value, 2)).join(' / ');
  const lines = [
    '',
    `Machine: ${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${cores} cores${startAffinity ? ` (this process may use ${startAffinity})` : ''}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, PostgreSQL on ${new URL(DATABASE_URL).host}`,
    `Load average (1 / 5 / 15 min): ${loads(loadAtStart)} at start, ${loads(loadAtEnd)} at end — other work on the machine takes cores from every figure below`,
    pinnedCore !== undefined
      ? `Cores: load generator (this process, autocannon) pinned to core ${pinnedCore}; the server processes and PostgreSQL are not pinned: all of them share the ${cores} cores (the generator's included)`
      : `Cores: nothing pinned (${cores < 2 ? 'one core' : 'no taskset'}): load generator, server processes and PostgreSQL share the ${cores} core${cores > 1 ? 's' : ''}`,
    `Closed loop: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s measured per row; ${PROFESSIONALS} GPs signed in; admission control off; a fresh database for each process count`,
    '',
    `| processes | workload | req/s | p50 ms | p99 ms | ratio to ${reference} process${reference > 1 ? 'es' : ''} | non-2xx / errors | CPU (cores): generator / servers / PostgreSQL / everything else | PostgreSQL xact/s | load avg |`,
    '|--:|---|--:|--:|--:|--:|---|---|--:|--:|',
  ];
  for (const row of rows) {
    const ref = referenceRate(row.workload);
    const c = row.cpu;
    lines.push(
      `| ${row.processes} | ${row.workload} | ${fmt(row.rate, 0)} | ${row.p50} | ${row.p99} | ${ref ? `${fmt(row.rate / ref, 2)}×` : '—'} | ${row.others || '0'} | ${fmt(c.generator, 2)} / ${fmt(c.servers, 2)} / ${fmt(c.postgres, 2)} / ${fmt(rest(c), 2)} | ${fmt(c.transactionsPerSecond, 0)} | ${fmt(row.load, 2)} |`,
    );
  }
  lines.push(
    '',
    'req/s counts the expected answers (201 issued, 200 read) per second. CPU: seconds of CPU per second during the measured run, read from /proc;',
    '"servers" is the supervisor and its server processes, "PostgreSQL" the backends connected to the bench database (not its background writers),',
    '"everything else" the rest of the machine (other work on it included). A sum near the core count means the machine, not the server, set the figure.',
    'PostgreSQL xact/s comes from pg_stat_database, which backends publish up to about 10 s late: a read row carries the tail of the write row before it.',
  );
  if (generatorBound) lines.push('At least one run had the load generator near 1 core: its figure is bounded by the generator (one Node process), not by the server.');
  console.log(lines.join('\n'));
  if (serverErrors.length) console.error(`server logged ${serverErrors.length} errors, the last ones:\n${serverErrors.slice(-3).join('\n').slice(0, 4000)}`);
  return 0;
}

void runBounded('bench:scale', TIMEOUT_SECONDS, main, cleanup);
