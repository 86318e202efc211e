import { randomBytes, randomInt } from 'node:crypto';
import { Value } from 'typebox/value';
import { Contact, MAX_CONTACTS } from '@prostopcovid/contracts/declarations';
import { UsageError } from './cli-args.js';

export type { Contact };

const MAX_REPORTED_PROBLEMS = 3;

/**
 * What is wrong with one contact, or null when the server will take it: checked against the
 * server's own schema, so a bad file is refused before the single-use code is spent.
 */
function contactProblem(value: unknown): string | null {
  if (Value.Check(Contact, value)) return null;
  const first = Value.Errors(Contact, value)[0];
  const field = first?.instancePath.replace(/^\//, '') || 'le contact';
  return `${field} est invalide (${first?.message ?? 'format inattendu'}) ; attendu : { ephemeralId: base64, seenAt: date-heure ISO 8601, durationSeconds: entier 0-86400, rssi: entier -127 à 20 }`;
}

/** Reads `{ "contacts": [...] }` or a bare array; throws a UsageError naming the first problems. */
export function parseContactsDocument(text: string, path: string): Contact[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Le fichier de contacts « ${path} » n'est pas du JSON valide (${(error as Error).message}).`);
  }
  const list = Array.isArray(document) ? document : (document as { contacts?: unknown } | null)?.contacts;
  if (!Array.isArray(list)) {
    throw new UsageError(`Le fichier de contacts « ${path} » doit contenir un tableau de contacts ou un objet { "contacts": [...] }.`);
  }
  if (list.length > MAX_CONTACTS) {
    throw new UsageError(`Le fichier de contacts « ${path} » en contient ${list.length} ; le serveur en accepte au plus ${MAX_CONTACTS}.`);
  }
  const problems = list.flatMap((contact, index) => {
    const problem = contactProblem(contact);
    return problem ? [`contact n° ${index + 1} : ${problem}`] : [];
  });
  if (problems.length > 0) {
    const more = problems.length > MAX_REPORTED_PROBLEMS ? `\n  … et ${problems.length - MAX_REPORTED_PROBLEMS} autre(s).` : '';
    throw new UsageError(`Le fichier de contacts « ${path} » est invalide :\n  ${problems.slice(0, MAX_REPORTED_PROBLEMS).join('\n  ')}${more}`);
  }
  // Only the known fields: the server drops or refuses anything else.
  return (list as Contact[]).map(({ ephemeralId, seenAt, durationSeconds, rssi }) => ({ ephemeralId, seenAt, durationSeconds, rssi }));
}

const DAY_MS = 86_400_000;
// Keeps simulated contacts clearly in the past even if the server's clock lags a little.
const PAST_MARGIN_MS = 60_000;

/** Random contacts heard over the last `days` × 24 h, `perDay` in each 24 h slice, oldest first. */
export function simulateContacts(options: { days: number; perDay: number; now: Date }): Contact[] {
  const nowMs = options.now.getTime();
  const contacts: Contact[] = [];
  for (let day = 0; day < options.days; day++) {
    for (let i = 0; i < options.perDay; i++) {
      const ago = day * DAY_MS + PAST_MARGIN_MS + Math.floor(Math.random() * (DAY_MS - PAST_MARGIN_MS));
      contacts.push({
        ephemeralId: randomBytes(8).toString('base64'),
        seenAt: new Date(nowMs - ago).toISOString(),
        durationSeconds: randomInt(60, 1801),
        rssi: randomInt(-90, -39),
      });
    }
  }
  return contacts.sort((a, b) => a.seenAt.localeCompare(b.seenAt));
}
