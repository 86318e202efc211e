import { RobertApiError } from '@prostopcovid/phone';
import { ApiError } from './app-api.js';

export interface AppCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  fetch?: typeof fetch;
  /** The phone's clock; tests pass the server's so that both sides agree on NTP time. */
  now?: () => Date;
  /** Environment variables (PROSTOPCOVID_URL, INIT_CWD); defaults to process.env. */
  env?: Record<string, string | undefined>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Something went wrong after the command line was understood (a file, a phone without identifiers): exit code 1. */
export class Failure extends Error {}

/**
 * The server's French message on stderr; 429 gets when to try again. `unreachable` describes the
 * last network failure, since the phone library only says the server could not be reached.
 */
export function reportFailure(error: ApiError | RobertApiError, io: AppCliIo, unreachable: string | undefined): number {
  const { status, code, retryAfterSeconds } = error.info;
  const { requestId, details } = error instanceof ApiError ? error.info : {};
  if (status === undefined) {
    io.stderr(`Erreur réseau : ${error instanceof RobertApiError ? (unreachable ?? error.message) : error.message}\n`);
    return EXIT.failed;
  }
  const retry = status === 429 && retryAfterSeconds !== undefined ? ` Nouvel essai possible dans ${frenchDelay(retryAfterSeconds)}.` : '';
  const reference = [`HTTP ${status}`, code, requestId && `référence ${requestId}`].filter(Boolean).join(', ');
  io.stderr(`Refusé par le serveur : ${error.message}${retry} (${reference})\n${detailLines(details)}`);
  return EXIT.failed;
}

/** REQUEST_INVALID carries the schema's findings: worth showing to whoever built the request. */
function detailLines(details: unknown): string {
  if (!Array.isArray(details)) return '';
  const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
  return details.map((d: { path?: unknown; message?: unknown }) => `  - ${text(d.path)} : ${text(d.message)}\n`).join('');
}

// ————— French formatting —————

/** French agreement: 0 and 1 are singular. */
export const plural = (count: number, word: string) => (count >= 2 ? `${word}s` : word);

/** 2026-11-18 → 18/11/2026 */
export const frenchDate = (isoDate: string) => isoDate.split('-').reverse().join('/');

const parisDateTime = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });
export const frenchDateTime = (instant: string | Date) => parisDateTime.format(new Date(instant)).replace(' ', ' à ');

// The server gives the start of a UTC day: read in UTC, it stays that day.
const utcLongDate = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', dateStyle: 'long' });
/** 2026-11-18T00:00:00Z → 18 novembre 2026 */
export const frenchDay = (dayStart: Date) => utcLongDate.format(dayStart);

export function frenchDelay(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}
