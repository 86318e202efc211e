/**
 * `npm run sim:outage`: many professionals recording tests and vaccinations through an outage
 * of the portal and of Pro Santé Connect (DOMAIN.md §4), each with the pro portal's own outbox
 * sender (`OutboxSender` from @prostopcovid/continuity, an in-memory store in place of
 * IndexedDB), against the real server and the PSC sandbox. Reports acts recorded, lost and
 * duplicated (checked in the database), replays absorbed by the idempotency keys, and the
 * request rate when connectivity returns compared with the steady rate: the portal's behaviour
 * (full jitter; the browser's `online` event spread over the backoff window) and, for
 * comparison, a naive client (no jitter, everyone retrying on `online` at once).
 *
 * Phases of each variant: steady (acts sent as they are recorded) → outage (the link to the
 * portal fails like a network error and the PSC sandbox is stopped; acts pile up in the
 * outboxes, the senders back off) → recovery (PSC restarted on the same port, link back;
 * run until every act recorded before recovery is stored) → tail (recording stops, outboxes
 * empty).
 *
 * Settings (env, bounded):
 *   SIM_PROFESSIONALS           simulated pharmacists and nurses, each signed in through PSC (200)
 *   SIM_ACT_INTERVAL_SECONDS    mean time between two acts of one professional, exponential (15)
 *   SIM_STEADY_SECONDS          steady phase (20)
 *   SIM_OUTAGE_SECONDS          outage (30)
 *   SIM_RECOVERY_MAX_SECONDS    bound on the time to send the backlog after the outage (60)
 *   SIM_BACKOFF_BASE_MS         first retry waits up to this (1000; the portal uses 2000)
 *   SIM_BACKOFF_CAP_MS          longest wait (16000; the portal uses 120000, for outages of hours)
 *   SIM_SPACING_MS              the sender's pause between two acts of a backlog (250, as the portal)
 *   SIM_LOST_ANSWERS_PERMILLE   answers dropped after the server stored the act, as a broken connection would (20)
 *   SIM_OUTAGE_SIGN_INS         sign-in attempts during the outage, which fail and feed the server's PSC breaker (10)
 *   SIM_VARIANTS                which recoveries, in order (jitter,no-jitter). jitter: the portal (full jitter;
 *                               on the `online` event every sender retries within a random part of its window);
 *                               no-jitter: a naive client (whole windows; everyone retries on `online` at once);
 *                               online: jitter, but every sender kicked at once on `online`
 *   SIM_DATABASE                pglite (temporary DATA_DIR) or postgres (throw-away database) (pglite)
 *   SIM_DATABASE_URL            PostgreSQL server for SIM_DATABASE=postgres (postgres://postgres@127.0.0.1:5432/test)
 *   SIM_TIMEOUT_SECONDS         hard limit for the whole run (derived from the durations)
 *
 * Everything runs on 127.0.0.1. Exit code 1 when an act is lost or duplicated, an act is
 * refused (load shedding with 429/503 is reported, not a failure: the outbox resends), an
 * outbox does not empty, or on errors.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ACT_PATHS, classifyResponse, generateRetrievalCode, OutboxSender, type ActKind, type BackoffPolicy, type OutboxEntry, type OutboxStore, type SendOutcome } from '@prostopcovid/continuity';
import { professionals as shippedProfessionals, startPscSandbox, type RunningSandbox, type SandboxProfessional } from '@prostopcovid/psc-sandbox';
import { openDatabase } from '../src/db/database.js';
import { parisDate } from '../src/platform/dates.js';
import { freePort, startChild, type ChildServer } from '../src/testing/processes.js';
import { cleanup, serverEnv, createThrowAwayDatabase, intSetting, onCleanup, runBounded, signIn, tempDir, type Session } from './shared.js';

// ---------------------------------------------------------------------------------------------
// Settings

const PROFESSIONALS = intSetting('SIM_PROFESSIONALS', 200, 1, 5000);
const ACT_INTERVAL_S = intSetting('SIM_ACT_INTERVAL_SECONDS', 15, 1, 3600);
const STEADY_S = intSetting('SIM_STEADY_SECONDS', 20, 5, 3600);
const OUTAGE_S = intSetting('SIM_OUTAGE_SECONDS', 30, 5, 3600);
const RECOVERY_MAX_S = intSetting('SIM_RECOVERY_MAX_SECONDS', 60, 5, 3600);
const POLICY: BackoffPolicy = { baseMs: intSetting('SIM_BACKOFF_BASE_MS', 1000, 10, 600_000), capMs: intSetting('SIM_BACKOFF_CAP_MS', 16_000, 10, 3_600_000) };
const SPACING_MS = intSetting('SIM_SPACING_MS', 250, 0, 60_000);
const LOST_ANSWERS = intSetting('SIM_LOST_ANSWERS_PERMILLE', 20, 0, 500) / 1000;
const OUTAGE_SIGN_INS = intSetting('SIM_OUTAGE_SIGN_INS', 10, 0, 1000);
const VARIANTS = (process.env.SIM_VARIANTS || 'jitter,no-jitter').split(',').map((s) => s.trim()) as Variant[];
const DATABASE = process.env.SIM_DATABASE || 'pglite';
const DATABASE_URL = process.env.SIM_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
// Per variant: the phases, the tail (a cap's worth of waiting for the last retries), and margins.
const VARIANT_BOUND_S = STEADY_S + OUTAGE_S + RECOVERY_MAX_S + Math.ceil(POLICY.capMs / 1000) + 40;
const TIMEOUT_S = intSetting('SIM_TIMEOUT_SECONDS', 180 + Math.ceil(PROFESSIONALS / 5) + VARIANTS.length * VARIANT_BOUND_S, 30, 24 * 3600);

type Variant = 'jitter' | 'no-jitter' | 'online';
for (const v of VARIANTS) if (v !== 'jitter' && v !== 'no-jitter' && v !== 'online') throw new Error(`SIM_VARIANTS: unknown variant "${v}"`);
if (DATABASE !== 'pglite' && DATABASE !== 'postgres') throw new Error(`SIM_DATABASE must be pglite or postgres (got "${DATABASE}")`);
if (POLICY.capMs < POLICY.baseMs) throw new Error('SIM_BACKOFF_CAP_MS must be at least SIM_BACKOFF_BASE_MS');

const SERVER_SCRIPT = 'packages/server/src/main.ts';
const REQUEST_TIMEOUT_MS = 30_000;

const started = performance.now();
function log(message: string): void {
  console.error(`[sim ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}
const pause = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

// ---------------------------------------------------------------------------------------------
// Cleanup: children, temp dirs and the throw-away database, whatever happens.


// ---------------------------------------------------------------------------------------------
// Synthetic professionals and acts

/** Pharmacists (21) and nurses (60), who may record both tests and vaccinations, in an RPPS-like range nobody real uses. */
function simulatedProfessionals(count: number): SandboxProfessional[] {
  return Array.from({ length: count }, (_, i) => {
    const pharmacist = i % 2 === 0;
    const n = String(i + 1).padStart(7, '0');
    return {
      idNatPs: `89981${n}`,
      givenName: 'Simulation',
      familyName: `SIM-${pharmacist ? 'PHARMACIEN' : 'INFIRMIER'}-${i + 1}`,
      label: pharmacist ? "Pharmacien d'officine (simulation)" : 'Infirmier (simulation)',
      exercices: [
        {
          codeProfession: pharmacist ? '21' : '60',
          codeCategorieProfessionnelle: 'C',
          activities: [{ raisonSocialeSite: pharmacist ? 'Pharmacie de simulation' : 'Cabinet infirmier de simulation', identifiantTechniqueDeLaStructure: `R9981${n}` }],
        },
      ],
    };
  });
}


let patients = 0;

/** A test (60 %) or a vaccination, as the portal's forms put it in the outbox. */
function newAct(place: string): OutboxEntry {
  const now = new Date();
  const capturedAt = now.toISOString();
  const patient = {
    familyName: `SIMULATION-${++patients}`,
    givenName: 'Camille',
    birthDate: `${1940 + randomInt(65)}-0${1 + randomInt(9)}-1${randomInt(10)}`,
    sex: (['F', 'M', 'U'] as const)[randomInt(3)]!,
  };
  const kind: ActKind = Math.random() < 0.6 ? 'test' : 'vaccination';
  const body =
    kind === 'test'
      ? {
          retrievalCode: generateRetrievalCode(),
          capturedAt,
          patient,
          testType: 'antigen',
          sampledAt: new Date(now.getTime() - 60_000).toISOString(),
          result: Math.random() < 0.1 ? 'detected' : 'not-detected',
          deviceId: '1232',
          place,
        }
      : {
          retrievalCode: generateRetrievalCode(),
          capturedAt,
          patient,
          product: 'EU/1/20/1528',
          doseNumber: 1 + randomInt(2),
          seriesTotal: 2,
          vaccinatedOn: parisDate(now),
          lotNumber: `FK${1000 + randomInt(9000)}`,
          place,
        };
  return { key: randomUUID(), kind, body, capturedAt, status: 'pending', attempts: 0 };
}

// ---------------------------------------------------------------------------------------------
// The network between the professionals and the portal

/** Whether the portal is reachable; requests in flight when it goes down are cut. */
const link = { up: true, inflight: new Set<AbortController>() };

function cutLink(): number {
  link.up = false;
  const cut = link.inflight.size;
  for (const controller of link.inflight) controller.abort(new Error('connection reset'));
  return cut;
}

interface Traffic {
  /** performance.now() of every act request that left for the server (the link was up). */
  sent: number[];
  /** Attempts refused by the cut link, without reaching the server. */
  blocked: number;
  statuses: Map<string, number>;
  lostAnswers: number;
  cutInFlight: number;
  transportErrors: number;
}


/** The portal's `send` (packages/web/src/data/outbox.ts) over Node's fetch, with the link and the lost answers simulated. */
function transportFor(baseUrl: string, session: Session, traffic: Traffic) {
  return async (entry: OutboxEntry): Promise<SendOutcome> => {
    // What fetch does when the server cannot be reached: it throws, the sender retries later.
    if (!link.up) {
      traffic.blocked++;
      throw new TypeError('fetch failed');
    }
    traffic.sent.push(performance.now());
    const controller = new AbortController();
    link.inflight.add(controller);
    try {
      const response = await fetch(`${baseUrl}${ACT_PATHS[entry.kind]}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          cookie: session.cookie,
          'x-csrf-token': session.csrfToken,
          'idempotency-key': entry.key,
        },
        body: JSON.stringify(entry.body),
        signal: AbortSignal.any([controller.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      const body: unknown = await response.json().catch(() => null);
      traffic.statuses.set(String(response.status), (traffic.statuses.get(String(response.status)) ?? 0) + 1);
      // The server has answered (and maybe stored the act) but the answer never arrives.
      if (LOST_ANSWERS > 0 && Math.random() < LOST_ANSWERS) {
        traffic.lostAnswers++;
        throw new TypeError('connection reset before the answer');
      }
      return classifyResponse(response.status, body, response.headers.get('retry-after'));
    } catch (error) {
      if (controller.signal.aborted) traffic.cutInFlight++;
      else if (!(error instanceof TypeError && error.message === 'connection reset before the answer')) traffic.transportErrors++;
      throw error;
    } finally {
      link.inflight.delete(controller);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// One simulated professional: an in-memory outbox, the real sender, acts at random times

interface ClientAct {
  variant: Variant;
  idNatPs: string;
  key: string;
  kind: ActKind;
  capturedAt: number;
  sentAt?: number;
}

class Professional {
  readonly entries = new Map<string, OutboxEntry>();
  readonly sender: OutboxSender;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly session: Session,
    private readonly place: string,
    private readonly variant: Variant,
    private readonly acts: Map<string, ClientAct>,
    transport: (entry: OutboxEntry) => Promise<SendOutcome>,
  ) {
    const store: OutboxStore = {
      all: async () => [...this.entries.values()],
      put: async (entry) => {
        this.entries.set(entry.key, entry);
        const act = this.acts.get(entry.key);
        if (act && entry.status === 'sent' && act.sentAt === undefined) act.sentAt = performance.now();
      },
    };
    this.sender = new OutboxSender({
      store,
      transport,
      policy: POLICY,
      spacingMs: SPACING_MS,
      // Without jitter every wait is the whole capped exponential window.
      random: variant === 'no-jitter' ? () => 1 : Math.random,
    });
  }

  startRecording(): void {
    const next = () => {
      // Exponential intervals: independent professionals, a Poisson stream of acts overall.
      this.timer = setTimeout(() => {
        void this.record();
        next();
      }, -Math.log(1 - Math.random()) * ACT_INTERVAL_S * 1000);
    };
    next();
  }

  stopRecording(): void {
    clearTimeout(this.timer);
  }

  /** What the portal's saveAct does: save locally first, then submit it to the sender. */
  private async record(): Promise<void> {
    const entry = newAct(this.place);
    this.acts.set(entry.key, { variant: this.variant, idNatPs: this.session.idNatPs, key: entry.key, kind: entry.kind, capturedAt: performance.now() });
    this.entries.set(entry.key, entry);
    await this.sender.submit();
  }

  pending(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.status === 'pending') n++;
    return n;
  }
}

// ---------------------------------------------------------------------------------------------
// Server probes (for the report only)

async function openIncidents(baseUrl: string): Promise<string> {
  try {
    const response = await fetch(`${baseUrl}/api/incidents/current`, { signal: AbortSignal.timeout(5000) });
    const { incidents } = (await response.json()) as { incidents: Array<{ component: string }> };
    return incidents.length ? incidents.map((i) => i.component).join(', ') : 'none';
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

/** POST counts by route and status from the server's own /metrics. */
async function serverActCounts(baseUrl: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  for (const line of text.split('\n')) {
    const m = /^http_requests_total\{(.*)\} (\d+(?:\.\d+)?)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (labels.method !== 'POST' || (labels.route !== '/api/tests' && labels.route !== '/api/vaccinations')) continue;
    counts.set(labels.status!, (counts.get(labels.status!) ?? 0) + Number(m[2]));
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// One variant: steady → outage → recovery → tail

interface VariantResult {
  variant: Variant;
  traffic: Traffic;
  recorded: { steady: number; outage: number; recovery: number; total: number };
  steadyMean: number;
  steadyPeak: number;
  recoveryPeak: number;
  recoveryProfile: number[];
  backlogAtRecovery: number;
  backlogProfessionals: number;
  drainMs: number | undefined;
  drained: boolean;
  endStatuses: Map<string, number>;
  incidentDuringOutage: string;
  incidentAfter: string;
  outageSignIns: { tried: number; failed: number };
  pscBackAfterMs: number | undefined;
  pscLastError: string;
}

/** The largest number of requests in any window of `windowMs` between `from` and `to` (sorted times). */
function peakIn(times: number[], from: number, to: number, windowMs = 1000): number {
  const inside = times.filter((t) => t >= from && t < to);
  let best = 0;
  for (let i = 0, j = 0; j < inside.length; j++) {
    while (inside[j]! - inside[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

async function runVariant(
  variant: Variant,
  baseUrl: string,
  sessions: Session[],
  sandboxRef: { current: RunningSandbox },
  acts: Map<string, ClientAct>,
  spareIds: string[],
): Promise<VariantResult> {
  const traffic: Traffic = { sent: [], blocked: 0, statuses: new Map(), lostAnswers: 0, cutInFlight: 0, transportErrors: 0 };
  const pros = sessions.map((s, i) => new Professional(s, `Officine de simulation n° ${i + 1}`, variant, acts, transportFor(baseUrl, s, traffic)));
  const countRecorded = () => [...acts.values()].filter((a) => a.variant === variant).length;

  log(`${variant}: steady phase, ${pros.length} professionals, one act every ${ACT_INTERVAL_S} s each on average (${STEADY_S} s)`);
  const t0 = performance.now();
  for (const p of pros) p.startRecording();
  await pause(STEADY_S * 1000);
  const steadyRecorded = countRecorded();

  // The outage: the portal unreachable (requests in flight cut) and PSC stopped.
  const outageStart = performance.now();
  const cut = cutLink();
  await sandboxRef.current.close();
  log(`${variant}: outage (${OUTAGE_S} s): link cut (${cut} requests in flight), PSC sandbox stopped`);
  // Professionals whose session had ended try to sign in again: PSC is down, so they fail (and the server's breaker sees it).
  const signIns = { tried: 0, failed: 0 };
  const signInAttempts = (async () => {
    for (let i = 0; i < OUTAGE_SIGN_INS; i++) {
      await pause((OUTAGE_S * 1000 * 0.6) / OUTAGE_SIGN_INS);
      signIns.tried++;
      await signIn(baseUrl, spareIds[i % spareIds.length]!).then(
        () => undefined,
        () => void signIns.failed++,
      );
    }
  })();
  await pause(OUTAGE_S * 1000 - (performance.now() - outageStart));
  await signInAttempts;
  const incidentDuringOutage = await openIncidents(baseUrl);
  const outageRecorded = countRecorded() - steadyRecorded;

  // Recovery: PSC back on the same port, then the link.
  sandboxRef.current = await sandboxRef.current.restart();
  const recoveryStart = performance.now();
  const backlogKeys = new Set<string>();
  let backlogProfessionals = 0;
  for (const p of pros) {
    let any = false;
    for (const e of p.entries.values()) if (e.status === 'pending') (backlogKeys.add(e.key), (any = true));
    if (any) backlogProfessionals++;
  }
  link.up = true;
  log(`${variant}: connectivity and PSC back, backlog ${backlogKeys.size} acts in ${backlogProfessionals} outboxes`);
  // A shared network coming back fires every browser's `online` event at once: the portal spreads
  // the retries over the senders' windows; a naive client (and the `online` variant) retries at once.
  if (variant === 'jitter') for (const p of pros) p.sender.networkBack();
  else for (const p of pros) void p.sender.kick();

  // PSC sign-in works again? (the server's breaker may refuse for a probe period)
  let pscBackAfterMs: number | undefined;
  let pscLastError = '';
  const pscProbe = (async () => {
    const deadline = recoveryStart + 30_000;
    while (performance.now() < deadline) {
      try {
        await signIn(baseUrl, spareIds[0]!);
        pscBackAfterMs = performance.now() - recoveryStart;
        return;
      } catch (error) {
        pscLastError = (error as Error).message.slice(0, 200);
        await pause(1000);
      }
    }
  })();

  const backlogLeft = () => [...backlogKeys].filter((k) => acts.get(k)!.sentAt === undefined).length;
  const recoveryDeadline = recoveryStart + RECOVERY_MAX_S * 1000;
  while (backlogLeft() > 0 && performance.now() < recoveryDeadline) await pause(100);
  const drained = backlogLeft() === 0;
  const lastSent = Math.max(recoveryStart, ...[...backlogKeys].map((k) => acts.get(k)!.sentAt ?? 0));
  const drainMs = drained ? lastSent - recoveryStart : undefined;
  const recoveryEnd = drained ? lastSent + 1000 : performance.now();
  if (!drained) log(`${variant}: ${backlogLeft()} backlog acts still unsent after ${RECOVERY_MAX_S} s`);

  // Tail: recording stops; what was recorded last is sent (bounded by one backoff cap and a margin).
  for (const p of pros) p.stopRecording();
  const recoveryRecorded = countRecorded() - steadyRecorded - outageRecorded;
  const tailDeadline = performance.now() + POLICY.capMs + 15_000;
  while (pros.some((p) => p.pending() > 0) && performance.now() < tailDeadline) await pause(100);
  for (const p of pros) p.sender.stop();
  await pscProbe;
  const incidentAfter = await openIncidents(baseUrl);

  const endStatuses = new Map<string, number>();
  for (const p of pros) for (const e of p.entries.values()) endStatuses.set(e.status, (endStatuses.get(e.status) ?? 0) + 1);

  const steadyCount = traffic.sent.filter((t) => t >= t0 && t < outageStart).length;
  const profileSeconds = Math.min(60, Math.ceil((recoveryEnd - recoveryStart) / 1000));
  const recoveryProfile = Array.from({ length: profileSeconds }, (_, s) => traffic.sent.filter((t) => t >= recoveryStart + s * 1000 && t < recoveryStart + (s + 1) * 1000).length);
  return {
    variant,
    traffic,
    recorded: { steady: steadyRecorded, outage: outageRecorded, recovery: recoveryRecorded, total: countRecorded() },
    steadyMean: steadyCount / ((outageStart - t0) / 1000),
    steadyPeak: peakIn(traffic.sent, t0, outageStart),
    recoveryPeak: peakIn(traffic.sent, recoveryStart, recoveryEnd),
    recoveryProfile,
    backlogAtRecovery: backlogKeys.size,
    backlogProfessionals,
    drainMs,
    drained,
    endStatuses,
    incidentDuringOutage,
    incidentAfter,
    outageSignIns: signIns,
    pscBackAfterMs,
    pscLastError,
  };
}

// ---------------------------------------------------------------------------------------------
// The database, read after the server has stopped

interface Verification {
  perVariant: Map<Variant, { clientActs: number; stored: number; lost: number; duplicates: number; kindMismatch: number }>;
  orphans: number;
  withoutKey: number;
  storedTotal: number;
}

async function verify(dbOptions: { url?: string; dataDir?: string }, acts: Map<string, ClientAct>): Promise<Verification> {
  const database = await openDatabase(dbOptions);
  try {
    const { db } = database;
    const rows = [
      ...(await db
        .selectFrom('test_results as a')
        .leftJoin('professionals as p', 'p.id', 'a.professional_id')
        .select(['p.id_nat_ps', 'a.idempotency_key'])
        .execute()).map((r) => ({ ...r, kind: 'test' as const })),
      ...(await db
        .selectFrom('vaccinations as a')
        .innerJoin('professionals as p', 'p.id', 'a.professional_id')
        .select(['p.id_nat_ps', 'a.idempotency_key'])
        .execute()).map((r) => ({ ...r, kind: 'vaccination' as const })),
    ];
    // Keys are scoped to the professional on the server: count rows per (professional, key).
    const stored = new Map<string, { n: number; kind: ActKind }>();
    let withoutKey = 0;
    for (const r of rows) {
      if (!r.idempotency_key) {
        withoutKey++;
        continue;
      }
      const id = `${r.id_nat_ps}/${r.idempotency_key}`;
      const seen = stored.get(id);
      stored.set(id, { n: (seen?.n ?? 0) + 1, kind: r.kind });
    }
    const perVariant: Verification['perVariant'] = new Map();
    const known = new Set<string>();
    for (const act of acts.values()) {
      const id = `${act.idNatPs}/${act.key}`;
      known.add(id);
      const v = perVariant.get(act.variant) ?? { clientActs: 0, stored: 0, lost: 0, duplicates: 0, kindMismatch: 0 };
      v.clientActs++;
      const row = stored.get(id);
      if (!row) v.lost++;
      else {
        v.stored++;
        v.duplicates += row.n - 1;
        if (row.kind !== act.kind) v.kindMismatch++;
      }
      perVariant.set(act.variant, v);
    }
    let orphans = 0;
    for (const [id, row] of stored) if (!known.has(id)) orphans += row.n;
    return { perVariant, orphans, withoutKey, storedTotal: rows.length };
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: string[]) => '| ' + cells.map((c, i) => (i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |';
  return [render(header), '|' + widths.map((w, i) => (i > 0 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|', ...rows.map(render)];
}

/** Load shedding (429/503: the outbox retries) is expected under a surge; any other status is a failure. */
const SHED = new Set(['429', '503']);
function refusals(traffic: Traffic, shed: boolean): number {
  return [...traffic.statuses].filter(([s]) => s !== '200' && s !== '201' && SHED.has(s) === shed).reduce((n, [, c]) => n + c, 0);
}

function report(results: VariantResult[], check: Verification, serverCounts: Map<string, number>, signInSeconds: number): string[] {
  const cpus = os.cpus();
  const lines: string[] = [''];
  lines.push(`Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${fmt(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; database ${DATABASE}`);
  lines.push(
    `Settings: ${PROFESSIONALS} professionals (signed in through PSC in ${fmt(signInSeconds)} s), one act per ${ACT_INTERVAL_S} s each on average (60 % tests), ` +
      `steady ${STEADY_S} s, outage ${OUTAGE_S} s, backoff base ${POLICY.baseMs} ms cap ${POLICY.capMs} ms, spacing ${SPACING_MS} ms, ` +
      `${fmt(LOST_ANSWERS * 100)} % of answers lost on the way back, ${OUTAGE_SIGN_INS} sign-in attempts during each outage`,
  );
  lines.push('');
  const col = (f: (r: VariantResult) => string) => results.map(f);
  const v = (r: VariantResult) => check.perVariant.get(r.variant) ?? { clientActs: 0, stored: 0, lost: 0, duplicates: 0, kindMismatch: 0 };
  const status = (r: VariantResult, s: string) => String(r.traffic.statuses.get(s) ?? 0);
  const rows: Array<[string, string[]]> = [
    ['acts recorded (steady / outage / recovery)', col((r) => `${r.recorded.steady} / ${r.recorded.outage} / ${r.recorded.recovery}`)],
    ['acts recorded by clients', col((r) => String(v(r).clientActs))],
    ['acts stored in the database', col((r) => String(v(r).stored))],
    ['acts LOST (must be 0)', col((r) => String(v(r).lost))],
    ['DUPLICATES (must be 0)', col((r) => String(v(r).duplicates + v(r).kindMismatch))],
    ['answered 201 (stored)', col((r) => status(r, '201'))],
    ['answered 200 (replay absorbed)', col((r) => status(r, '200'))],
    ['shed with 429/503 + Retry-After (resent later)', col((r) => String(refusals(r.traffic, true)))],
    ['conflicts / rejections / errors (must be 0)', col((r) => String(refusals(r.traffic, false)))],
    ['answers lost / requests cut at the outage', col((r) => `${r.traffic.lostAnswers} / ${r.traffic.cutInFlight}`)],
    ['attempts refused by the cut link', col((r) => String(r.traffic.blocked))],
    ['backlog when connectivity returned', col((r) => `${r.backlogAtRecovery} acts in ${r.backlogProfessionals} outboxes`)],
    ['steady rate, mean (req/s)', col((r) => fmt(r.steadyMean))],
    ['steady rate, peak 1 s (req/s)', col((r) => String(r.steadyPeak))],
    ['recovery peak 1 s (req/s)', col((r) => String(r.recoveryPeak))],
    ['recovery peak / steady mean', col((r) => `${fmt(r.recoveryPeak / r.steadyMean)} ×`)],
    ['time to send the backlog (s)', col((r) => (r.drained ? fmt(r.drainMs! / 1000) : `NOT DRAINED in ${RECOVERY_MAX_S}`))],
    ['outboxes at the end', col((r) => [...r.endStatuses].map(([s, n]) => `${n} ${s}`).join(', '))],
    ['PSC sign-ins during the outage (failed/tried)', col((r) => `${r.outageSignIns.failed}/${r.outageSignIns.tried}`)],
    ['open incidents at the end of the outage', col((r) => r.incidentDuringOutage)],
    ['PSC sign-in works again after (s)', col((r) => (r.pscBackAfterMs === undefined ? 'not within 30 s' : fmt(r.pscBackAfterMs / 1000)))],
    ['open incidents after recovery', col((r) => r.incidentAfter)],
  ];
  lines.push(...table(['', ...results.map((r) => (r.variant === 'jitter' ? 'full jitter' : r.variant === 'no-jitter' ? 'no jitter' : 'jitter + online event'))], rows.map(([label, cells]) => [label, ...cells])));
  lines.push('');
  for (const r of results) lines.push(`requests/s after connectivity returned, ${r.variant}: ${r.recoveryProfile.join(' ')}`);
  for (const r of results) if (r.pscBackAfterMs === undefined) lines.push(`PSC sign-in after the outage, ${r.variant}, last error: ${r.pscLastError}`);
  const serverTotal = [...serverCounts.values()].reduce((a, b) => a + b, 0);
  const clientTotal = results.reduce((n, r) => n + r.traffic.sent.length, 0);
  lines.push(`act requests: ${clientTotal} sent by the clients, ${serverTotal} counted by the server's /metrics (${[...serverCounts].map(([s, n]) => `${s}×${n}`).join(', ')})`);
  lines.push(`database: ${check.storedTotal} act rows; ${check.orphans} stored without a client act, ${check.withoutKey} without an idempotency key (both must be 0)`);
  return lines;
}

// ---------------------------------------------------------------------------------------------

async function signInAll(baseUrl: string, ids: string[], concurrency = 4): Promise<Session[]> {
  const sessions: Session[] = new Array(ids.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const i = next++;
        sessions[i] = await signIn(baseUrl, ids[i]!);
      }
    }),
  );
  return sessions;
}

async function main(): Promise<number> {
  let dbEnv: Record<string, string>;
  let dbOptions: { url?: string; dataDir?: string };
  if (DATABASE === 'postgres') {
    const created = await createThrowAwayDatabase(DATABASE_URL, 'sim', onCleanup, log);
    if ('skipped' in created) throw new Error(created.skipped);
    dbEnv = { DATABASE_URL: created.url, DATA_DIR: tempDir('pscv-sim-unused-') };
    dbOptions = { url: created.url };
  } else {
    const dataDir = tempDir('pscv-sim-db-');
    dbEnv = { DATA_DIR: dataDir };
    dbOptions = { dataDir };
  }

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const pros = simulatedProfessionals(PROFESSIONALS);
  // A few more accounts for the sign-in attempts during and after the outage.
  const spares = simulatedProfessionals(PROFESSIONALS + 20).slice(PROFESSIONALS);
  const client = { client_id: 'prostopcovid-sim', client_secret: randomBytes(24).toString('base64url') };
  const sandboxRef = {
    current: await startPscSandbox({
      port: 0,
      host: '127.0.0.1',
      professionals: [...shippedProfessionals, ...pros, ...spares],
      clients: [{ ...client, redirect_uris: [`${baseUrl}/auth/callback`], post_logout_redirect_uris: [`${baseUrl}/`] }],
    }),
  };
  onCleanup(() => sandboxRef.current.close());

  log(`starting the server (src/main.ts, ${DATABASE}) and the PSC sandbox on port ${sandboxRef.current.port}`);
  let server: ChildServer | undefined = await startChild({
    name: 'server',
    script: SERVER_SCRIPT,
    env: serverEnv(
      { port, issuer: sandboxRef.current.issuer, client },
      {
        ...dbEnv,
        PSC_TIMEOUT_MS: '2000',
        // Scaled to a 30 s outage: the breaker checks PSC every 5 s, opens the automatic incident
        // after two failures and closes it soon after PSC returns, within the run.
        PSC_PROBE_SECONDS: '5',
        PSC_WATCH_SECONDS: '5',
        PSC_FAILURE_THRESHOLD: '2',
        // Throw-away document signer: nothing is written to the repository's .data.
        KEYS_DIR: tempDir('pscv-sim-keys-'),
      },
    ),
    readyMarker: 'ProStopCovid est prêt',
  });
  try {
    const signInStart = performance.now();
    const sessions = await signInAll(baseUrl, pros.map((p) => p.idNatPs));
    const signInSeconds = (performance.now() - signInStart) / 1000;
    log(`${sessions.length} professionals signed in through PSC in ${fmt(signInSeconds)} s`);

    const acts = new Map<string, ClientAct>();
    const results: VariantResult[] = [];
    for (const variant of VARIANTS) {
      results.push(await runVariant(variant, baseUrl, sessions, sandboxRef, acts, spares.map((p) => p.idNatPs)));
      await pause(2000);
    }

    const serverCounts = await serverActCounts(baseUrl);
    // PGlite allows one process: the server stops before the database is read.
    await server.stop();
    const errors = server.output().split('\n').filter((line) => /"level":(50|60)/.test(line));
    server = undefined;
    log('server stopped; checking the database');
    const check = await verify(dbOptions, acts);
    console.log(report(results, check, serverCounts, signInSeconds).join('\n'));

    const failures: string[] = [];
    for (const r of results) {
      const v = check.perVariant.get(r.variant);
      if (!v) continue;
      if (v.lost) failures.push(`${r.variant}: ${v.lost} acts lost`);
      if (v.duplicates || v.kindMismatch) failures.push(`${r.variant}: ${v.duplicates + v.kindMismatch} duplicates`);
      const refused = [...r.traffic.statuses].filter(([s]) => s !== '200' && s !== '201' && !SHED.has(s));
      if (refused.length) failures.push(`${r.variant}: answers ${refused.map(([s, n]) => `${s}×${n}`).join(', ')}`);
      if ((r.endStatuses.get('pending') ?? 0) > 0) failures.push(`${r.variant}: ${r.endStatuses.get('pending')} acts still in the outboxes`);
      if (r.traffic.transportErrors) failures.push(`${r.variant}: ${r.traffic.transportErrors} transport errors`);
    }
    if (check.orphans) failures.push(`${check.orphans} stored acts without a client act`);
    if (check.withoutKey) failures.push(`${check.withoutKey} stored acts without an idempotency key`);
    if (errors.length) failures.push(`the server logged ${errors.length} errors, the last: ${errors.slice(-2).join('\n').slice(0, 2000)}`);
    console.log(failures.length ? `\nFAILED:\n- ${failures.join('\n- ')}` : '\nOK: no act lost, none duplicated, none refused.');
    return failures.length ? 1 : 0;
  } catch (error) {
    if (server) console.error(`server output:\n${server.output().slice(-5000)}`);
    throw error;
  } finally {
    await server?.stop();
  }
}

await runBounded('sim', TIMEOUT_S, main, cleanup);
