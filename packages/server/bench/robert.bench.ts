/**
 * `npm run bench:robert`: the two ROBERT figures the service is sized on, on PostgreSQL.
 *
 * 1. Status: POST /api/robert/v1/status from many registered phones (each may ask once per
 *    2 epochs, so every request comes from a different phone), against GET /api/robert/v1/clock
 *    on the same server (no database, no crypto) as the in-run yardstick. The server is pinned
 *    to core 0 and this load generator to core 1 (`taskset`), when the machine has two cores.
 * 2. Validation: HELLOs validated and scored per second by one report worker (this process,
 *    one thread) taking queued reports of registered phones' genuine HELLOs from the same database.
 *
 * Settings (env):
 *   BENCH_CONNECTIONS      concurrent connections for status (20)
 *   BENCH_SECONDS          measured seconds of status (10)
 *   BENCH_WARMUP_SECONDS   unmeasured warm-up (2)
 *   BENCH_PHONES           phones registered (status needs one per request: default from the expected rate)
 *   BENCH_REPORTS          queued reports for the validation run (20), each BENCH_REPORT_HELLOS HELLOs (10,000)
 *   BENCH_DATABASE_URL     PostgreSQL server to create a throw-away database on (postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_TIMEOUT_SECONDS  hard limit for the whole run (600)
 *   BENCH_CPU_PROF         a folder: the server runs with --cpu-prof and writes its profile there
 *
 * Everything runs on 127.0.0.1. Exit code 0 whether targets are met or not; non-zero on errors.
 */
import { createDecipheriv, createECDH, createHmac, randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as pause } from 'node:timers/promises';
import { startPscSandbox } from '@prostopcovid/psc-sandbox';
import { EPOCH_SECONDS, SALT } from '@prostopcovid/contracts/robert';
import { ntpSeconds } from '@prostopcovid/phone';
import type { Options, Result } from 'autocannon';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { encodeReport, type QueuedContact } from '../src/modules/robert/report-payload.js';
import { processNextReport } from '../src/modules/robert/report-worker.js';
import { DailyKeys, loadRobertSecrets } from '../src/modules/robert/robert-keys.js';
import { RobertTime } from '../src/modules/robert/robert-time.js';
import { insertReport } from '../src/modules/robert/robert.repository.js';
import { freePort, startChild } from '../src/testing/processes.js';
import { cleanup, createThrowAwayDatabase, fmt, intSetting, onCleanup, pin, runBounded, runCannon, serverEnv, statusSummary, tempDir } from './shared.js';

const CONNECTIONS = intSetting('BENCH_CONNECTIONS', 20, 1, 1000);
const SECONDS = intSetting('BENCH_SECONDS', 10, 1, 50);
const WARMUP_SECONDS = intSetting('BENCH_WARMUP_SECONDS', 2, 0, 5);
/** Status bodies must reach the server within 60 s of being made: warm-up and run fit in that. */
const EXPECTED_RATE = 3000;
const PHONES = intSetting('BENCH_PHONES', Math.ceil(EXPECTED_RATE * 1.2 * (SECONDS + WARMUP_SECONDS)), 100, 1_000_000);
const REPORTS = intSetting('BENCH_REPORTS', 20, 1, 1000);
const REPORT_HELLOS = intSetting('BENCH_REPORT_HELLOS', 10_000, 100, 60_000);
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TIMEOUT_SECONDS = intSetting('BENCH_TIMEOUT_SECONDS', 600, 60, 3600);
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF || undefined;

const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

const TARGET_STATUS_RPS = 2000;
/** The default ROBERT_TIME_START (2020-06-02T00:00:00Z) in NTP seconds. */
const TIME_START = 3_800_044_800;
const TARGET_STATUS_P99_MS = 50;
const TARGET_HELLOS_PER_SECOND = 20_000;

function log(message: string): void {
  console.error(`[bench:robert ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

const cannon = (options: Options) => runCannon({ connections: CONNECTIONS, ...options });

const ok = (result: Result, status: string) => result.statusCodeStats?.[status as '200']?.count ?? 0;
const others = (result: Result, status: string) => statusSummary(result, status);

/** The phone's KA_mac and the tuples of the current and next epoch: all a status request needs. */
interface Registered {
  kaMac: Buffer;
  tuples: Array<{ epochId: number; ebid: Buffer; ecc: number }>;
}

/**
 * Registers phones with a lean client on node:crypto (the phone library's WebCrypto and answer
 * checks would make this load generator, not the server, the bottleneck).
 */
async function registerPhones(baseUrl: string, count: number): Promise<Registered[]> {
  const config = (await (await fetch(`${baseUrl}/api/robert/v1/config`)).json()) as { serverPublicECDHKey: string };
  const serverPoint = Buffer.from(config.serverPublicECDHKey, 'base64').subarray(26);
  const phones: Registered[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        next++;
        const ecdh = createECDH('prime256v1');
        const spki = Buffer.concat([P256_SPKI_PREFIX, ecdh.generateKeys()]);
        const response = await fetch(`${baseUrl}/api/robert/v1/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientPublicECDHKey: spki.toString('base64') }) });
        if (response.status !== 201) throw new Error(`register answered ${response.status}: ${await response.text()}`);
        const { tuples } = (await response.json()) as { tuples: string };
        const secret = ecdh.computeSecret(serverPoint);
        const kaMac = createHmac('sha256', secret).update('mac').digest();
        const kaTuples = createHmac('sha256', secret).update('tuples').digest();
        const sealed = Buffer.from(tuples, 'base64');
        const decipher = createDecipheriv('aes-256-gcm', kaTuples, sealed.subarray(0, 12));
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        const plain = JSON.parse(Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString()) as Array<{ epochId: number; key: { ebid: string; ecc: string } }>;
        const epoch = Math.floor((ntpSeconds(new Date()) - TIME_START) / EPOCH_SECONDS);
        phones.push({
          kaMac,
          tuples: plain
            .filter((t) => t.epochId >= epoch && t.epochId <= epoch + 1)
            .map((t) => ({ epochId: t.epochId, ebid: Buffer.from(t.key.ebid, 'base64'), ecc: Buffer.from(t.key.ecc, 'base64')[0]! })),
        });
      }
    }),
  );
  log(`registered ${phones.length} phones in ${fmt((performance.now() - started) / 1000)} s (${fmt(phones.length / ((performance.now() - started) / 1000), 0)} registrations/s, client and server on one machine)`);
  return phones;
}

/** One status body per phone, MAC'd now: the server accepts them for 60 s. */
function statusBodies(phones: Registered[], timeStart: number): string[] {
  const now = ntpSeconds(new Date());
  const epoch = Math.floor((now - timeStart) / EPOCH_SECONDS);
  const time = Buffer.alloc(4);
  time.writeUInt32BE(now);
  return phones.map((phone) => {
    const tuple = phone.tuples.find((t) => t.epochId === epoch) ?? phone.tuples[0]!;
    const message = Buffer.alloc(17);
    message[0] = SALT.status;
    tuple.ebid.copy(message, 1);
    message.writeUInt32BE(tuple.epochId, 9);
    time.copy(message, 13);
    const mac = createHmac('sha256', phone.kaMac).update(message).digest();
    return JSON.stringify({ ebid: tuple.ebid.toString('base64'), epochId: tuple.epochId, time: time.toString('base64'), mac: mac.toString('base64') });
  });
}

async function measureStatus(baseUrl: string, phones: Registered[], timeStart: number) {
  const clock = await cannon({ url: `${baseUrl}/api/robert/v1/clock`, duration: SECONDS });
  log(`yardstick GET /clock: ${fmt(ok(clock, '200') / clock.duration, 0)} req/s`);
  await pause(500);
  let bodies = statusBodies(phones, timeStart);
  let next = 0;
  const options = (duration: number): Options => ({
    url: `${baseUrl}/api/robert/v1/status`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    duration,
    requests: [{ setupRequest: (request) => ({ ...request, body: bodies[next++] ?? '{}' }) }],
  });
  if (WARMUP_SECONDS) await cannon(options(WARMUP_SECONDS));
  const warmUsed = next;
  const status = await cannon(options(SECONDS));
  const exhausted = next > bodies.length;
  log(`status: ${fmt(ok(status, '200') / status.duration, 0)} req/s, ${next - warmUsed} bodies used of ${bodies.length - warmUsed}`);
  bodies = [];
  return { clock, status, exhausted };
}

/** Queued reports of genuine HELLOs heard from the registered phones (the API's own path is covered by the tests). */
async function queueReports(db: Parameters<typeof insertReport>[0], phones: Registered[], timeStart: number) {
  const now = ntpSeconds(new Date());
  const epoch = Math.floor((now - timeStart) / EPOCH_SECONDS);
  const perContact = 100;
  let phoneIndex = 0;
  for (let r = 0; r < REPORTS; r++) {
    const contacts: QueuedContact[] = [];
    for (let n = 0; n < REPORT_HELLOS; n += perContact) {
      const phone = phones[phoneIndex++ % phones.length]!;
      const tuple = phone.tuples.find((t) => t.epochId === epoch) ?? phone.tuples[0]!;
      const start = timeStart + tuple.epochId * EPOCH_SECONDS;
      const hellos = Array.from({ length: perContact }, (_, i) => {
        const at = start + Math.floor((i * (EPOCH_SECONDS - 1)) / perContact);
        const message = Buffer.alloc(12);
        message[0] = SALT.hello;
        message[1] = tuple.ecc;
        tuple.ebid.copy(message, 2);
        message.writeUInt16BE(at % 0x10000, 10);
        return { timeCollectedOnDevice: at, timeFromHelloMessage: at % 0x10000, mac: createHmac('sha256', phone.kaMac).update(message).digest().subarray(0, 5), rssiCalibrated: -50 - (i % 20) };
      });
      contacts.push({ ebid: tuple.ebid, ecc: tuple.ecc, hellos });
    }
    await insertReport(db, { receivedAt: new Date(), hellos: REPORT_HELLOS, payload: encodeReport(contacts) });
  }
}

async function main(): Promise<number> {
  const loadAtStart = os.loadavg()[0]!;
  const created = await createThrowAwayDatabase(DATABASE_URL, 'bench_robert', onCleanup, log);
  if ('skipped' in created) {
    console.log(`PostgreSQL: ${created.skipped}; bench:robert needs PostgreSQL.`);
    return 0;
  }
  const client = { client_id: 'bench-robert', client_secret: randomBytes(16).toString('hex') };
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const sandbox = await startPscSandbox({ port: 0, clients: [{ ...client, redirect_uris: [`${baseUrl}/auth/callback`], post_logout_redirect_uris: [`${baseUrl}/`] }] });
  onCleanup(() => sandbox.close());
  const keysDir = tempDir('pscv-bench-robert-keys-');
  const env = {
    DATABASE_URL: created.url,
    KEYS_DIR: keysDir,
    ROBERT_WORKERS: '0',
    ROBERT_REGISTER_LIMIT_PER_ADDRESS: '10000000',
    ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '0',
  };
  const server = await startChild({ name: 'server', script: 'packages/server/src/main.ts', env: serverEnv({ port, issuer: sandbox.issuer, client }, env), readyMarker: 'ProStopCovid est prêt', nodeArgs: CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [] });
  const pinned = pin(server.pid, 0) && pin(process.pid, 1);
  log(pinned ? 'server pinned to core 0, load generator and worker to core 1' : 'not pinned (one core or no taskset)');

  const config = loadConfig({ NODE_ENV: 'development', ...env, PSC_ISSUER: sandbox.issuer });
  const timeStart = config.robert.timeStart;
  if (timeStart !== TIME_START) throw new Error('ROBERT_TIME_START must be left to its default for this benchmark');
  const phones = await registerPhones(baseUrl, PHONES);
  await pause(1000);
  const { clock, status, exhausted } = await measureStatus(baseUrl, phones, timeStart);
  await server.stop();

  // Validation by one worker: this process, the database it shares with the stopped server.
  const database = await openDatabase({ url: created.url, poolSize: 2 });
  onCleanup(() => database.close());
  const secrets = await loadRobertSecrets(config.robert, keysDir);
  const deps = { db: database.db, secrets, dailyKeys: new DailyKeys(database.db, secrets.keyEncryptionKey), time: new RobertTime(timeStart), settings: config.robert };
  log(`queueing ${REPORTS} reports of ${REPORT_HELLOS} HELLOs`);
  await queueReports(database.db, phones, timeStart);
  let valid = 0;
  let checked = 0;
  const dropped: Record<string, number> = {};
  const started = performance.now();
  for (let outcome = await processNextReport(deps, new Date()); outcome; outcome = await processNextReport(deps, new Date())) {
    valid += outcome.valid;
    checked += outcome.hellos;
    for (const [reason, n] of Object.entries(outcome.dropped)) dropped[reason] = (dropped[reason] ?? 0) + n;
  }
  const seconds = (performance.now() - started) / 1000;

  const cpus = os.cpus();
  const statusRps = ok(status, '200') / status.duration;
  const clockRps = ok(clock, '200') / clock.duration;
  const hellosPerSecond = valid / seconds;
  const statusValid = !exhausted && status.errors === 0 && others(status, '200') === '';
  const lines = [
    '',
    `Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}; load average ${fmt(loadAtStart, 2)} at start, ${fmt(os.loadavg()[0], 2)} at end`,
    `PostgreSQL, ${pinned ? 'server on core 0, load generator on core 1 (PostgreSQL itself unpinned)' : 'unpinned'}; ${CONNECTIONS} connections, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up; ${phones.length} registered phones`,
    '',
    '| measure | req/s | p50 ms | p99 ms | other answers |',
    '|---|---:|---:|---:|---|',
    `| GET /api/robert/v1/clock (yardstick) | ${fmt(clockRps, 0)} | ${fmt(clock.latency.p50, 0)} | ${fmt(clock.latency.p99, 0)} | ${others(clock, '200') || '—'} |`,
    `| POST /api/robert/v1/status, each from another phone | ${fmt(statusRps, 0)} | ${fmt(status.latency.p50, 0)} | ${fmt(status.latency.p99, 0)} | ${others(status, '200') || '—'} |`,
    `status / clock: ${fmt((statusRps / clockRps) * 100, 0)} %`,
    '',
    `Validation by one worker: ${fmt(valid, 0)} of ${fmt(checked, 0)} HELLOs valid in ${fmt(seconds, 2)} s → ${fmt(hellosPerSecond, 0)} HELLOs/s (${REPORTS} reports of ${REPORT_HELLOS}, contacts of 100 HELLOs; dropped: ${JSON.stringify(dropped)})`,
    '',
    `Status ≥ ${TARGET_STATUS_RPS} req/s with p99 < ${TARGET_STATUS_P99_MS} ms: ${!statusValid ? `INVALID RUN${exhausted ? ' (status bodies ran out: raise BENCH_PHONES)' : ''}` : statusRps >= TARGET_STATUS_RPS && status.latency.p99 < TARGET_STATUS_P99_MS ? 'MET' : 'MISSED'}`,
    `Validation ≥ ${fmt(TARGET_HELLOS_PER_SECOND, 0)} HELLOs/s per worker: ${valid === checked ? (hellosPerSecond >= TARGET_HELLOS_PER_SECOND ? 'MET' : 'MISSED') : 'INVALID RUN (some HELLOs were dropped)'}`,
  ];
  console.log(lines.join('\n'));
  return 0;
}

await runBounded('bench:robert', TIMEOUT_SECONDS, main, cleanup);
