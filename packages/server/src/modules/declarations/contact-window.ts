import { addDays, daysBetween, type IsoDate } from '../../platform/dates.js';

export type Onset = { kind: 'symptoms'; date: IsoDate } | { kind: 'test'; date: IsoDate } | { kind: 'unknown' };

/** TousAntiCovid's published parameters (docs/domain.md, contact window), in days. */
export interface WindowParameters {
  retentionDays: number;
  daysBeforeSymptoms: number;
  daysBeforeTest: number;
  daysAfterOnset: number;
}

export const defaultWindowParameters: WindowParameters = {
  retentionDays: 14,
  daysBeforeSymptoms: 2,
  daysBeforeTest: 7,
  daysAfterOnset: 10,
};

/** Whether an onset date is allowed: from today back to the retention period. */
export function isOnsetDateAllowed(date: IsoDate, today: IsoDate, params = defaultWindowParameters): boolean {
  const ago = daysBetween(date, today);
  return ago >= 0 && ago <= params.retentionDays;
}

/**
 * The days of contact history to share, inclusive, as Europe/Paris calendar dates:
 * symptoms N days ago → from N+2 to max(N-10, 0) days ago; a test M days ago → from M+7
 * to max(M-10, 0) days ago; no date → the whole retention period; never beyond it.
 */
export function contactWindow(onset: Onset, today: IsoDate, params = defaultWindowParameters): { from: IsoDate; to: IsoDate } {
  if (onset.kind === 'unknown') return { from: addDays(today, -params.retentionDays), to: today };
  const ago = daysBetween(onset.date, today);
  const before = onset.kind === 'symptoms' ? params.daysBeforeSymptoms : params.daysBeforeTest;
  const fromAgo = Math.min(ago + before, params.retentionDays);
  const toAgo = Math.max(ago - params.daysAfterOnset, 0);
  return { from: addDays(today, -fromAgo), to: addDays(today, -toAgo) };
}
