/**
 * Helpers shared by the benchmarks and the outage simulation: bounded settings from the
 * environment, the server's environment, signing professionals in through the real PSC flow
 * (the sandbox), and a throw-away PostgreSQL database on this machine.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { driveLogin, startPscSandbox, type RunningSandbox, type SandboxProfessional } from '@prostopcovid/psc-sandbox';
import autocannon, { type Options, type Result } from 'autocannon';
import pg from 'pg';
import { freePort, stopAllChildren } from '../src/testing/processes.js';

/** A figure for the printed tables: `digits` decimals, thousands separated; '—' when there is none. */
export function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function intSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  return value;
}

// Settings the server reads: never inherited from the caller's shell.
const SERVER_ENV_KEYS = [
  'DATABASE_URL', 'DATA_DIR', 'PSC_ISSUER', 'PSC_CLIENT_ID', 'PSC_CLIENT_SECRET', 'PSC_TIMEOUT_MS', 'PSC_SANDBOX_PORT', 'CODE_HMAC_KEYS',
  'KEYS_DIR', 'WEB_DIR', 'HOST', 'PORT', 'PUBLIC_URL', 'NODE_ENV', 'LOG_LEVEL', 'CODE_TTL_MINUTES', 'CODE_ISSUE_LIMIT_PER_HOUR',
  'REDEEM_LIMIT_PER_DEVICE', 'REDEEM_LIMIT_PER_ADDRESS', 'REDEEM_LIMIT_WINDOW_MINUTES', 'UPLOAD_TOKEN_MINUTES', 'SESSION_IDLE_MINUTES',
  'SESSION_ABSOLUTE_HOURS', 'SESSION_CACHE_SECONDS', 'TRUST_PROXY', 'OPERATOR_ID_NAT_PS', 'PSC_FAILURE_THRESHOLD', 'PSC_PROBE_SECONDS', 'PSC_WATCH_SECONDS',
  'INCIDENT_SESSION_IDLE_HOURS', 'FALLBACK_SIGN_IN', 'PROVISIONAL_TEST_HOURS', 'ADMISSION_MAX_EVENT_LOOP_DELAY_MS', 'ADMISSION_RETRY_AFTER_SECONDS',
  'ROBERT_TIME_START', 'ROBERT_ECDH_KEY_FILE', 'ROBERT_KEY_ENCRYPTION_KEY', 'ROBERT_FEDERATION_KEY', 'ROBERT_REGISTER_LIMIT_PER_ADDRESS', 'ROBERT_CAPTCHA',
  'ROBERT_CAPTCHA_DIFFICULTY', 'ROBERT_INACTIVITY_DAYS', 'ROBERT_WORKERS', 'SMTP_URL', 'MAIL_FROM', 'MAIL_CATCHER_PORT', 'MESSAGES_MAILER',
  'MESSAGES_EMAILS_PER_SECOND', 'MESSAGES_SMTP_CONNECTIONS', 'MESSAGES_REMINDER_HOURS', 'STATS_REFRESH_SECONDS', 'LAB_LONG_CODES_PER_DAY',
  'LAB_RETRIEVAL_KEYS', 'LAB_RETRIEVAL_REPLAY_DAYS',
];

/**
 * The environment of a server child started against a PSC sandbox on 127.0.0.1: the caller's
 * environment without any server setting, the address and PSC client, a throw-away code key,
 * plus `extra`.
 */
export function serverEnv(options: { port: number; issuer: string; client: { client_id: string; client_secret: string } }, extra: Record<string, string>) {
  return childEnv({
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(options.port),
    PUBLIC_URL: `http://127.0.0.1:${options.port}`,
    PSC_ISSUER: options.issuer,
    PSC_CLIENT_ID: options.client.client_id,
    PSC_CLIENT_SECRET: options.client.client_secret,
    // A throw-away key: nothing is written to the repository's .data/keys.
    CODE_HMAC_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    // The local mail catcher's page on a free port: children never contend for 4025.
    MAIL_CATCHER_PORT: '0',
    ...extra,
  });
}

/** The caller's environment without any server setting, plus `extra`. */
export function childEnv(extra: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of SERVER_ENV_KEYS) delete env[key];
  return { ...env, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Sign-in through the sandbox, by hand with fetch

export interface Session {
  idNatPs: string;
  cookie: string;
  csrfToken: string;
}

function setCookieValue(response: Response, name: string): string | undefined {
  for (const header of response.headers.getSetCookie()) {
    const [pair = ''] = header.split(';');
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** The whole PSC flow (app → sandbox → callback), then GET /api/me for the CSRF token. */
export async function signIn(baseUrl: string, idNatPs: string): Promise<Session> {
  const signal = AbortSignal.timeout(15_000);
  const login = await fetch(`${baseUrl}/auth/login`, { redirect: 'manual', signal });
  const authorizationUrl = login.headers.get('location');
  const loginCookie = setCookieValue(login, 'pscv_login');
  await login.body?.cancel();
  if (login.status !== 302 || !authorizationUrl || !loginCookie) throw new Error(`GET /auth/login answered ${login.status}`);
  const callbackUrl = await driveLogin(authorizationUrl, { idNatPs });
  if (!callbackUrl.startsWith(`${baseUrl}/`)) throw new Error(`sign-in ended outside the app: ${callbackUrl}`);
  const callback = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: `pscv_login=${loginCookie}` }, signal });
  const session = setCookieValue(callback, 'pscv_session');
  const callbackBody = await callback.text();
  if (callback.status !== 303 || !session) throw new Error(`callback answered ${callback.status}: ${callbackBody}`);
  const cookie = `pscv_session=${session}`;
  const me = await fetch(`${baseUrl}/api/me`, { headers: { cookie }, signal });
  if (me.status !== 200) throw new Error(`GET /api/me answered ${me.status}`);
  const { csrfToken } = (await me.json()) as { csrfToken: string };
  return { idNatPs, cookie, csrfToken };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a throw-away database per run

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Creates `<prefix>_<random>` on the PostgreSQL server at `adminUrl` (which must be this
 * machine) and registers its drop with `onCleanup`; `skipped` when the server is unreachable.
 */
export async function createThrowAwayDatabase(
  adminUrl: string,
  prefix: string,
  onCleanup: (step: () => Promise<void>) => void,
  log: (message: string) => void,
): Promise<{ url: string } | { skipped: string }> {
  const admin = new URL(adminUrl);
  if (!LOCAL_HOSTS.has(admin.hostname)) throw new Error(`the PostgreSQL URL must point at 127.0.0.1 (got ${admin.hostname})`);
  if (admin.hostname === 'localhost') admin.hostname = '127.0.0.1';
  const client = new pg.Client({ connectionString: admin.href, connectionTimeoutMillis: 3000, query_timeout: 30_000 });
  try {
    await client.connect();
  } catch (error) {
    return { skipped: `PostgreSQL unreachable at ${admin.host} (${(error as Error).message})` };
  }
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  onCleanup(async () => {
    const dropper = new pg.Client({ connectionString: admin.href, connectionTimeoutMillis: 3000, query_timeout: 30_000 });
    await dropper.connect();
    try {
      await dropper.query(`drop database if exists ${name} with (force)`);
      log(`postgres: dropped ${name}`);
    } finally {
      await dropper.end();
    }
  });
  const url = new URL(admin.href);
  url.pathname = `/${name}`;
  log(`postgres: created ${name} on ${admin.host}`);
  return { url: url.href };
}

/**
 * Runs a benchmark or simulation to its end and exits with its code: bounded in time (the
 * watchdog gives up), and cleaned up (child servers stopped) on Ctrl-C, SIGTERM or errors.
 */
export async function runBounded(name: string, timeoutSeconds: number, main: () => Promise<number>, cleanup: () => Promise<void>): Promise<never> {
  const watchdog = setTimeout(() => {
    console.error(`${name}: still running after ${timeoutSeconds} s, giving up`);
    void cleanup().finally(() => process.exit(1));
  }, timeoutSeconds * 1000);
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.error(`${name}: ${signal}, cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  let exitCode = 1;
  try {
    exitCode = await main();
  } catch (error) {
    console.error(`${name} failed:`, error);
  } finally {
    await cleanup();
    clearTimeout(watchdog);
  }
  process.exit(exitCode);
}

// ---------------------------------------------------------------------------------------------
// Cleanup: children, temp dirs and throw-away databases, registered as they are created.

const cleanups: Array<() => Promise<void> | void> = [];

export function onCleanup(step: () => Promise<void> | void): void {
  cleanups.push(step);
}

/** Stops the child servers, then undoes the registered steps, newest first. */
export async function cleanup(): Promise<void> {
  await stopAllChildren().catch((error: unknown) => console.error('stopping children:', error));
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      console.error('cleanup:', error);
    }
  }
}

/** A temporary folder, removed at cleanup. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Load generation

/**
 * Pins a process (all its threads) to one core, so that the server and the load generator do
 * not take each other's CPU; false when taskset is missing or the machine has one core.
 */
export function pin(pid: number, core: number): boolean {
  if (os.cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * One autocannon run, bounded in time (stopped 30 s past its duration, or 2 min past an
 * `amount`). `onResponse` sees every answer's status and latency (ms).
 */
export async function runCannon(options: Options, onResponse?: (status: number, latencyMs: number) => void): Promise<Result> {
  // With a callback autocannon returns its instance (which can be stopped) rather than a promise.
  let instance: autocannon.Instance | undefined;
  const done = new Promise<Result>((resolve, reject) => {
    instance = autocannon({ timeout: 10, ...options }, (error, result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result)));
  });
  if (onResponse) instance!.on('response', (_client, status, _bytes, latencyMs) => onResponse(status, latencyMs));
  const limitMs = (Number(options.duration ?? 0) + 30) * 1000 + (options.amount ? 120_000 : 0);
  const guard = setTimeout(() => instance?.stop(), limitMs);
  try {
    return await done;
  } finally {
    clearTimeout(guard);
  }
}

/** Answers of a run counted by status, as `201×10, 503×3`. */
export function statusSummary(result: Result, except?: string): string {
  return Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => status !== except)
    .map(([status, value]) => `${status}×${value.count ?? 0}`)
    .join(', ');
}

/** The p-th percentile (0-100) of `values` (sorted in place); undefined when empty. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];
}

/** Synthetic GPs (profession 10, may issue codes), in an RPPS-like range no real professional uses. */
export function benchGps(count: number): SandboxProfessional[] {
  return Array.from({ length: count }, (_, i) => ({
    idNatPs: `89980${String(i + 1).padStart(7, '0')}`,
    givenName: 'Bench',
    familyName: `BENCH-GENERALISTE-${i + 1}`,
    label: 'Médecin généraliste (benchmark)',
    exercices: [
      {
        codeProfession: '10',
        codeCategorieProfessionnelle: 'C',
        activities: [{ raisonSocialeSite: 'Cabinet de benchmark', identifiantTechniqueDeLaStructure: `R9980${String(i + 1).padStart(7, '0')}` }],
      },
    ],
  }));
}

/**
 * A port for the server, `count` synthetic GPs and a PSC sandbox on 127.0.0.1 that knows them
 * and the server's client (closed at cleanup): what a bench needs before starting the server.
 */
export async function startBenchSandbox(count: number): Promise<{ port: number; baseUrl: string; gps: SandboxProfessional[]; client: { client_id: string; client_secret: string }; sandbox: RunningSandbox }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const gps = benchGps(count);
  const client = { client_id: 'prostopcovid-bench', client_secret: randomBytes(24).toString('base64url') };
  const sandbox = await startPscSandbox({
    port: 0,
    host: '127.0.0.1',
    professionals: gps,
    clients: [{ ...client, redirect_uris: [`${baseUrl}/auth/callback`], post_logout_redirect_uris: [`${baseUrl}/`] }],
  });
  onCleanup(() => sandbox.close());
  return { port, baseUrl, gps, client, sandbox };
}

// ---------------------------------------------------------------------------------------------
// CPU time of a process, from /proc (Linux)

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // 100 on every common Linux.
}

/** utime + stime of a process in seconds, undefined when it is gone or there is no /proc. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine has been busy (all cores). */
export function machineBusySeconds(): number {
  let busy = 0;
  for (const cpu of os.cpus()) busy += (cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq) / 1000;
  return busy;
}

/** CPU seconds so far of each PostgreSQL backend connected to the database, and its transactions so far. */
export async function readPostgresUse(observer: pg.Client, databaseName: string): Promise<{ postgres: Map<number, number | undefined>; transactions: number }> {
  await observer.query('select pg_stat_clear_snapshot()');
  const { rows } = await observer.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [databaseName]);
  const stats = await observer.query<{ xact: string }>('select xact_commit + xact_rollback as xact from pg_stat_database where datname = $1', [databaseName]);
  return { postgres: new Map(rows.map(({ pid }) => [pid, cpuSeconds(pid)])), transactions: Number(stats.rows[0]?.xact ?? 0) };
}
