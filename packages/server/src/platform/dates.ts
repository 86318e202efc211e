/**
 * Calendar dates as the patient lives them: days in Europe/Paris, written YYYY-MM-DD.
 * Arithmetic is done on UTC midnights, which have no daylight-saving jumps.
 */
const parisDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

export type IsoDate = string;

export function parisDate(instant: Date): IsoDate {
  return parisDay.format(instant);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `earlier` to `later` (positive when earlier is before later). */
export function daysBetween(earlier: IsoDate, later: IsoDate): number {
  return Math.round((Date.parse(`${later}T00:00:00Z`) - Date.parse(`${earlier}T00:00:00Z`)) / 86_400_000);
}

/** A real calendar date (rejects 2026-02-30, which Date would roll over). */
export function isValidIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** A date of birth a record may carry: a real date, not in the future, not before 1900. */
export function isPlausibleBirthDate(value: string, today: IsoDate): boolean {
  return isValidIsoDate(value) && value <= today && value >= '1900-01-01';
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
