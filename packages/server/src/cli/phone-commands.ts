/**
 * The commands of one simulated phone, kept in a state file: register, meet another phone,
 * ask its status, report its history, delete its exposures, unregister.
 */
import type { Reported } from '@prostopcovid/contracts/robert';
import { createRobertHttpApi, dateOfNtp, epochStart, ntpSeconds, Phone, type RobertApi } from '@prostopcovid/phone';
import { isValidIsoDate } from '../platform/dates.js';
import { parseBaseUrl, parseBoundedInteger, parseOptions, UsageError } from './cli-args.js';
import { EXIT, Failure, frenchDate, frenchDateTime, frenchDay, plural, type AppCliIo } from './cli-output.js';
import { checkNewPhoneFile, deletePhoneFile, readPhoneFile, writePhoneFile, type PhoneFile } from './phone-file.js';

/** The io with every default filled in; `fetch` remembers network failures for the messages. */
export type CliIo = Required<AppCliIo>;

/** A phone broadcasts its HELLO about this often. */
const HELLO_INTERVAL_SECONDS = 10;
/** Register hands out identifiers for the last hour too: a meeting can go back that far. */
const MAX_MEETING_MINUTES = 60;

export const nowNtp = (io: CliIo) => ntpSeconds(io.now());
const robert = (url: string | undefined, io: CliIo): RobertApi => createRobertHttpApi(parseBaseUrl(url, io.env), io.fetch);

export function requiredState(name: string | undefined): string {
  if (name === undefined) throw new UsageError("L'option --state est obligatoire (le fichier du téléphone, créé par register).");
  return name;
}

// ————— register —————

export async function registerCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args, { state: { type: 'string' }, url: { type: 'string' }, force: { type: 'boolean' } });
  const name = requiredState(options.state);
  const api = robert(options.url, io);
  const path = await checkNewPhoneFile(name, io.env, options.force ?? false);
  const phone = await Phone.register(api, nowNtp(io));
  await writePhoneFile({ name, path }, phone.state);
  const last = phone.state.tuples.at(-1);
  const until = last ? ` ; identifiants valables jusqu'au ${frenchDateTime(dateOfNtp(epochStart(last.epochId + 1, phone.state.timeStart)))}` : '';
  io.stdout(`Téléphone enregistré, conservé dans « ${name} »${until}.\n`);
  return EXIT.ok;
}

// ————— meet —————

export async function meetCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args, { state: { type: 'string' }, with: { type: 'string' }, minutes: { type: 'string' }, rssi: { type: 'string' } });
  const nameA = requiredState(options.state);
  if (options.with === undefined) throw new UsageError("L'option --with est obligatoire (le fichier de l'autre téléphone).");
  const minutes = parseBoundedInteger('minutes', options.minutes ?? '20', 1, MAX_MEETING_MINUTES);
  const rssi = parseBoundedInteger('rssi', options.rssi ?? '-55', -100, -30);
  const a = await readPhoneFile(nameA, io.env);
  const b = await readPhoneFile(options.with, io.env);
  if (a.path === b.path) throw new UsageError('--state et --with désignent le même fichier : il faut deux téléphones.');

  const end = nowNtp(io);
  let heardByA = 0;
  let heardByB = 0;
  for (let at = end - minutes * 60; at <= end; at += HELLO_INTERVAL_SECONDS) {
    const fromA = await a.phone.hello(at);
    if (fromA) {
      b.phone.hear(fromA, at, rssi);
      heardByB++;
    }
    const fromB = await b.phone.hello(at);
    if (fromB) {
      a.phone.hear(fromB, at, rssi);
      heardByA++;
    }
  }
  if (heardByA + heardByB === 0) {
    throw new Failure(`Aucun message échangé : ni « ${a.name} » ni « ${b.name} » n'a d'identifiant pour cette période. Réenregistrez-les (register --force).`);
  }
  await writePhoneFile(a, a.phone.state);
  await writePhoneFile(b, b.phone.state);
  io.stdout(
    `Rencontre simulée pendant ${minutes} min à ${rssi} dBm : « ${a.name} » a entendu ${heardByA} ${plural(heardByA, 'message')} de « ${b.name} », ` +
      `« ${b.name} » en a entendu ${heardByB} de « ${a.name} ».\n`,
  );
  const silent = (speaker: PhoneFile, listener: PhoneFile) =>
    `Attention : « ${speaker.name} » n'avait aucun identifiant pour cette période, « ${listener.name} » ne l'a pas entendu.\n`;
  if (heardByB === 0) io.stderr(silent(a, b));
  if (heardByA === 0) io.stderr(silent(b, a));
  return EXIT.ok;
}

// ————— status —————

export async function statusCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args, { state: { type: 'string' }, url: { type: 'string' }, json: { type: 'boolean' } });
  const file = await readPhoneFile(requiredState(options.state), io.env);
  const api = robert(options.url, io);
  requireTuples(file);
  await file.phone.checkStatus(api, nowNtp(io));
  await writePhoneFile(file, file.phone.state);

  const { lastContactDate } = file.phone.state.status;
  const lastContact = file.phone.atRisk && lastContactDate !== undefined ? dateOfNtp(lastContactDate) : undefined;
  if (options.json) {
    const status = { atRisk: file.phone.atRisk, riskLevel: file.phone.state.status.riskLevel, lastContactDate: lastContact?.toISOString().slice(0, 10) };
    io.stdout(`${JSON.stringify(status, null, 2)}\n`);
  } else if (file.phone.atRisk) {
    // The server moves the date by up to a day either way, so that it does not point at the case.
    const when = lastContact ? ` Dernier contact à risque vers le ${frenchDay(lastContact)} (date volontairement approximative, à un jour près).` : '';
    io.stdout(`Vous avez été exposé(e) à un cas de COVID-19.${when}\nIsolez-vous, faites un test de dépistage et prévenez votre médecin.\n`);
  } else {
    io.stdout('Aucun contact à risque.\n');
  }
  return EXIT.ok;
}

// ————— report —————

export async function reportCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args, { state: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } });
  const name = requiredState(options.state);
  if (options.token === undefined) throw new UsageError("L'option --token est obligatoire (le jeton d'envoi affiché par declare).");
  if (options.token.trim() === '' || options.token.length > 200) throw new UsageError('Le jeton (--token) doit contenir entre 1 et 200 caractères.');
  const window = { from: requiredDay('from', options.from), to: requiredDay('to', options.to) };
  if (window.from > window.to) throw new UsageError(`La période est à l'envers : --from (${frenchDate(window.from)}) est après --to (${frenchDate(window.to)}).`);
  const file = await readPhoneFile(name, io.env);
  const api = robert(options.url, io);

  const answer = await file.phone.report(api, options.token, window, nowNtp(io));
  await writePhoneFile(file, file.phone.state);
  io.stdout(`${historyLine(reportedCounts(file, window, answer))}\n`);
  return EXIT.ok;
}

function requiredDay(name: 'from' | 'to', raw: string | undefined): string {
  if (raw === undefined) throw new UsageError(`L'option --${name} est obligatoire (AAAA-MM-JJ, la période affichée par declare).`);
  if (!isValidIsoDate(raw)) throw new UsageError(`Date invalide pour --${name} : « ${raw} ». Attendu : une date réelle au format AAAA-MM-JJ.`);
  return raw;
}

/** Accepted by the server; outside the window: kept on the phone (never sent) or refused by the server. */
export function reportedCounts(file: PhoneFile, window: { from: string; to: string }, answer: Reported) {
  const sent = file.phone.contactsToReport(window).reduce((n, contact) => n + contact.ids.length, 0);
  return { accepted: answer.accepted, outsideWindow: file.phone.state.heard.length - sent + answer.rejectedOutsideWindow };
}

export const historyLine = ({ accepted, outsideWindow }: ReturnType<typeof reportedCounts>) =>
  `Historique envoyé : ${accepted} ${plural(accepted, 'message')} ${plural(accepted, 'retenu')}, ${outsideWindow} hors période.`;

// ————— delete-history, unregister —————

export async function deleteHistoryCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args, { state: { type: 'string' }, url: { type: 'string' } });
  const file = await readPhoneFile(requiredState(options.state), io.env);
  const api = robert(options.url, io);
  requireTuples(file);
  await file.phone.deleteExposureHistory(api, nowNtp(io));
  await writePhoneFile(file, file.phone.state);
  io.stdout(`Historique d'exposition de « ${file.name} » effacé sur le serveur.\n`);
  return EXIT.ok;
}

export async function unregisterCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args, { state: { type: 'string' }, url: { type: 'string' } });
  const file = await readPhoneFile(requiredState(options.state), io.env);
  const api = robert(options.url, io);
  requireTuples(file);
  await file.phone.unregister(api, nowNtp(io));
  await deletePhoneFile(file);
  io.stdout(`Téléphone désenregistré : le serveur l'a oublié et « ${file.name} » est supprimé.\n`);
  return EXIT.ok;
}

/** Requests are signed with a current identifier; without any, the phone library would throw. */
function requireTuples(file: PhoneFile): void {
  if (file.phone.state.tuples.length === 0) throw new Failure(`Le téléphone « ${file.name} » n'a plus aucun identifiant : réenregistrez-le (register --force).`);
}
