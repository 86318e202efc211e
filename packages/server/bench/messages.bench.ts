/**
 * `npm run bench:messages`: the fan-out of one urgent message (DGS-Urgent) to N synthetic
 * professionals on PostgreSQL, and what the server still serves meanwhile.
 *
 * 1. A throw-away database; the server (`src/main.ts`, one process) on it, pinned to core 0,
 *    its e-mail sender pointed at a local SMTP catcher (dev/mail-catcher.ts) run in this
 *    process, which is pinned to core 1 with the load generator (autocannon). PostgreSQL is not
 *    pinned. MESSAGES_EMAILS_PER_SECOND is set to the server's maximum: the sender runs at
 *    full speed, so the figure is its capacity, not the pace a real relay would be given.
 * 2. An operator and MESSAGES_BENCH_PROFESSIONALS pharmacists of Bordeaux (33) sign in through
 *    the PSC sandbox (their zone is recorded at sign-in); a first, small message to them warms
 *    the path up and gives their inboxes one message. Then N synthetic pharmacists of the same
 *    department are inserted straight into the database (testing/synthetic-professionals.ts),
 *    in batches, and the tables analysed (as autovacuum would have done on a live database).
 * 3. Baseline: GET /api/inbox with the pharmacists' sessions (closed loop, autocannon) for
 *    MESSAGES_BENCH_INBOX_SECONDS, then the same with If-None-Match (304, as the portal polls).
 * 4. Publication to pharmacists ('21') of Gironde ('33'): POST /api/messages then
 *    POST /api/messages/:id/publish, whose duration is the queueing time (recipients
 *    materialised and e-mails queued in one transaction).
 * 5. While the fan-out runs: the same inbox loads; e-mails per second into the catcher, during
 *    the inbox load and without it, until every queued e-mail has arrived or
 *    MESSAGES_BENCH_FANOUT_SECONDS pass. Then: every recipient must have received exactly one
 *    e-mail of the message, and every row must be `sent`.
 *
 * Settings (env):
 *   MESSAGES_BENCH_RECIPIENTS        synthetic professionals reached (200000)
 *   MESSAGES_BENCH_SMTP_CONNECTIONS  the sender's SMTP connections, MESSAGES_SMTP_CONNECTIONS (8)
 *   MESSAGES_BENCH_PROFESSIONALS     pharmacists signed in, whose sessions poll the inbox (20)
 *   MESSAGES_BENCH_INBOX_CONNECTIONS closed-loop connections of the inbox load (10)
 *   MESSAGES_BENCH_INBOX_SECONDS     seconds of each inbox load (10; the 304 load lasts half)
 *   MESSAGES_BENCH_FANOUT_SECONDS    bound on the fan-out after publication (600)
 *   BENCH_CPU_PROF                   a folder: the server runs with --cpu-prof and writes its profile there
 *   BENCH_DATABASE_URL               PostgreSQL server to create the throw-away database on (postgres://postgres@127.0.0.1:5432/test)
 *   BENCH_TIMEOUT_SECONDS            hard limit for the whole run (derived from the others)
 *
 * Everything runs on 127.0.0.1. Exit code 0 when every e-mail arrived exactly once within the
 * bound and nothing failed; 1 otherwise.
 */
import os from 'node:os';
import { setTimeout as pause } from 'node:timers/promises';
import type { SandboxProfessional } from '@prostopcovid/psc-sandbox';
import pg from 'pg';
import type { MessageContent, MessageDetail } from '@prostopcovid/contracts/messages';
import { startMailCatcher } from '../src/dev/mail-catcher.js';
import { openDatabase } from '../src/db/database.js';
import { startChild } from '../src/testing/processes.js';
import { insertSyntheticProfessionals } from '../src/testing/synthetic-professionals.js';
import { cleanup, cpuSeconds, machineBusySeconds, readPostgresUse, createThrowAwayDatabase, fmt, intSetting, onCleanup, percentile, pin, runBounded, runCannon, serverEnv, signIn, statusSummary, startBenchSandbox, tempDir, type Session } from './shared.js';

// ---------------------------------------------------------------------------------------------
// Settings

const RECIPIENTS = intSetting('MESSAGES_BENCH_RECIPIENTS', 200_000, 1, 2_000_000);
const SMTP_CONNECTIONS = intSetting('MESSAGES_BENCH_SMTP_CONNECTIONS', 8, 1, 64);
const PROFESSIONALS = intSetting('MESSAGES_BENCH_PROFESSIONALS', 20, 1, 200);
const INBOX_CONNECTIONS = intSetting('MESSAGES_BENCH_INBOX_CONNECTIONS', 10, 1, 500);
const INBOX_SECONDS = intSetting('MESSAGES_BENCH_INBOX_SECONDS', 10, 2, 120);
const FANOUT_SECONDS = intSetting('MESSAGES_BENCH_FANOUT_SECONDS', 600, 10, 24 * 3600);
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF || undefined;
const DATABASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const TIMEOUT_SECONDS = intSetting('BENCH_TIMEOUT_SECONDS', 420 + Math.ceil(RECIPIENTS / 2000) + 4 * INBOX_SECONDS + FANOUT_SECONDS, 60, 48 * 3600);

/** The most the server accepts (config.ts): the sender is not paced, its capacity is measured. */
const EMAILS_PER_SECOND = 100_000;
const NOT_MODIFIED_SECONDS = Math.max(2, Math.round(INBOX_SECONDS / 2));
const SERVER_SCRIPT = 'packages/server/src/main.ts';
/** Synthetic professionals per insert: the serial part of their id has 6 digits. */
const BATCH = Math.min(500_000, Math.ceil(RECIPIENTS / 4));
const TARGET = { profession: '21', department: '33', region: '75' };
const OPERATOR_ID = '899810000000';

function log(message: string): void {
  console.error(`[bench:messages ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Who signs in: a national operator (a doctor in Paris, not targeted) and pharmacists of Bordeaux

function pharmacist(index: number): SandboxProfessional {
  const serial = String(index + 1).padStart(7, '0');
  return {
    idNatPs: `89981${serial}`,
    givenName: 'Bench',
    familyName: `BENCH-PHARMACIEN-${index + 1}`,
    label: 'Pharmacien à Bordeaux (benchmark)',
    exercices: [
      {
        codeProfession: TARGET.profession,
        codeCategorieProfessionnelle: 'C',
        activities: [
          {
            raisonSocialeSite: `Pharmacie de benchmark ${index + 1}`,
            identifiantTechniqueDeLaStructure: `R9981${serial}`,
            libelleCommuneCoordStructure: 'Bordeaux',
            codePostalCoordStructure: '33000',
            codeCommuneCoordStructure: '33063',
            adresseEMailCoordStructure: `bench-pharmacien-${index + 1}@bench.example`,
          },
        ],
      },
    ],
  };
}

const operator: SandboxProfessional = {
  idNatPs: OPERATOR_ID,
  givenName: 'Bench',
  familyName: 'BENCH-OPERATEUR-DGS',
  label: 'Opérateur DGS-Urgent (benchmark)',
  exercices: [
    {
      codeProfession: '10',
      codeCategorieProfessionnelle: 'C',
      activities: [
        {
          raisonSocialeSite: 'Direction générale de la santé (benchmark)',
          identifiantTechniqueDeLaStructure: 'R998199999999',
          libelleCommuneCoordStructure: 'Paris',
          codePostalCoordStructure: '75007',
          codeCommuneCoordStructure: '75107',
          adresseEMailCoordStructure: 'bench-operateur@bench.example',
        },
      ],
    },
  ],
};

function content(title: string): MessageContent {
  return {
    title,
    body:
      'Mesdames, Messieurs,\n\nEn cas d’indisponibilité de Pro Santé Connect :\n\n1. procédez aux actes ;\n2. remettez une **attestation** valable 12 heures ;\n' +
      '3. saisissez les résultats dès le retour du service.\n\nCe message est envoyé par le banc de mesure `bench:messages`.',
    kind: 'action',
    priority: 'high',
    professions: [TARGET.profession],
    zone: { national: false, regions: [], departments: [TARGET.department] },
    expiresAt: null,
    attachmentIds: [],
  };
}

// ---------------------------------------------------------------------------------------------
// CPU per role, from /proc (Linux): the server, this process (load generator and catcher), the
// database's PostgreSQL backends, and the whole machine.

interface CpuReading {
  at: number;
  server?: number;
  bench: number;
  postgres: Map<number, number | undefined>;
  machine: number;
  transactions: number;
}

interface CpuUse {
  server?: number;
  bench?: number;
  postgres?: number;
  machine?: number;
  transactionsPerSecond?: number;
}

function cpuUse(before: CpuReading, after: CpuReading): CpuUse {
  const wall = (after.at - before.at) / 1000;
  if (wall <= 0) return {};
  let postgres: number | undefined;
  // A backend gone before the end (an idle pool connection closed) is left out.
  for (const [pid, seconds] of after.postgres) if (seconds !== undefined) postgres = (postgres ?? 0) + seconds - (before.postgres.get(pid) ?? 0);
  return {
    server: after.server !== undefined && before.server !== undefined ? (after.server - before.server) / wall : undefined,
    bench: (after.bench - before.bench) / wall,
    postgres: postgres === undefined ? undefined : postgres / wall,
    machine: (after.machine - before.machine) / wall,
    transactionsPerSecond: (after.transactions - before.transactions) / wall,
  };
}

const cpuText = (c: CpuUse) => `server ${fmt(c.server, 2)} / bench process ${fmt(c.bench, 2)} / PostgreSQL ${fmt(c.postgres, 2)} / machine ${fmt(c.machine, 2)} cores; ${fmt(c.transactionsPerSecond, 0)} xact/s`;

// ---------------------------------------------------------------------------------------------

interface LoadResult {
  seconds: number;
  /** Expected answers (200, or 304 with If-None-Match). */
  ok: number;
  p50?: number;
  p99?: number;
  /** Other answers and errors, as `503×3, errors×1`. */
  others: string;
  errors: number;
}

interface InboxRun {
  label: string;
  load: LoadResult;
  rate: number;
  cpu: CpuUse;
  /** Share of the run during which the fan-out was still going (undefined: no fan-out). */
  fanOutShare?: number;
  /** E-mails received per second during the run. */
  emailRate?: number;
}

async function main(): Promise<number> {
  const loadAtStart = os.loadavg();
  const problems: string[] = [];

  const database = await createThrowAwayDatabase(DATABASE_URL, 'bench_messages', onCleanup, log);
  if ('skipped' in database) {
    console.log(`bench:messages needs PostgreSQL: ${database.skipped}`);
    return 1;
  }
  const databaseName = new URL(database.url).pathname.slice(1);

  const catcher = await startMailCatcher({ keep: 50 });
  onCleanup(() => catcher.close());
  log(`mail catcher on ${catcher.smtpUrl}`);

  const { port, baseUrl, gps, client, sandbox } = await startBenchSandbox(0);
  const pharmacists = Array.from({ length: PROFESSIONALS }, (_, i) => pharmacist(i));
  // The sandbox looks its list up at each sign-in.
  gps.push(operator, ...pharmacists);

  const serverSettings = {
    SMTP_URL: catcher.smtpUrl,
    OPERATOR_ID_NAT_PS: OPERATOR_ID,
    MESSAGES_EMAILS_PER_SECOND: String(EMAILS_PER_SECOND),
    MESSAGES_SMTP_CONNECTIONS: String(SMTP_CONNECTIONS),
    MESSAGES_MAILER: 'on',
    // Twenty sessions polling thousands of times a second: the per-professional limit would answer 429.
    PRO_REQUESTS_PER_MINUTE: '10000000',
    ROBERT_WORKERS: '0',
  };
  const server = await startChild({
    name: 'server',
    script: SERVER_SCRIPT,
    env: serverEnv(
      { port, issuer: sandbox.issuer, client },
      {
        DATABASE_URL: database.url,
        KEYS_DIR: tempDir('bench-messages-keys-'),
        DATA_DIR: tempDir('bench-messages-data-'),
        MAIL_FROM: 'DGS-Urgent <dgs-urgent@bench.example>',
        MESSAGES_REMINDER_HOURS: '24',
        ...serverSettings,
      },
    ),
    readyMarker: 'ProStopCovid est prêt',
    nodeArgs: CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [],
  });
  const pinned = pin(server.pid, 0) && pin(process.pid, 1);
  log(pinned ? 'server pinned to core 0; this process (load generator and mail catcher) to core 1; PostgreSQL not pinned' : 'not pinned (one core or no taskset)');

  const observer = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 3000, query_timeout: 120_000 });
  await observer.connect();
  onCleanup(() => observer.end());
  const readCpu = async (): Promise<CpuReading> => {
    const database = await readPostgresUse(observer, databaseName);
    const usage = process.cpuUsage();
    return { at: performance.now(), server: cpuSeconds(server.pid), bench: (usage.user + usage.system) / 1e6, machine: machineBusySeconds(), ...database };
  };

  // Sign-ins through the sandbox: the operator, and the pharmacists whose sessions poll. A busy
  // machine can have admission control shed one (503): tried again.
  const signInRetrying = async (idNatPs: string): Promise<Session> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await signIn(baseUrl, idNatPs);
      } catch (error) {
        if (attempt >= 5) throw error;
        log(`sign-in of ${idNatPs} failed (${(error as Error).message}), trying again`);
        await pause(1000 * attempt);
      }
    }
  };
  const operatorSession = await signInRetrying(OPERATOR_ID);
  const sessions: Session[] = [];
  for (const pro of pharmacists) sessions.push(await signInRetrying(pro.idNatPs));
  log(`operator and ${sessions.length} pharmacists of Bordeaux signed in`);

  const operatorHeaders = { cookie: operatorSession.cookie, 'x-csrf-token': operatorSession.csrfToken };
  const publish = async (body: MessageContent): Promise<{ id: string; queueingMs: number; reference: string | null }> => {
    const draft = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { ...operatorHeaders, 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    if (draft.status !== 201) throw new Error(`POST /api/messages answered ${draft.status}: ${await draft.text()}`);
    const { id } = (await draft.json()) as MessageDetail;
    const started = performance.now();
    const published = await fetch(`${baseUrl}/api/messages/${id}/publish`, { method: 'POST', headers: operatorHeaders, signal: AbortSignal.timeout(600_000) });
    const text = await published.text();
    const queueingMs = performance.now() - started;
    if (published.status !== 200) throw new Error(`POST /api/messages/${id}/publish answered ${published.status} after ${fmt(queueingMs, 0)} ms: ${text}`);
    return { id, queueingMs, reference: (JSON.parse(text) as MessageDetail).reference };
  };
  const emailsOf = async (messageId: string) =>
    (await observer.query<{ status: string; n: number }>('select status, count(*)::int as n from message_emails where message_id = $1 group by status order by status', [messageId])).rows;
  const waitFor = async (what: string, predicate: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> => {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (await predicate()) return true;
      await pause(intervalMs);
    }
    log(`gave up waiting for ${what} after ${fmt(timeoutMs / 1000, 0)} s`);
    return false;
  };

  // A first message to the signed-in pharmacists only (nobody else exists yet): warms the path up.
  const warmUp = await publish(content('Message de mise en route du banc'));
  const warmUpSent = await waitFor('the warm-up e-mails', async () => (await emailsOf(warmUp.id)).every((r) => r.status === 'sent'), 60_000, 200);
  if (!warmUpSent || catcher.total < PROFESSIONALS) throw new Error(`warm-up message: ${catcher.total} e-mails received, ${JSON.stringify(await emailsOf(warmUp.id))}`);
  log(`warm-up message ${warmUp.reference}: ${catcher.total} e-mails received`);

  // N synthetic pharmacists of Gironde, straight into the database.
  const seedStarted = performance.now();
  const seeder = await openDatabase({ url: database.url, poolSize: 2 });
  try {
    for (let done = 0, batch = 0; done < RECIPIENTS; batch++) {
      const count = Math.min(BATCH, RECIPIENTS - done);
      await insertSyntheticProfessionals(seeder.db, { count, ...TARGET, prefix: String(7001 + batch), emailDomain: 'synthetic.example' });
      done += count;
      log(`synthetic professionals: ${done.toLocaleString('en-US')} / ${RECIPIENTS.toLocaleString('en-US')}`);
    }
  } finally {
    await seeder.close();
  }
  await observer.query('analyze');
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`seeded and analysed in ${fmt(seedSeconds, 1)} s`);

  // ETags of the inboxes, for the 304 loads (the portal revalidates with If-None-Match).
  const etags = async () =>
    Promise.all(
      sessions.map(async (session) => {
        const response = await fetch(`${baseUrl}/api/inbox`, { headers: { cookie: session.cookie }, signal: AbortSignal.timeout(10_000) });
        await response.body?.cancel();
        const etag = response.headers.get('etag');
        if (response.status !== 200 || !etag) throw new Error(`GET /api/inbox answered ${response.status} without an ETag`);
        return etag;
      }),
    );

  const inboxLoad = async (label: string, seconds: number, conditional: boolean, timeline?: { fanOutEnd: () => number | undefined; received: () => number }): Promise<InboxRun> => {
    const tags = conditional ? await etags() : [];
    const before = await readCpu();
    const receivedBefore = timeline?.received();
    const started = performance.now();
    // Each connection keeps one session (and, for the 304 load, that session's ETag).
    let clients = 0;
    const expected = conditional ? '304' : '200';
    const result = await runCannon({
      url: `${baseUrl}/api/inbox`,
      method: 'GET',
      connections: INBOX_CONNECTIONS,
      duration: seconds,
      setupClient: (c) => {
        const index = clients++ % sessions.length;
        c.setHeaders(conditional ? { cookie: sessions[index]!.cookie, 'if-none-match': tags[index]! } : { cookie: sessions[index]!.cookie });
      },
    });
    const load: LoadResult = {
      seconds: result.duration,
      ok: result.statusCodeStats?.[expected]?.count ?? 0,
      p50: result.latency.p50,
      p99: result.latency.p99,
      others: [statusSummary(result, expected), result.errors ? `errors×${result.errors}` : '', result.timeouts ? `timeouts×${result.timeouts}` : ''].filter(Boolean).join(', '),
      errors: result.errors + result.timeouts,
    };
    const ended = performance.now();
    const after = await readCpu();
    if (load.errors) problems.push(`${label}: ${load.errors} connection errors or timeouts`);
    const run: InboxRun = { label, load, rate: load.ok / load.seconds, cpu: cpuUse(before, after) };
    if (timeline) {
      const end = timeline.fanOutEnd();
      run.fanOutShare = end === undefined ? 1 : Math.max(0, Math.min(1, (end - started) / (ended - started)));
      run.emailRate = (timeline.received() - receivedBefore!) / ((ended - started) / 1000);
    }
    log(`${label}: ${fmt(run.rate, 0)} ${conditional ? 304 : 200}/s, p50 ${fmt(load.p50, 1)} ms, p99 ${fmt(load.p99, 1)} ms${load.others ? `, other answers ${load.others}` : ''}; CPU ${cpuText(run.cpu)}`);
    return run;
  };

  // Baseline: no fan-out.
  await runCannon({ url: `${baseUrl}/api/inbox`, method: 'GET', connections: INBOX_CONNECTIONS, duration: 2, headers: { cookie: sessions[0]!.cookie } });
  const baseline = await inboxLoad('baseline inbox (200)', INBOX_SECONDS, false);
  const baseline304 = await inboxLoad('baseline inbox (If-None-Match, 304)', NOT_MODIFIED_SECONDS, true);

  // The publication, and the fan-out.
  const countsBefore = catcher.counts();
  const totalBefore = catcher.total;
  await pause(1000);
  log(`publishing to ${TARGET.profession} × department ${TARGET.department}: ${(RECIPIENTS + PROFESSIONALS).toLocaleString('en-US')} professionals`);
  const cpuBeforePublish = await readCpu();
  const message = await publish(content('Conduite à tenir en cas d’indisponibilité de Pro Santé Connect'));
  const cpuPublish = cpuUse(cpuBeforePublish, await readCpu());
  const publishedAt = performance.now();
  const queued = (await emailsOf(message.id)).reduce((sum, row) => sum + row.n, 0);
  const recipients = Number((await observer.query<{ n: string }>('select count(*) as n from message_recipients where message_id = $1', [message.id])).rows[0]?.n ?? 0);
  log(`published ${message.reference} in ${fmt(message.queueingMs, 0)} ms: ${recipients.toLocaleString('en-US')} recipients, ${queued.toLocaleString('en-US')} e-mails queued`);
  if (queued !== RECIPIENTS + PROFESSIONALS) problems.push(`${queued} e-mails queued, ${RECIPIENTS + PROFESSIONALS} expected`);

  // The catcher's count, sampled: the timeline of the fan-out.
  const received = () => catcher.total - totalBefore;
  const samples: Array<{ at: number; received: number }> = [{ at: publishedAt, received: received() }];
  let fanOutEnd: number | undefined;
  let lastReport = publishedAt;
  const sampler = setInterval(() => {
    const now = performance.now();
    const count = received();
    samples.push({ at: now, received: count });
    if (fanOutEnd === undefined && count >= queued) fanOutEnd = now;
    if (now - lastReport >= 10_000 && fanOutEnd === undefined) {
      const earlier = samples.findLast((s) => s.at <= now - 10_000) ?? samples[0]!;
      log(`fan-out: ${count.toLocaleString('en-US')} / ${queued.toLocaleString('en-US')} received (${fmt((count - earlier.received) / ((now - earlier.at) / 1000), 0)}/s over the last 10 s)`);
      lastReport = now;
    }
  }, 100);
  onCleanup(() => clearInterval(sampler));

  const timeline = { fanOutEnd: () => fanOutEnd, received };
  const during = await inboxLoad('inbox during the fan-out (200)', INBOX_SECONDS, false, timeline);
  const during304 = await inboxLoad('inbox during the fan-out (If-None-Match, 304)', NOT_MODIFIED_SECONDS, true, timeline);
  const loadEnded = performance.now();
  const receivedAtLoadEnd = received();
  const cpuAfterLoad = await readCpu();

  const complete = await waitFor('the last e-mails', () => fanOutEnd !== undefined, Math.max(0, FANOUT_SECONDS * 1000 - (loadEnded - publishedAt)), 100);
  const cpuAlone = cpuUse(cpuAfterLoad, await readCpu());
  clearInterval(sampler);
  const endAt = fanOutEnd ?? performance.now();
  const delivered = received();
  if (!complete) problems.push(`only ${delivered} of ${queued} e-mails received within ${FANOUT_SECONDS} s`);
  // The sender records each outcome just after the relay's answer.
  if (complete) await waitFor('the outcomes to be recorded', async () => (await emailsOf(message.id)).every((r) => r.status !== 'queued' && r.status !== 'sending'), 30_000, 200);
  const statuses = await emailsOf(message.id);
  const notSent = statuses.filter((r) => r.status !== 'sent');
  if (notSent.length) problems.push(`e-mail rows not sent: ${notSent.map((r) => `${r.status}×${r.n}`).join(', ')}`);

  // Exactly one e-mail of this message per recipient, none to anyone else.
  const countsAfter = catcher.counts();
  const addresses = (await observer.query<{ address: string }>('select address from message_emails where message_id = $1', [message.id])).rows.map((r) => r.address.toLowerCase());
  const expected = new Set(addresses);
  let notExactlyOne = 0;
  let duplicated = 0;
  let none = 0;
  for (const address of expected) {
    const got = (countsAfter.get(address) ?? 0) - (countsBefore.get(address) ?? 0);
    if (got !== 1) notExactlyOne++;
    if (got > 1) duplicated++;
    if (got === 0) none++;
  }
  let unexpected = 0;
  for (const [address, count] of countsAfter) if (!expected.has(address) && count !== (countsBefore.get(address) ?? 0)) unexpected++;
  if (notExactlyOne) problems.push(`${notExactlyOne} recipients did not receive exactly one e-mail (${duplicated} more than one, ${none} none)`);
  if (unexpected) problems.push(`${unexpected} addresses that were not recipients received an e-mail`);

  // Rates: overall, during the inbox loads, without them, and the best 5 s.
  const fanOutSeconds = (endAt - publishedAt) / 1000;
  const overallRate = delivered / fanOutSeconds;
  const aloneSeconds = (endAt - loadEnded) / 1000;
  const aloneRate = fanOutEnd !== undefined && fanOutEnd > loadEnded && aloneSeconds >= 1 ? (delivered - receivedAtLoadEnd) / aloneSeconds : undefined;
  const rates5s: number[] = [];
  for (const sample of samples) {
    const later = samples.find((s) => s.at >= sample.at + 5000);
    if (!later || later.at > endAt + 200) break;
    rates5s.push((later.received - sample.received) / ((later.at - sample.at) / 1000));
  }
  const firstEmail = samples.find((s) => s.received > 0);

  const serverErrors = server
    .output()
    .split('\n')
    .filter((line) => /"level":(50|60)/.test(line));
  if (serverErrors.length) problems.push(`the server logged ${serverErrors.length} errors`);

  // ---------------------------------------------------------------------------------------------
  const cpus = os.cpus();
  const loads = (values: number[]) => values.map((value) => fmt(value, 2)).join(' / ');
  const ratio = (run: InboxRun, reference: InboxRun) => `${fmt(run.rate / reference.rate, 2)}×`;
  const row = (run: InboxRun, reference?: InboxRun) =>
    `| ${run.label} | ${fmt(run.rate, 0)} | ${reference ? ratio(run, reference) : '1.00×'} | ${fmt(run.load.p50, 1)} / ${fmt(run.load.p99, 1)} | ${run.load.others || '0'} | ${run.fanOutShare === undefined ? '—' : `${fmt(run.fanOutShare * 100, 0)} %`} | ${run.emailRate === undefined ? '—' : fmt(run.emailRate, 0)} | ${fmt(run.cpu.server, 2)} / ${fmt(run.cpu.bench, 2)} / ${fmt(run.cpu.postgres, 2)} / ${fmt(run.cpu.machine, 2)} |`;
  const lines = [
    '',
    `Machine: ${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, PostgreSQL on ${new URL(DATABASE_URL).host}`,
    `Load average (1 / 5 / 15 min): ${loads(loadAtStart)} at start, ${loads(os.loadavg())} at end — other work on the machine takes cores from every figure below`,
    pinned
      ? 'Cores: server (HTTP and its e-mail sender, one process) on core 0; this process (autocannon and the SMTP catcher) on core 1; PostgreSQL not pinned (both cores)'
      : 'Cores: not pinned (one core or no taskset)',
    `Settings: ${RECIPIENTS.toLocaleString('en-US')} synthetic pharmacists of Gironde + ${PROFESSIONALS} signed in (+ 1 operator, not targeted); MESSAGES_SMTP_CONNECTIONS=${SMTP_CONNECTIONS}; ` +
      `MESSAGES_EMAILS_PER_SECOND=${EMAILS_PER_SECOND} (the maximum: the sender unpaced, its capacity measured; a real relay gets the shipped 50/s); ` +
      `PRO_REQUESTS_PER_MINUTE raised; admission control as shipped; inbox loads: ${INBOX_CONNECTIONS} connections, ${INBOX_SECONDS} s (304: ${NOT_MODIFIED_SECONDS} s), ${PROFESSIONALS} sessions`,
    `Seeding: ${fmt(seedSeconds, 1)} s (insert and analyze; not part of the figures)`,
    '',
    `Queueing (POST /api/messages/:id/publish, one transaction): ${fmt(message.queueingMs, 0)} ms for ${recipients.toLocaleString('en-US')} recipients and ${queued.toLocaleString('en-US')} e-mails queued ` +
      `(${fmt(queued / (message.queueingMs / 1000), 0)} rows/s); CPU meanwhile: ${cpuText(cpuPublish).replace(/; [^;]*xact\/s$/, '')}`,
    `Fan-out: ${delivered.toLocaleString('en-US')} / ${queued.toLocaleString('en-US')} e-mails into the catcher ${complete ? 'in' : 'after'} ${fmt(fanOutSeconds, 1)} s from the publish answer ` +
      `(${fmt(fanOutSeconds + message.queueingMs / 1000, 1)} s from the click); first e-mail after ${firstEmail ? `${fmt((firstEmail.at - publishedAt) / 1000, 1)} s` : '—'}`,
    `E-mails per second: ${fmt(overallRate, 0)} on average; ${fmt(during.emailRate, 0)} during the inbox load (200), ${fmt(during304.emailRate, 0)} during the 304 load; ` +
      `${aloneRate === undefined ? '— (the fan-out ended within the inbox loads)' : `${fmt(aloneRate, 0)} without inbox load`}; best 5 s ${fmt(Math.max(...rates5s), 0)}, worst 5 s ${fmt(Math.min(...rates5s), 0)}, median 5 s ${fmt(percentile([...rates5s], 50), 0)}`,
    `CPU during the fan-out without inbox load: ${aloneRate === undefined ? '—' : cpuText(cpuAlone)}`,
    `Delivery: ${statuses.map((r) => `${r.status}×${r.n.toLocaleString('en-US')}`).join(', ')}; recipients without exactly one e-mail: ${notExactlyOne} (more than one: ${duplicated}, none: ${none}); e-mails to non-recipients: ${unexpected}`,
    '',
    '| inbox load | answers/s | ratio to baseline | p50 / p99 ms | other answers | fan-out running | e-mails/s meanwhile | CPU (cores): server / bench process / PostgreSQL / machine |',
    '|---|--:|--:|--:|---|--:|--:|---|',
    row(baseline),
    row(baseline304),
    row(during, baseline),
    row(during304, baseline304),
    '',
    'answers/s: 200 (or 304 with If-None-Match) answers per second, closed loop (autocannon); compare each row with its own baseline.',
    '"fan-out running": the share of the load during which e-mails were still being sent (below 100 %, the row mixes with and without fan-out). CPU: seconds',
    'of CPU per second, from /proc; "bench process" is the load generator and the SMTP catcher together, "PostgreSQL" the backends connected to the bench',
    'database; xact/s from pg_stat_database (backends report with a lag of up to a second). The signed-in pharmacists see 2 messages in their inbox during',
    'the fan-out, 1 in the baseline (the warm-up message).',
  ];
  if (CPU_PROF_DIR) lines.push('', `CPU profile of the server: ${CPU_PROF_DIR}`);
  if (problems.length) lines.push('', 'PROBLEMS:', ...problems.map((p) => `  - ${p}`));
  console.log(lines.join('\n'));
  if (serverErrors.length) console.error(`server logged ${serverErrors.length} errors, the last ones:\n${serverErrors.slice(-3).join('\n').slice(0, 4000)}`);
  // Stopped gracefully (its CPU profile written) before cleanup drops the database.
  await server.stop(30_000);
  return problems.length ? 1 : 0;
}

void runBounded('bench:messages', TIMEOUT_SECONDS, main, cleanup);
