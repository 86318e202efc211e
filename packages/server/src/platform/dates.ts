import { Temporal } from 'temporal-polyfill';
import { AppError } from './errors.js';

/**
 * Calendar dates as the patient lives them: days in Europe/Paris, written YYYY-MM-DD.
 * Every instant and calendar date the server is sent goes through `parseInstant` or
 * `parseIsoDate`: RFC 3339 shapes only, real calendar days (Temporal), and years 1900 to
 * 2100, so no year without four digits ever reaches a comparison, a document or the
 * database. Rules of each act (30 days back, birth not in the future) come after.
 */
export type IsoDate = string;

const EARLIEST_DATE: IsoDate = '1900-01-01';
const LATEST_DATE: IsoDate = '2100-12-31';
const EARLIEST_MS = Date.parse(`${EARLIEST_DATE}T00:00:00Z`);
const AFTER_LATEST_MS = Date.parse(`${LATEST_DATE}T00:00:00Z`) + 86_400_000;

/** RFC 3339 `date-time`; Temporal alone also takes "2026-11-22 10:00Z" or a `[Europe/Paris]` suffix. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:[0-5]\d(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The instant an RFC 3339 date-time names, or undefined if it is malformed, unreal or out of range. */
export function parseInstant(value: string): Date | undefined {
  if (!RFC3339.test(value)) return undefined;
  let ms: number;
  try {
    ms = Temporal.Instant.from(value).epochMilliseconds;
  } catch {
    return undefined; // 2026-02-30, hour 25, offset +24:00
  }
  return ms >= EARLIEST_MS && ms < AFTER_LATEST_MS ? new Date(ms) : undefined;
}

/** A real calendar date YYYY-MM-DD in range (rejects 2026-02-30, which Date would roll over). */
export function parseIsoDate(value: string): IsoDate | undefined {
  if (!ISO_DATE.test(value) || value < EARLIEST_DATE || value > LATEST_DATE) return undefined;
  try {
    return Temporal.PlainDate.from(value, { overflow: 'reject' }).toString();
  } catch {
    return undefined;
  }
}

export const isInstant = (value: string): boolean => parseInstant(value) !== undefined;
export const isValidIsoDate = (value: string): boolean => parseIsoDate(value) !== undefined;

/** For values the request schema already checked: a failure here is still a 400, never a 500. */
export function instantOf(value: string): Date {
  const instant = parseInstant(value);
  if (!instant) throw new AppError('REQUEST_INVALID', { publicDetails: [{ path: '', message: 'date invalide (RFC 3339, années 1900 à 2100)' }] });
  return instant;
}

const parisDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The Paris day of an instant (Intl: ten times faster than Temporal, and lab batches are large). */
export function parisDate(instant: Date): IsoDate {
  const day = parisDay.format(instant);
  // Intl writes year 1 as "1": an instant that skipped parseInstant must not compare as a string.
  if (!ISO_DATE.test(day)) throw new RangeError('instant out of the supported range');
  return day;
}

/** The instant a Paris calendar day starts (00:00 Europe/Paris, whatever the offset that day). */
export function parisDayStart(date: IsoDate): Date {
  return new Date(Temporal.PlainDate.from(date).toZonedDateTime('Europe/Paris').epochMilliseconds);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

/** Whole days from `earlier` to `later` (positive when earlier is before later). */
export function daysBetween(earlier: IsoDate, later: IsoDate): number {
  return Temporal.PlainDate.from(earlier).until(Temporal.PlainDate.from(later)).days;
}

/** A date of birth a record may carry: a real date, not in the future, not before 1900. */
export function isPlausibleBirthDate(value: string, today: IsoDate): boolean {
  return isValidIsoDate(value) && value <= today;
}

/** What French readers expect on documents, in Paris time: "22/11/2026 15:40". */
export function formatParisDateTime(instant: Date): string {
  return instant.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });
}

/** "22/11/2026", the Paris day of an instant. */
export function formatParisDay(instant: Date): string {
  return instant.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
}

/** "2026-11-22" → "22/11/2026". */
export function formatIsoDate(date: IsoDate): string {
  return date.split('-').reverse().join('/');
}
