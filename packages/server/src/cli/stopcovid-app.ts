/**
 * A command-line StopCovid app: redeems a declaration code and uploads a contact history
 * through the public API, for scripts, tests and trying the server by hand.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MAX_CONTACTS } from '@prostopcovid/contracts/declarations';
import { isValidIsoDate } from '../platform/dates.js';
import { ApiError, createAppApi, type Declaration, type Onset, type UploadResult } from './app-api.js';
import { parseBoundedInteger, parseOptions, UsageError } from './cli-args.js';
import { parseContactsDocument, simulateContacts, type Contact } from './contacts.js';

export interface AppCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  fetch?: typeof fetch;
  now?: () => Date;
  readFile?: (path: string) => Promise<string>;
  writeFile?: (path: string, content: string) => Promise<void>;
  /** Environment variables (PROSTOPCOVID_URL); defaults to process.env. */
  env?: Record<string, string | undefined>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const USAGE = `Utilisation : npm run app -- <commande> [options]

Fait ce que fait l'application StopCovid, en ligne de commande.

Commandes :
  declare             Saisit un code de déclaration, puis envoie l'historique de contacts s'il est fourni.
    --code CODE         Code à 6 caractères remis par le professionnel de santé (obligatoire)
    --onset DÉBUT       symptoms:AAAA-MM-JJ (début des symptômes), test:AAAA-MM-JJ (date du test
                        positif, sans symptômes) ou unknown (date inconnue) (obligatoire)
    --contacts FICHIER  Contacts à envoyer : JSON { "contacts": [...] } ou tableau
    --url URL           Adresse du serveur (défaut : $PROSTOPCOVID_URL, sinon http://localhost:3000)
    --device-id ID      Identifiant de l'appareil, 8 à 128 caractères parmi A-Z a-z 0-9 _ -
                        (défaut : un identifiant aléatoire à chaque exécution)
    --json              Écrit sur la sortie standard un objet JSON { declaration, upload? }

  simulate-contacts   Génère un historique de contacts fictifs, à essayer avec declare --contacts.
    --days N            Nombre de jours couverts, jusqu'à maintenant (1 à 30, obligatoire)
    --per-day N         Contacts par jour (défaut : 20)
    --out FICHIER       Écrit le document dans FICHIER plutôt que sur la sortie standard

  help                Affiche cette aide.

Exemples :
  npm run app -- simulate-contacts --days 14 --out contacts.json
  npm run app -- declare --code K7Q4XM --onset symptoms:2026-11-20 --contacts contacts.json

Codes de sortie : 0 succès, 1 refus du serveur ou serveur injoignable, 2 utilisation incorrecte.
`;

const DEVICE_ID = /^[A-Za-z0-9_-]{8,128}$/;
const MAX_SIMULATED_DAYS = 30;

/** Runs one command; never throws for expected failures, answers the exit code. */
export async function runAppCli(argv: string[], io: AppCliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'declare':
        return await declareCommand(rest, io);
      case 'simulate-contacts':
        return await simulateContactsCommand(rest, io);
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return EXIT.ok;
      case undefined:
        throw new UsageError('Indiquez une commande : declare, simulate-contacts ou help.');
      default:
        throw new UsageError(`Commande inconnue : « ${command} ». Commandes : declare, simulate-contacts, help.`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`Erreur : ${error.message}\nVoir l'aide : npm run app -- help\n`);
    return EXIT.usage;
  }
}

// ————— declare —————

const DECLARE_OPTIONS = {
  code: { type: 'string' },
  onset: { type: 'string' },
  contacts: { type: 'string' },
  url: { type: 'string' },
  'device-id': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function declareCommand(args: string[], io: AppCliIo): Promise<number> {
  const options = parseOptions(args, DECLARE_OPTIONS);
  if (options.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const code = requiredCode(options.code);
  const onset = parseOnset(options.onset);
  const baseUrl = parseBaseUrl(options.url ?? (io.env ?? process.env).PROSTOPCOVID_URL ?? 'http://localhost:3000');
  const deviceId = parseDeviceId(options['device-id']);
  // Read before declaring: a bad file must not cost the patient their single-use code.
  const contacts = options.contacts === undefined ? undefined : await readContacts(options.contacts, io);

  const api = createAppApi(baseUrl, io.fetch ?? fetch);
  let declaration: Declaration;
  try {
    declaration = await api.declare(deviceId, code, onset);
  } catch (error) {
    return reportApiError(error, io);
  }
  if (!options.json) io.stdout(`Code accepté. Période partagée : du ${frenchDate(declaration.window.from)} au ${frenchDate(declaration.window.to)}.\n`);
  if (contacts === undefined) {
    if (options.json) io.stdout(`${JSON.stringify({ declaration }, null, 2)}\n`);
    else io.stdout(`Aucun contact envoyé (pas d'option --contacts). ${tokenLine(declaration)}\n`);
    return EXIT.ok;
  }

  let upload: UploadResult;
  try {
    upload = await api.uploadContacts(declaration.uploadToken, contacts);
  } catch (error) {
    // The code is spent: keep the token visible so the upload can still be done by hand.
    if (options.json) io.stdout(`${JSON.stringify({ declaration }, null, 2)}\n`);
    else io.stderr(`Le code a été accepté mais les contacts n'ont pas été envoyés. ${tokenLine(declaration)}\n`);
    return reportApiError(error, io);
  }
  if (options.json) io.stdout(`${JSON.stringify({ declaration, upload }, null, 2)}\n`);
  else io.stdout(`Contacts envoyés : ${upload.accepted} ${plural(upload.accepted, 'accepté')}, ${upload.rejectedOutsideWindow} hors période.\n`);
  return EXIT.ok;
}

function requiredCode(code: string | undefined): string {
  if (code === undefined) throw new UsageError("L'option --code est obligatoire (le code à 6 caractères remis par le professionnel de santé).");
  // The server decides whether the code is valid; only obviously empty or oversized input stops here.
  if (code.trim() === '' || code.length > 64) throw new UsageError('Le code doit contenir entre 1 et 64 caractères.');
  return code;
}

/** `symptoms:YYYY-MM-DD`, `test:YYYY-MM-DD` or `unknown`; whether the date is recent enough is the server's call. */
export function parseOnset(raw: string | undefined): Onset {
  const expected = 'Valeurs possibles : symptoms:AAAA-MM-JJ, test:AAAA-MM-JJ ou unknown.';
  if (raw === undefined) throw new UsageError(`L'option --onset est obligatoire. ${expected}`);
  if (raw === 'unknown') return { kind: 'unknown' };
  const match = /^(symptoms|test):(.*)$/.exec(raw);
  if (!match) throw new UsageError(`Valeur de --onset non reconnue : « ${raw} ». ${expected}`);
  const kind = match[1] as 'symptoms' | 'test';
  const date = match[2]!;
  if (!isValidIsoDate(date)) throw new UsageError(`Date invalide dans --onset : « ${date} ». Attendu : une date réelle au format AAAA-MM-JJ, par exemple 2026-11-20.`);
  return { kind, date };
}

function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`Adresse du serveur invalide : « ${raw} ». Exemple : http://localhost:3000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`L'adresse du serveur doit commencer par http:// ou https:// (reçu : « ${raw} »).`);
  return url;
}

function parseDeviceId(raw: string | undefined): string {
  if (raw === undefined) return randomUUID().replaceAll('-', '');
  if (!DEVICE_ID.test(raw)) throw new UsageError("L'identifiant d'appareil (--device-id) doit compter 8 à 128 caractères parmi A-Z a-z 0-9 _ -.");
  return raw;
}

async function readContacts(path: string, io: AppCliIo): Promise<Contact[]> {
  let text: string;
  try {
    text = await (io.readFile ?? readFromUserDirectory)(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'fichier introuvable' : code === 'EACCES' ? 'accès refusé' : (code ?? (error as Error).message);
    throw new UsageError(`Impossible de lire le fichier de contacts « ${path} » : ${reason}.`);
  }
  return parseContactsDocument(text, path);
}

/** The server's French message on stderr; 429 gets when to try again. */
function reportApiError(error: unknown, io: AppCliIo): number {
  if (!(error instanceof ApiError)) throw error;
  const { status, code, requestId, retryAfterSeconds, details } = error.info;
  if (status === undefined) {
    io.stderr(`Erreur réseau : ${error.message}\n`);
    return EXIT.failed;
  }
  const retry = status === 429 && retryAfterSeconds !== undefined ? ` Nouvel essai possible dans ${frenchDelay(retryAfterSeconds)}.` : '';
  const reference = [`HTTP ${status}`, code, requestId && `référence ${requestId}`].filter(Boolean).join(', ');
  io.stderr(`Refusé par le serveur : ${error.message}${retry} (${reference})\n${detailLines(details)}`);
  return EXIT.failed;
}

/** REQUEST_INVALID carries the schema's findings: worth showing to whoever wrote the file. */
function detailLines(details: unknown): string {
  if (!Array.isArray(details)) return '';
  const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
  return details.map((d: { path?: unknown; message?: unknown }) => `  - ${text(d.path)} : ${text(d.message)}\n`).join('');
}

function tokenLine(declaration: Declaration): string {
  return `Jeton d'envoi, valable jusqu'au ${frenchDateTime(declaration.tokenExpiresAt)} : ${declaration.uploadToken}`;
}

// ————— simulate-contacts —————

const SIMULATE_OPTIONS = {
  days: { type: 'string' },
  'per-day': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function simulateContactsCommand(args: string[], io: AppCliIo): Promise<number> {
  const options = parseOptions(args, SIMULATE_OPTIONS);
  if (options.help) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (options.days === undefined) throw new UsageError("L'option --days est obligatoire (nombre de jours d'historique, par exemple 14).");
  const days = parseBoundedInteger('days', options.days, 1, MAX_SIMULATED_DAYS);
  const perDay = parseBoundedInteger('per-day', options['per-day'] ?? '20', 1, Math.floor(MAX_CONTACTS / days));
  const contacts = simulateContacts({ days, perDay, now: (io.now ?? (() => new Date()))() });
  const document = `${JSON.stringify({ contacts }, null, 2)}\n`;
  if (options.out === undefined) {
    io.stdout(document);
    return EXIT.ok;
  }
  try {
    await (io.writeFile ?? writeToUserDirectory)(options.out, document);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Impossible d'écrire le fichier « ${options.out} » : ${code ?? (error as Error).message}.`);
  }
  io.stdout(`${contacts.length} contacts fictifs sur ${days} jour${plural(days, '')} écrits dans ${options.out}.\n`);
  return EXIT.ok;
}

// ————— French formatting —————

/** French agreement: 0 and 1 are singular. */
const plural = (count: number, word: string) => (count >= 2 ? `${word}s` : word);

/** 2026-11-18 → 18/11/2026 */
const frenchDate = (isoDate: string) => isoDate.split('-').reverse().join('/');

const parisDateTime = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });
const frenchDateTime = (instant: string) => parisDateTime.format(new Date(instant)).replace(' ', ' à ');

function frenchDelay(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

// ————— entry point —————

// `npm run app` runs at the repository root: relative paths mean the user's own directory.
const userPath = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path);
const readFromUserDirectory = (path: string) => readFile(userPath(path), 'utf8');
const writeToUserDirectory = (path: string, content: string) => writeFile(userPath(path), content, 'utf8');

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await runAppCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  });
  // Exit once the output is flushed: a large document piped elsewhere must not be cut short.
  process.stdout.write('', () => process.exit(code));
}
