/**
 * Laboratories' long codes: the time to make and store 40,000 long codes (the most one request may
 * ask for) through the real route, POST /api/labs/v1/long-codes, on PostgreSQL.
 *
 * 1. A throw-away PostgreSQL database on this machine, migrated; a lab (Gironde) and its API key
 *    written straight into it (no PSC sign-in needed); LONG_CODES_BENCH_PREFILL live long codes
 *    already in `declaration_codes` (300,000 a day live 15 days is 4.5 million: the unique index the
 *    new hashes go into is not empty), then ANALYZE.
 * 2. The server (`src/main.ts`, one process, development mode on 127.0.0.1) pinned to core 0 with
 *    taskset, this process (the client) to core 1. PostgreSQL is not pinned.
 * 3. One warm-up request of 1,000 codes, then LONG_CODES_BENCH_RUNS requests of 40,000 as CSV, one
 *    after the other, and one as JSON. Each is timed from the request to the last byte of the
 *    answer; its Content-Digest and its line count are checked, and the rows counted in the
 *    database afterwards. The server's CPU time per request comes from /proc.
 *
 * Settings (env):
 *   LONG_CODES_BENCH_RUNS     CSV requests of 40,000 measured (5)
 *   LONG_CODES_BENCH_PREFILL  live codes in the table beforehand (1000000)
 *   BENCH_DATABASE_URL        PostgreSQL server to create the throw-away database on (postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_TIMEOUT_SECONDS     hard limit for the whole run (derived from the others)
 *
 * Everything runs on 127.0.0.1. Exit code 0 when the median of the CSV requests is below 2 s and
 * every answer was complete and correct; 1 otherwise (or on any error, or past the time limit).
 */
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import { LAB_LONG_CODES_MAX_PER_REQUEST } from '@prostopcovid/contracts/labs';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { hashToken } from '../src/platform/secrets.js';
import { freePort, startChild, type ChildServer } from '../src/testing/processes.js';
import { childEnv, cleanup, cpuSeconds, createThrowAwayDatabase, fmt, intSetting, onCleanup, percentile, pin, runBounded, tempDir } from './shared.js';

const RUNS = intSetting('LONG_CODES_BENCH_RUNS', 5, 1, 50);
const PREFILL = intSetting('LONG_CODES_BENCH_PREFILL', 1_000_000, 0, 10_000_000);
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TIMEOUT_SECONDS = intSetting('BENCH_TIMEOUT_SECONDS', 240 + RUNS * 30 + Math.ceil(PREFILL / 10_000), 30, 24 * 3600);
const COUNT = LAB_LONG_CODES_MAX_PER_REQUEST;
const TARGET_MS = 2000;
const SERVER_SCRIPT = 'packages/server/src/main.ts';

function log(message: string): void {
  console.error(`[bench:long-codes ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Migrates the database, adds a lab with an API key and the prefilled codes; returns the key. */
async function prepareDatabase(url: string): Promise<{ apiKey: string; labId: string }> {
  const handle = await openDatabase({ url });
  try {
    await migrateToLatest(handle);
    const apiKey = `lbk_${randomBytes(32).toString('base64url')}`;
    const lab = await handle.db.insertInto('labs').values({ name: 'LBM de banc de mesure', finess: '330000000', department: '33', created_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    await handle.db.insertInto('lab_api_keys').values({ lab_id: lab.id, key_hash: hashToken(apiKey), created_at: new Date() }).execute();
    const chunk = 250_000;
    for (let done = 0; done < PREFILL; done += chunk) {
      const n = Math.min(chunk, PREFILL - done);
      // Random 43-character values, as the HMACs are; issued over the last 15 days, still live.
      await sql`
        insert into declaration_codes (code_hash, key_id, kind, case_kind, issued_at, expires_at, department)
        select rtrim(translate(encode(sha256((random()::text || g::text)::bytea), 'base64'), '+/', '-_'), '='), 'prefill', 'long', 'confirmed',
          now() - (g % 15) * interval '1 day', now() + (15 - g % 15) * interval '1 day', '33'
        from generate_series(${done + 1}::int, ${done + n}::int) g
      `.execute(handle.db);
      log(`prefill: ${fmt(done + n, 0)} / ${fmt(PREFILL, 0)} live codes`);
    }
    await sql`analyze`.execute(handle.db);
    return { apiKey, labId: lab.id };
  } finally {
    await handle.close();
  }
}

interface Measured {
  ms: number;
  bytes: number;
  serverCpuMs: number | undefined;
  problems: string[];
}

/** One request, timed to the last byte of its answer, its digest and size checked. */
async function requestCodes(baseUrl: string, apiKey: string, count: number, format: 'csv' | 'json', server: ChildServer): Promise<Measured> {
  const cpuBefore = cpuSeconds(server.pid);
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/labs/v1/long-codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: format === 'csv' ? 'text/csv' : 'application/json' },
    body: JSON.stringify({ count }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = Buffer.from(await response.arrayBuffer());
  const ms = performance.now() - started;
  const cpuAfter = cpuSeconds(server.pid);
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`status ${response.status}: ${body.toString('utf8').slice(0, 300)}`);
  const digest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
  if (response.headers.get('content-digest') !== digest) problems.push('Content-Digest does not match the body');
  const codes = format === 'csv' ? body.toString('utf8').split('\r\n').length - 2 : ((JSON.parse(body.toString('utf8')) as { codes?: unknown[] }).codes?.length ?? 0);
  if (response.status === 200 && codes !== count) problems.push(`${codes} codes instead of ${count}`);
  return { ms, bytes: body.length, serverCpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) * 1000 : undefined, problems };
}

async function main(): Promise<number> {
  const cpus = os.cpus();
  console.log(`Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);
  const database = await createThrowAwayDatabase(DATABASE_URL, 'bench_long_codes', onCleanup, log);
  if ('skipped' in database) {
    console.error(`bench:long-codes: ${database.skipped}`);
    return 1;
  }
  log(`preparing: migrations, a lab and its key, ${fmt(PREFILL, 0)} live codes`);
  const { apiKey, labId } = await prepareDatabase(database.url);

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = tempDir('bench-long-codes-');
  const server = await startChild({
    name: 'server',
    script: SERVER_SCRIPT,
    env: childEnv({
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      DATABASE_URL: database.url,
      PSC_SANDBOX_PORT: String(await freePort()),
      MAIL_CATCHER_PORT: '0',
      KEYS_DIR: join(dataDir, 'keys'),
      CODE_HMAC_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      LAB_RETRIEVAL_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      LAB_LONG_CODES_PER_DAY: String(COUNT * (RUNS + 3)),
      // One request at a time is measured: nothing in the background, nothing shed.
      STATS_REFRESH_SECONDS: '0',
      ROBERT_WORKERS: '0',
      ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '0',
    }),
    readyMarker: 'ProStopCovid est prêt',
  });
  const pinned = pin(server.pid, 0) && pin(process.pid, 1);
  log(pinned ? 'server pinned to core 0, client to core 1' : 'not pinned (taskset missing or one core)');

  log('warm-up: 1,000 codes');
  const warmUp = await requestCodes(baseUrl, apiKey, 1000, 'csv', server);
  if (warmUp.problems.length) throw new Error(`warm-up: ${warmUp.problems.join('; ')}`);

  const runs: Measured[] = [];
  for (let i = 0; i < RUNS; i++) {
    const m = await requestCodes(baseUrl, apiKey, COUNT, 'csv', server);
    log(`CSV run ${i + 1}/${RUNS}: ${fmt(m.ms, 0)} ms, ${fmt(m.bytes / 2 ** 20, 2)} MiB${m.problems.length ? `, ${m.problems.join('; ')}` : ''}`);
    runs.push(m);
  }
  const json = await requestCodes(baseUrl, apiKey, COUNT, 'json', server);
  log(`JSON: ${fmt(json.ms, 0)} ms${json.problems.length ? `, ${json.problems.join('; ')}` : ''}`);
  await server.stop();

  const check = await openDatabase({ url: database.url });
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from declaration_codes c join lab_long_code_batches b on b.id = c.lab_batch_id where b.lab_id = ${labId}::uuid
  `.execute(check.db);
  await check.close();
  const expectedRows = 1000 + COUNT * (RUNS + 1);
  const stored = rows[0]?.n ?? 0;

  const times = runs.map((r) => r.ms);
  const median = percentile([...times], 50)!;
  const cpu = runs.map((r) => r.serverCpuMs).filter((v): v is number => v !== undefined);
  console.log(`\n| ${fmt(COUNT, 0)} long codes, POST /api/labs/v1/long-codes, PostgreSQL (${fmt(PREFILL, 0)} live codes before) | ms |`);
  console.log('|---|--:|');
  console.log(`| CSV, median of ${RUNS} (request to last byte) | ${fmt(median, 0)} |`);
  console.log(`| CSV, fastest / slowest | ${fmt(Math.min(...times), 0)} / ${fmt(Math.max(...times), 0)} |`);
  console.log(`| CSV, server CPU per request (median) | ${fmt(percentile(cpu, 50), 0)} |`);
  console.log(`| JSON, one request | ${fmt(json.ms, 0)} |`);
  console.log(`\nAnswer: ${fmt(runs[0]!.bytes / 2 ** 20, 2)} MiB of CSV, ${fmt(json.bytes / 2 ** 20, 2)} MiB of JSON. Rows stored for the lab: ${fmt(stored, 0)} (expected ${fmt(expectedRows, 0)}).${pinned ? '' : ' Not pinned.'}`);

  const problems = [...runs.flatMap((r) => r.problems), ...json.problems];
  if (stored !== expectedRows) problems.push(`${stored} rows stored instead of ${expectedRows}`);
  const met = median < TARGET_MS;
  console.log(`Target: 40,000 codes in under ${fmt(TARGET_MS, 0)} ms (median): ${met ? 'MET' : 'MISSED'}${problems.length ? `; problems: ${problems.join('; ')}` : ''}`);
  return met && problems.length === 0 ? 0 : 1;
}

// Cleanup stops the server, then drops the throw-away database and removes the temporary folder.
await runBounded('bench:long-codes', TIMEOUT_SECONDS, main, cleanup);
