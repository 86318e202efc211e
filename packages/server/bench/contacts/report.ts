/** The figures of a run: against the ground truth, against the protocol's own decision, and the server's work. */
import { MAX_REPORT_HELLOS } from '@prostopcovid/contracts/robert';
import { DEFAULT_SCORING } from '../../src/modules/robert/scoring.js';
import { fmt } from '../shared.js';
import { parisMidnight, type SimulationOutcome } from './simulation.js';
import type { Settings } from './settings.js';
import { PLACE_KINDS, type PlaceKind } from './town.js';
import { expectedNotifications, exposuresOfCase, isTrueContact, mainKind, MARGIN_SECONDS, TRUTH_SECONDS, truthOfPhones, type PhoneTruth } from './truth.js';

const HOUR_MS = 3_600_000;

function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const ratio = (a: number, b: number) => (b === 0 ? undefined : a / b);
const round = (value: number | undefined, digits = 3) => (value === undefined || !Number.isFinite(value) ? null : Number(value.toFixed(digits)));

type Bucket = 'under 15 min' | '15-17 min' | '17-30 min' | '30-60 min' | 'over 60 min';
function minutesBucket(seconds: number): Bucket {
  if (seconds < 15 * 60) return 'under 15 min';
  if (seconds < 17 * 60) return '15-17 min';
  if (seconds < 30 * 60) return '17-30 min';
  if (seconds < 60 * 60) return '30-60 min';
  return 'over 60 min';
}
const BUCKETS: readonly Bucket[] = ['under 15 min', '15-17 min', '17-30 min', '30-60 min', 'over 60 min'];

export function summarise(settings: Settings, outcome: SimulationOutcome) {
  const { cases, notifiedAt } = outcome;
  const declared = cases.filter((c) => c.declared);
  // Ground truth: each declared case's window as the server returned it, up to the declaration.
  const perCase = declared.map((c) => exposuresOfCase(outcome.contactsByCase.get(c.phone)!, parisMidnight(c.window!.from), c.declareAt));
  const truth = truthOfPhones(perCase);
  const truePhones = new Set([...truth].filter(([, t]) => isTrueContact(t)).map(([id]) => id));
  const notified = new Set(notifiedAt.keys());
  const both = [...notified].filter((id) => truePhones.has(id));
  const marginPhones = new Set([...truePhones].filter((id) => truth.get(id)!.maxWithin2 < MARGIN_SECONDS));
  const bothOutsideMargin = both.filter((id) => !marginPhones.has(id));

  // The protocol's own decision from what was reported (scoring v2 on the reported HELLOs).
  const expected = expectedNotifications(outcome.scored, outcome.polls, outcome.timeStartNtp);
  const expectedPhones = new Set([...expected].filter(([, e]) => e.notifiedAt !== undefined).map(([id]) => id));
  const agree = [...notified].filter((id) => expectedPhones.has(id)).length;

  // Why true contacts were missed, and who was notified without being one.
  const missed: Record<string, number> = {};
  for (const id of truePhones) {
    if (notified.has(id)) continue;
    const e = expected.get(id);
    const t = truth.get(id)!;
    let reason: string;
    if (!e || e.atRiskAt === undefined) reason = t.maxWithin2 < MARGIN_SECONDS ? 'score below the threshold, 15-17 min within 2 m' : 'score below the threshold, 17+ min within 2 m';
    else if (e.notifiedAt === undefined) reason = (outcome.polls.get(id) ?? []).some((at) => at > e.atRiskAt!) ? 'at risk, but last contact over 7 days old at its next status' : 'at risk, no status request since';
    else reason = 'CHAIN: the protocol says notified, the server did not';
    missed[reason] = (missed[reason] ?? 0) + 1;
  }
  const falsePositives = [...notified].filter((id) => !truePhones.has(id));
  const fpByKind: Partial<Record<PlaceKind, number>> = {};
  const fpByWithin2: Partial<Record<Bucket, number>> = {};
  const fpByWithin3: Partial<Record<Bucket, number>> = {};
  const fpByWithin5: Partial<Record<Bucket, number>> = {};
  const fpByInRange: Partial<Record<Bucket, number>> = {};
  const inc = <K extends string>(record: Partial<Record<K, number>>, key: K) => (record[key] = (record[key] ?? 0) + 1);
  for (const id of falsePositives) {
    const t: PhoneTruth = truth.get(id) ?? { maxWithin2: 0, maxWithin3: 0, maxWithin5: 0, maxInRange: 0, byKind: {} };
    inc(fpByKind, mainKind(t));
    inc(fpByWithin2, minutesBucket(t.maxWithin2));
    inc(fpByWithin3, minutesBucket(t.maxWithin3));
    inc(fpByWithin5, minutesBucket(t.maxWithin5));
    inc(fpByInRange, minutesBucket(t.maxInRange));
  }
  const tpByKind: Partial<Record<PlaceKind, number>> = {};
  for (const id of both) inc(tpByKind, mainKind(truth.get(id)!));
  const truthByKind: Partial<Record<PlaceKind, number>> = {};
  for (const id of truePhones) inc(truthByKind, mainKind(truth.get(id)!));

  // Time from the report that put a phone at risk to its notification.
  const virtualHours: number[] = [];
  const wallSeconds: number[] = [];
  for (const [id, at] of notifiedAt) {
    const e = expected.get(id);
    if (e?.atRiskAt === undefined || e.byCase === undefined) continue;
    virtualHours.push((at - e.atRiskAt) / HOUR_MS);
    const report = cases.find((c) => c.phone === e.byCase);
    if (report?.reportWallMs !== undefined) wallSeconds.push((outcome.notifiedWallMs.get(id)! - report.reportWallMs) / 1000);
  }

  const processingMs = declared.reduce((n, c) => n + (c.processingMs ?? 0), 0);
  const plans = cases.map((c) => c.plan!);
  const reportedHellos = declared.reduce((n, c) => n + (c.accepted ?? 0), 0);
  const figures = outcome.figures;
  const burst = outcome.burst;
  // Server-side mean time of a route (the server's HTTP duration histogram), between two scrapes.
  const serverMs = (route: string, before: typeof figures | undefined, after: typeof figures) => {
    const a = after.routes[route] ?? { count: 0, seconds: 0 };
    const b = before?.routes[route] ?? { count: 0, seconds: 0 };
    return round(ratio((a.seconds - b.seconds) * 1000, a.count - b.count), 2);
  };
  return {
    settings: {
      phones: settings.phones,
      cases: settings.cases,
      seed: settings.seed,
      noiseDb: settings.noiseDb,
      calibrationSdDb: settings.noiseDb / 2,
      pathLossExponent: settings.pathLossExponent,
      rssiAt1mDbm: settings.rssiAt1m,
      rangeM: settings.rangeM,
      helloPeriodSeconds: 10,
      days: settings.days,
      database: outcome.database,
    },
    town: outcome.town.counts,
    run: {
      virtualDays: round(outcome.virtualMinutes / 1440, 2),
      stoppedEarly: outcome.stoppedEarly,
      wallSeconds: { total: round(outcome.wall.total, 1), townAndPlans: round(outcome.wall.town, 1), setup: round(outcome.wall.setup, 1), registration: round(outcome.wall.registration, 1), fortnight: round(outcome.wall.loop, 1) },
      registrationsPerSecond: round(outcome.registration.phones / outcome.registration.seconds, 1),
      registerHttpMs: { p50: round(percentile(outcome.registerLatenciesMs, 50), 1), p99: round(percentile(outcome.registerLatenciesMs, 99), 1) },
      registerServerMeanMs: serverMs('register', undefined, outcome.figuresBeforeBurst),
    },
    cases: {
      chosen: cases.length,
      declared: declared.length,
      errors: cases.filter((c) => c.error).map((c) => ({ phone: c.phone, error: c.error })),
      windowsAsPredicted: declared.filter((c) => c.window!.from === c.predictedWindow.from && c.window!.to === c.predictedWindow.to).length,
      hellosInRangeAt10s: plans.reduce((n, p) => n + p.inRange, 0),
      hellosInRangePerCase: { p50: percentile(plans.map((p) => p.inRange), 50), max: Math.max(0, ...plans.map((p) => p.inRange)) },
      hellosReported: reportedHellos,
      rejectedOutsideWindow: declared.reduce((n, c) => n + (c.rejectedOutsideWindow ?? 0), 0),
      thinnedReports: plans.filter((p) => p.thinning > 1).length,
      thinning: Object.fromEntries([...new Set(plans.map((p) => p.thinning))].sort((a, b) => a - b).map((k) => [`1 in ${k}`, plans.filter((p) => p.thinning === k).length])),
      hellosBuilt: outcome.hellos.built,
      hellosWithoutTuple: outcome.hellos.missingTuple,
    },
    groundTruth: {
      definition: `>= ${TRUTH_SECONDS / 60} min cumulated within 2 m of one case during its declaration window (true distances)`,
      trueContacts: truePhones.size,
      notified: notified.size,
      truePositives: both.length,
      falsePositives: falsePositives.length,
      falseNegatives: truePhones.size - both.length,
      precision: round(ratio(both.length, notified.size)),
      recall: round(ratio(both.length, truePhones.size)),
      recallWithout15to17Min: round(ratio(bothOutsideMargin.length, truePhones.size - marginPhones.size)),
      trueContactsWith15to17Min: marginPhones.size,
      missedBecause: missed,
      trueContactsByPlace: truthByKind,
      truePositivesByPlace: tpByKind,
      falsePositivesByPlace: fpByKind,
      falsePositivesByMinutesWithin2m: fpByWithin2,
      falsePositivesByMinutesWithin3m: fpByWithin3,
      falsePositivesByMinutesWithin5m: fpByWithin5,
      falsePositivesByMinutesInRange: fpByInRange,
    },
    protocolCheck: {
      definition: 'scoring v2 (the server scoring function) on the HELLOs the cases reported, R >= 0.1, last contact within 7 days at the status request',
      expectedNotified: expectedPhones.size,
      notified: notified.size,
      agree,
      notifiedNotExpected: notified.size - agree,
      expectedNotNotified: expectedPhones.size - agree,
      riskThreshold: DEFAULT_SCORING.riskThreshold,
    },
    server: {
      reportsReceived: figures.reportsReceived,
      reportsProcessed: figures.reportsProcessed,
      hellosReceived: figures.hellosReceived,
      hellosChecked: figures.hellosChecked,
      hellosValid: figures.hellosValid,
      dropped: figures.dropped,
      users: figures.users,
      workerSeconds: round(processingMs / 1000, 2),
      hellosValidatedPerSecond: round(ratio(figures.hellosValid, processingMs / 1000), 0),
      reportServerMeanMs: serverMs('report', undefined, outcome.figuresBeforeBurst),
      reportProcessingSeconds: { p50: round(percentile(declared.map((c) => (c.processingMs ?? 0) / 1000), 50), 2), max: round(Math.max(0, ...declared.map((c) => (c.processingMs ?? 0) / 1000)), 2) },
    },
    status: {
      duringFortnight: {
        requests: outcome.statusLatenciesMs.length,
        perSecondWhileBusy: round(ratio(outcome.statusLatenciesMs.length, outcome.statusBusyMs / 1000), 0),
        p50Ms: round(percentile(outcome.statusLatenciesMs, 50), 1),
        p99Ms: round(percentile(outcome.statusLatenciesMs, 99), 1),
        serverMeanMs: serverMs('status', undefined, outcome.figuresBeforeBurst),
        errors: outcome.statusErrors,
      },
      burst: burst && {
        requests: burst.requests,
        concurrency: settings.concurrency,
        perSecond: round(burst.requests / burst.seconds, 0),
        p50Ms: round(percentile(burst.latenciesMs, 50), 1),
        p99Ms: round(percentile(burst.latenciesMs, 99), 1),
        serverMeanMs: serverMs('status', outcome.figuresBeforeBurst, figures),
        atRiskNotYetNotified: burst.atRiskNotYetNotified,
        errors: burst.errors,
      },
    },
    notificationDelay: {
      phones: virtualHours.length,
      virtualHours: { p50: round(percentile(virtualHours, 50), 1), p90: round(percentile(virtualHours, 90), 1), max: round(Math.max(0, ...virtualHours), 1) },
      wallSeconds: { p50: round(percentile(wallSeconds, 50), 1), p90: round(percentile(wallSeconds, 90), 1), max: round(Math.max(0, ...wallSeconds), 1) },
    },
  };
}

export type Summary = ReturnType<typeof summarise>;

const table = (rows: ReadonlyArray<readonly [string, string]>) => {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
};
const record = (r: Partial<Record<string, number>>, order?: readonly string[]) =>
  (order ?? Object.keys(r))
    .filter((k) => r[k])
    .map((k) => `${k} ${r[k]}`)
    .join(', ') || '—';

export function printSummary(s: Summary): string {
  const g = s.groundTruth;
  const p = s.protocolCheck;
  const lines = [
    '',
    `ROBERT phone simulation — ${s.settings.phones} phones, ${s.cases.declared}/${s.cases.chosen} cases declared, seed "${s.settings.seed}", ` +
      `noise σ = ${s.settings.noiseDb} dB (calibration σ ${s.settings.calibrationSdDb} dB), path loss n = ${s.settings.pathLossExponent}, ` +
      `${s.settings.rssiAt1mDbm} dBm at 1 m, range ${s.settings.rangeM} m, ${s.run.virtualDays} virtual days, ${s.settings.database}`,
    `Town: ${s.town.households} households, ${s.town.worker} workers (${s.town.workplaces} workplaces, ${s.town.offices} offices), ${s.town.student} students (${s.town.classes} classes), ` +
      `${s.town.home} at home, ${s.town.commuters} commuters on ${s.town.lines} lines, ${s.town.shops} shops, ${s.town.supermarkets} supermarkets`,
    '',
    'Against the ground truth (15 min cumulated within 2 m of a case in its window, true distances):',
    table([
      ['true contacts / notified', `${g.trueContacts} / ${g.notified}`],
      ['precision', `${fmt(g.precision ?? undefined, 3)} (${g.truePositives} of ${g.notified})`],
      ['recall', `${fmt(g.recall ?? undefined, 3)} (${g.truePositives} of ${g.trueContacts})`],
      ['recall without 15-17 min pairs', `${fmt(g.recallWithout15to17Min ?? undefined, 3)} (${g.trueContactsWith15to17Min} true contacts had 15-17 min)`],
      ['missed because', record(g.missedBecause)],
      ['true contacts by place', record(g.trueContactsByPlace, PLACE_KINDS)],
      ['notified, not true, by place', record(g.falsePositivesByPlace, PLACE_KINDS)],
      ['  … by min within 2 m', record(g.falsePositivesByMinutesWithin2m, BUCKETS)],
      ['  … by min within 3 m', record(g.falsePositivesByMinutesWithin3m, BUCKETS)],
      ['  … by min within 5 m', record(g.falsePositivesByMinutesWithin5m, BUCKETS)],
      ['  … by min in range', record(g.falsePositivesByMinutesInRange, BUCKETS)],
    ]),
    '',
    'Chain check (the protocol computed offline from the reported HELLOs with the server scoring function):',
    table([
      ['expected / notified / both', `${p.expectedNotified} / ${p.notified} / ${p.agree}`],
      ['notified, not expected', String(p.notifiedNotExpected)],
      ['expected, not notified', String(p.expectedNotNotified)],
    ]),
    '',
    'Server:',
    table([
      ['reports received / processed', `${s.server.reportsReceived} / ${s.server.reportsProcessed}`],
      [
        'HELLOs in range (1 per 10 s)',
        `${fmt(s.cases.hellosInRangeAt10s, 0)} in the cases' windows (per case p50 ${fmt(s.cases.hellosInRangePerCase.p50, 0)}, max ${fmt(s.cases.hellosInRangePerCase.max, 0)}); ` +
          `reported ${fmt(s.cases.hellosReported, 0)} (${s.cases.thinnedReports} reports thinned to fit ${fmt(MAX_REPORT_HELLOS, 0)}: ${record(s.cases.thinning)})`,
      ],
      ['HELLOs received / checked / valid', `${fmt(s.server.hellosReceived, 0)} / ${fmt(s.server.hellosChecked, 0)} / ${fmt(s.server.hellosValid, 0)}`],
      ['dropped by reason', Object.values(s.server.dropped).some((n) => n > 0) ? record(s.server.dropped) : `none (0 of ${fmt(s.server.hellosChecked, 0)} checked)`],
      [
        'worker time',
        `${fmt(s.server.workerSeconds ?? undefined, 2)} s: ${fmt(s.server.hellosValidatedPerSecond ?? undefined, 0)} HELLOs validated/s; per report p50 ${fmt(s.server.reportProcessingSeconds.p50 ?? undefined, 2)} s, ` +
          `max ${fmt(s.server.reportProcessingSeconds.max ?? undefined, 2)} s (POST report itself: ${fmt(s.server.reportServerMeanMs ?? undefined, 0)} ms mean)`,
      ],
      [
        'status during the fortnight',
        `${s.status.duringFortnight.requests} requests, ${fmt(s.status.duringFortnight.perSecondWhileBusy ?? undefined, 0)}/s while busy; HTTP p50 ${fmt(s.status.duringFortnight.p50Ms ?? undefined)} ms, ` +
          `p99 ${fmt(s.status.duringFortnight.p99Ms ?? undefined)} ms (server ${fmt(s.status.duringFortnight.serverMeanMs ?? undefined, 2)} ms mean); errors ${record(s.status.duringFortnight.errors)}`,
      ],
      [
        'status burst (all phones at once)',
        s.status.burst
          ? `${s.status.burst.requests} requests, ${s.status.burst.concurrency} in flight: ${fmt(s.status.burst.perSecond ?? undefined, 0)}/s, HTTP p50 ${fmt(s.status.burst.p50Ms ?? undefined)} ms, ` +
            `p99 ${fmt(s.status.burst.p99Ms ?? undefined)} ms (server ${fmt(s.status.burst.serverMeanMs ?? undefined, 2)} ms mean); at risk not yet notified ${s.status.burst.atRiskNotYetNotified}; errors ${record(s.status.burst.errors)}`
          : 'not run (time bound)',
      ],
      ['registrations', `${fmt(s.run.registrationsPerSecond ?? undefined, 0)}/s, 8 in flight; HTTP p50 ${fmt(s.run.registerHttpMs.p50 ?? undefined)} ms, p99 ${fmt(s.run.registerHttpMs.p99 ?? undefined)} ms (server ${fmt(s.run.registerServerMeanMs ?? undefined, 2)} ms mean)`],
      [
        'report → notification',
        `${s.notificationDelay.phones} phones: virtual p50 ${fmt(s.notificationDelay.virtualHours.p50 ?? undefined)} h, p90 ${fmt(s.notificationDelay.virtualHours.p90 ?? undefined)} h, max ${fmt(s.notificationDelay.virtualHours.max ?? undefined)} h; wall p50 ${fmt(s.notificationDelay.wallSeconds.p50 ?? undefined)} s, max ${fmt(s.notificationDelay.wallSeconds.max ?? undefined)} s`,
      ],
    ]),
    '',
    `Wall time: ${fmt(s.run.wallSeconds.total ?? undefined)} s (town and HELLO plans ${fmt(s.run.wallSeconds.townAndPlans ?? undefined)} s, server start ${fmt(s.run.wallSeconds.setup ?? undefined)} s, registration ${fmt(s.run.wallSeconds.registration ?? undefined)} s, fortnight ${fmt(s.run.wallSeconds.fortnight ?? undefined)} s)${s.run.stoppedEarly ? ' — STOPPED EARLY by --max-seconds' : ''}`,
    'Only the HELLOs heard by phones that became cases were built (and only in their declaration windows); every phone registered and polled its status.',
  ];
  return lines.join('\n');
}
