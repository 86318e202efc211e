/**
 * `npm run bench:records`: laboratory batch ingestion (results per second over HTTP, batches
 * of 1,000, `POST /api/labs/v1/results`) on PostgreSQL next to a raw insert of the same
 * batches into the same table in the same run; and certificate issuing per second (payload,
 * COSE signature, zlib, Base45, QR code), on one core.
 *
 * Settings (env): BENCH_SECONDS (10), BENCH_CONNECTIONS (4), BENCH_DATABASE_URL
 * (postgres://postgres@127.0.0.1:5432/test). Everything runs on 127.0.0.1 and stops by itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { buildTestDcc } from '../src/modules/certificates/dcc-payload.js';
import { loadOrCreateDevelopmentSigner } from '../src/modules/certificates/dcc-signer.js';
import { encodeDcc, renderDccQr, testCertificateExpiry } from '../src/modules/certificates/issue-dcc.js';
import { generateUvci } from '../src/platform/uvci.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { hashToken } from '../src/platform/secrets.js';
import { freePort, startChild, stopAllChildren } from '../src/testing/processes.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BATCH = 1000;
const TARGET_RESULTS_PER_SECOND = 20_000;

if (!/@(127\.0\.0\.1|localhost)[:/]/.test(SERVER_URL)) throw new Error('BENCH_DATABASE_URL must point at this machine');
const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

let serial = 0;
function labResult() {
  serial++;
  return {
    sampleId: `B-${process.pid}-${serial}`,
    patient: { familyName: 'Martin', givenName: 'Léo', birthDate: '1990-05-01', sex: 'M', phone: '+33 6 12 34 56 78' },
    sampledAt: new Date(Date.now() - 3_600_000).toISOString(),
    result: serial % 10 === 0 ? 'detected' : 'not-detected',
  };
}

async function withBenchDatabase<T>(run: (url: string) => Promise<T>): Promise<T> {
  const name = `bench_records_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  try {
    return await run(SERVER_URL.replace(/\/[^/]*$/, `/${name}`));
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/** Migrates the throw-away database and gives it a lab with a key: no PSC sign-in needed. */
async function prepareDatabase(url: string): Promise<string> {
  const handle = await openDatabase({ url });
  await migrateToLatest(handle);
  const apiKey = `lbk_${randomBytes(32).toString('base64url').slice(0, 43)}`;
  const lab = await handle.db.insertInto('labs').values({ name: 'LBM bench', finess: null, created_at: new Date() }).returning('id').executeTakeFirstOrThrow();
  await handle.db.insertInto('lab_api_keys').values({ lab_id: lab.id, key_hash: hashToken(apiKey), created_at: new Date() }).execute();
  await handle.close();
  return apiKey;
}

async function measureIngestion(url: string, apiKey: string) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(os.tmpdir(), 'bench-records-'));
  const server = await startChild({
    name: 'server',
    script: 'packages/server/src/main.ts',
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: url,
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      PSC_SANDBOX_PORT: String(await freePort()),
      KEYS_DIR: join(dataDir, 'keys'),
      CODE_HMAC_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      LOG_LEVEL: 'warn',
      LAB_BATCH_MAX_RESULTS: String(BATCH),
      // Capacity is measured: the server must not shed the load it is given.
      ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '0',
    },
    readyMarker: 'ProStopCovid est prêt',
  });
  try {
    // Bodies are built beforehand so the load generator spends its time sending.
    const bodies = Array.from({ length: Math.ceil((SECONDS + 2) * 60) }, () => JSON.stringify({ results: Array.from({ length: BATCH }, labResult) }));
    let next = 0;
    log(`ingestion over HTTP: ${CONNECTIONS} connections, batches of ${BATCH}, ${SECONDS} s`);
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/api/labs/v1/results`,
      method: 'POST',
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      requests: [{ setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) }],
    });
    const ok = result['2xx'];
    return { resultsPerSecond: (ok * BATCH) / SECONDS, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, wrapped: next > bodies.length };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The same batches written by a bare client straight into test_results: the ceiling. */
async function measureRawInsert(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: CONNECTIONS });
  const { rows } = await pool.query<{ id: string }>(`insert into labs (name, created_at) values ('LBM raw', now()) returning id`);
  const labId = rows[0]!.id;
  const deadline = Date.now() + SECONDS * 1000;
  let inserted = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      const batch = Array.from({ length: BATCH }, labResult);
      const column = (pick: (r: ReturnType<typeof labResult>) => unknown) => batch.map(pick);
      await pool.query(
        `insert into test_results (test_type, family_name, given_name, birth_date, sex, phone, sampled_at, result, place, recorded_at, lab_id, lab_sample_id)
         select 'rt-pcr', f, g, b, s, p, t, r, 'LBM raw', now(), $9, i
         from unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[]) as x(f, g, b, s, p, t, r, i)`,
        [
          column((r) => r.patient.familyName), column((r) => r.patient.givenName), column((r) => r.patient.birthDate), column((r) => r.patient.sex),
          column((r) => r.patient.phone), column((r) => r.sampledAt), column((r) => r.result), column((r) => r.sampleId), labId,
        ],
      );
      inserted += BATCH;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  await pool.end();
  return { resultsPerSecond: inserted / SECONDS };
}

async function main() {
  const timer = setTimeout(() => {
    console.error('bench:records: time limit reached');
    void stopAllChildren().then(() => process.exit(1));
  }, (SECONDS * 4 + 180) * 1000);
  timer.unref();
  console.log(`Machine: ${os.cpus()[0]?.model}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);
  const figures = await withBenchDatabase(async (url) => {
    const apiKey = await prepareDatabase(url);
    log('raw insert baseline');
    const raw = await measureRawInsert(url);
    const http = await measureIngestion(url, apiKey);
    return { raw, http };
  });
  console.log('\n| scenario | results/s | p50 ms (per batch) | p99 ms | non-2xx |');
  console.log('|---|--:|--:|--:|--:|');
  console.log(`| raw insert into test_results (unnest, ${CONNECTIONS} connections) | ${Math.round(figures.raw.resultsPerSecond).toLocaleString('en')} | | | |`);
  console.log(
    `| POST /api/labs/v1/results, batches of ${BATCH} | ${Math.round(figures.http.resultsPerSecond).toLocaleString('en')} | ${figures.http.p50} | ${figures.http.p99} | ${figures.http.non2xx} |`,
  );
  const ratio = figures.http.resultsPerSecond / figures.raw.resultsPerSecond;
  console.log(`\nHTTP ingestion = ${(ratio * 100).toFixed(0)} % of the raw insert.`);
  console.log(
    `PostgreSQL target ${TARGET_RESULTS_PER_SECOND.toLocaleString('en')} results/s: ${figures.http.resultsPerSecond >= TARGET_RESULTS_PER_SECOND ? 'MET' : 'MISSED'}${figures.http.wrapped ? ' (bodies reused: duplicates counted, run longer bodies)' : ''}`,
  );
  await measureCertificates();
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => void stopAllChildren());

/** Certificates per second on one core: payload, UVCI, CBOR/COSE signature, zlib, Base45, QR (PNG). */
async function measureCertificates() {
  const keysDir = mkdtempSync(join(os.tmpdir(), 'bench-dsc-'));
  try {
    const signer = await loadOrCreateDevelopmentSigner(keysDir);
    const issue = async (withQr: boolean) => {
      const sampledAt = new Date(Date.now() - 3_600_000);
      const dcc = buildTestDcc({
        familyName: 'Dupont-Lefèvre',
        givenName: 'Zoé',
        dateOfBirth: '1984-03-12',
        testType: 'rat',
        deviceId: '1232',
        sampledAt,
        result: 'not-detected',
        facility: 'Pharmacie de la Gare, Nantes',
        uvci: generateUvci({ country: 'FR' }),
      });
      const { text: hc1 } = encodeDcc(dcc, { signer, issuedAt: new Date(), expiresAt: testCertificateExpiry(sampledAt), issuer: 'FR' });
      if (withQr) await renderDccQr(hc1); // SVG, what the patient portal shows
    };
    const rows = [];
    for (const withQr of [false, true]) {
      const deadline = Date.now() + 5000;
      let count = 0;
      while (Date.now() < deadline) {
        await issue(withQr);
        count++;
      }
      rows.push({ withQr, perSecond: count / 5 });
    }
    console.log('\n| certificate issuing (one core) | per second |');
    console.log('|---|--:|');
    for (const row of rows) console.log(`| ${row.withQr ? 'payload + signature + encoding + QR code (SVG)' : 'payload + signature + encoding (HC1 string)'} | ${Math.round(row.perSecond).toLocaleString('en')} |`);
  } finally {
    rmSync(keysDir, { recursive: true, force: true });
  }
}
