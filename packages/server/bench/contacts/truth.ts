/**
 * Ground truth, from the town (true distances, continuous time), and what the protocol itself
 * should decide from the HELLOs the cases reported (robert-server's scoring v2, the server's
 * own pure function), to tell a chain failure from a disagreement between the two.
 */
import { EPOCH_SECONDS, EPOCHS_PER_DAY, NOTIFICATION_WINDOW_DAYS, NTP_UNIX_OFFSET_SECONDS } from '@prostopcovid/contracts/robert';
import { aggregateRisk, DEFAULT_SCORING, isAtRisk, scoreContact, type ScoredHello } from '../../src/modules/robert/scoring.js';
import { keptRssi, type HelloPlan } from './radio.js';
import { PLACE_KINDS, type Contact, type PlaceKind } from './town.js';

/** The definition of a contact at risk: 15 minutes cumulated within 2 m during the case's window. */
export const TRUTH_DISTANCE_M = 2;
export const TRUTH_SECONDS = 15 * 60;
/** Pairs with 15-17 minutes: the protocol needs about 16+ minutes over two epochs (see README). */
export const MARGIN_SECONDS = 17 * 60;

export interface Exposure {
  /** Seconds within 2 m, 3 m, 5 m, and in range, during the window. */
  within2: number;
  within3: number;
  within5: number;
  inRange: number;
  /** In-range seconds by kind of place. */
  byKind: Partial<Record<PlaceKind, number>>;
}

/** What each phone lived with one case during that case's window [fromMs, toMs). */
export function exposuresOfCase(contacts: readonly Contact[], fromMs: number, toMs: number): Map<number, Exposure> {
  const out = new Map<number, Exposure>();
  for (const c of contacts) {
    const seconds = (Math.min(c.end, toMs) - Math.max(c.start, fromMs)) / 1000;
    if (seconds <= 0) continue;
    let e = out.get(c.speaker);
    if (!e) out.set(c.speaker, (e = { within2: 0, within3: 0, within5: 0, inRange: 0, byKind: {} }));
    if (c.distance <= TRUTH_DISTANCE_M) e.within2 += seconds;
    if (c.distance <= 3) e.within3 += seconds;
    if (c.distance <= 5) e.within5 += seconds;
    e.inRange += seconds;
    e.byKind[c.kind] = (e.byKind[c.kind] ?? 0) + seconds;
  }
  return out;
}

/** Per phone, over all cases: the most time within 2 m of any one case, and the rest summed. */
export interface PhoneTruth {
  maxWithin2: number;
  maxWithin3: number;
  maxWithin5: number;
  maxInRange: number;
  byKind: Partial<Record<PlaceKind, number>>;
}

export function truthOfPhones(perCase: ReadonlyArray<Map<number, Exposure>>): Map<number, PhoneTruth> {
  const out = new Map<number, PhoneTruth>();
  for (const exposures of perCase) {
    for (const [phone, e] of exposures) {
      let t = out.get(phone);
      if (!t) out.set(phone, (t = { maxWithin2: 0, maxWithin3: 0, maxWithin5: 0, maxInRange: 0, byKind: {} }));
      t.maxWithin2 = Math.max(t.maxWithin2, e.within2);
      t.maxWithin3 = Math.max(t.maxWithin3, e.within3);
      t.maxWithin5 = Math.max(t.maxWithin5, e.within5);
      t.maxInRange = Math.max(t.maxInRange, e.inRange);
      for (const kind of PLACE_KINDS) if (e.byKind[kind]) t.byKind[kind] = (t.byKind[kind] ?? 0) + e.byKind[kind];
    }
  }
  return out;
}

export const isTrueContact = (t: PhoneTruth | undefined) => (t?.maxWithin2 ?? 0) >= TRUTH_SECONDS;

/** The kind of place where a phone spent the most time in range of cases. */
export function mainKind(t: PhoneTruth): PlaceKind {
  let best: PlaceKind = 'home';
  for (const kind of PLACE_KINDS) if ((t.byKind[kind] ?? 0) > (t.byKind[best] ?? 0)) best = kind;
  return best;
}

// ---------------------------------------------------------------------------------------------
// The protocol's own decision, from the reported HELLOs

/** One report as the server scores it: per (speaker, epoch) contact, its v2 score. */
export interface ScoredReport {
  case: number;
  /** Virtual Unix ms when it was processed (the simulation waits for the worker). */
  at: number;
  scores: Array<{ speaker: number; epoch: number; score: number }>;
}

/** Scores each (speaker, epoch) of what the case reported, as the worker does (the server's scoreContact). */
export function scoreReport(plan: HelloPlan, timeStartNtp: number, at: number): ScoredReport {
  const groups = new Map<string, { speaker: number; epoch: number; hellos: ScoredHello[] }>();
  for (let i = 0; i < plan.times.length; i++) {
    const ntp = plan.times[i]! + NTP_UNIX_OFFSET_SECONDS;
    const speaker = plan.speakers[i]!;
    const epoch = epochOf(plan.times[i]! * 1000, timeStartNtp);
    const key = `${speaker}/${epoch}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { speaker, epoch, hellos: [] }));
    group.hellos.push({ timeCollectedOnDevice: ntp, rssiCalibrated: keptRssi(plan.rssi[i]!) });
  }
  return { case: plan.listener, at, scores: [...groups.values()].map((g) => ({ speaker: g.speaker, epoch: g.epoch, score: scoreContact(g.hellos).score })) };
}

const epochOf = (ms: number, timeStartNtp: number) => Math.floor((Math.floor(ms / 1000) + NTP_UNIX_OFFSET_SECONDS - timeStartNtp) / EPOCH_SECONDS);

export interface Expected {
  /** Σ of the phone's epoch scores over all reports. */
  sum: number;
  /** When the reports first put it at risk (virtual Unix ms), if they did. */
  atRiskAt: number | undefined;
  /** The report (case) that did. */
  byCase: number | undefined;
  /** Its first status request that should answer "at risk" (virtual Unix ms). */
  notifiedAt: number | undefined;
}

/**
 * What the protocol should tell each phone: at risk once R = 1 − exp(−r0 Σ) ≥ 0.1, and
 * notified at its first status request after that while its last contact is within 7 days.
 */
export function expectedNotifications(reports: readonly ScoredReport[], polls: ReadonlyMap<number, readonly number[]>, timeStartNtp: number): Map<number, Expected> {
  const byPhone = new Map<number, { sum: number; lastEpoch: number; atRiskAt?: number; byCase?: number; lastEpochAt: Array<{ at: number; lastEpoch: number }> }>();
  for (const report of [...reports].sort((a, b) => a.at - b.at)) {
    const touched = new Set<number>();
    for (const s of report.scores) {
      if (s.score <= 0) continue;
      let p = byPhone.get(s.speaker);
      if (!p) byPhone.set(s.speaker, (p = { sum: 0, lastEpoch: -1, lastEpochAt: [] }));
      p.sum += s.score;
      p.lastEpoch = Math.max(p.lastEpoch, s.epoch);
      touched.add(s.speaker);
    }
    for (const phone of touched) {
      const p = byPhone.get(phone)!;
      p.lastEpochAt.push({ at: report.at, lastEpoch: p.lastEpoch });
      const recent = p.lastEpoch >= epochOf(report.at, timeStartNtp) - NOTIFICATION_WINDOW_DAYS * EPOCHS_PER_DAY;
      if (p.atRiskAt === undefined && recent && isAtRisk(aggregateRisk([p.sum], DEFAULT_SCORING), DEFAULT_SCORING)) {
        p.atRiskAt = report.at;
        p.byCase = report.case;
      }
    }
  }
  const out = new Map<number, Expected>();
  for (const [phone, p] of byPhone) {
    let notifiedAt: number | undefined;
    if (p.atRiskAt !== undefined) {
      for (const at of polls.get(phone) ?? []) {
        if (at <= p.atRiskAt) continue;
        const last = p.lastEpochAt.filter((e) => e.at < at).at(-1)?.lastEpoch ?? -1;
        if (last >= epochOf(at, timeStartNtp) - NOTIFICATION_WINDOW_DAYS * EPOCHS_PER_DAY) {
          notifiedAt = at;
          break;
        }
      }
    }
    out.set(phone, { sum: p.sum, atRiskAt: p.atRiskAt, byCase: p.byCase, notifiedAt });
  }
  return out;
}
