/**
 * A command-line StopCovid app: simulated phones in state files (register, meet, status) and the
 * declaration of a case (code, then the phone's ROBERT report), through the public API, for
 * scripts, tests and trying the server by hand.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Reported } from '@prostopcovid/contracts/robert';
import { createRobertHttpApi, RobertApiError } from '@prostopcovid/phone';
import { isValidIsoDate } from '../platform/dates.js';
import { ApiError, createAppApi, describeNetworkFailure, type Declaration, type Onset } from './app-api.js';
import { parseBaseUrl, parseOptions, UsageError } from './cli-args.js';
import { EXIT, Failure, frenchDate, frenchDateTime, reportFailure, type AppCliIo } from './cli-output.js';
import {
  deleteHistoryCommand,
  historyLine,
  meetCommand,
  nowNtp,
  registerCommand,
  reportCommand,
  reportedCounts,
  statusCommand,
  unregisterCommand,
  type CliIo,
} from './phone-commands.js';
import { readPhoneFile, writePhoneFile } from './phone-file.js';

export { EXIT, type AppCliIo };

export const USAGE = `Utilisation : npm run app -- <commande> [options]

Fait ce que fait l'application StopCovid, en ligne de commande. Un téléphone est un fichier
(--state FICHIER) qui garde ses clés, ses identifiants et les messages qu'il a entendus.

Commandes :
  register            Enregistre un nouveau téléphone auprès du serveur.
    --state FICHIER     Fichier du téléphone à créer (obligatoire)
    --force             Remplace FICHIER s'il existe déjà

  meet                Simule deux téléphones proches l'un de l'autre pendant les dernières minutes :
                      chacun entend le message de l'autre toutes les 10 secondes.
    --state FICHIER     Premier téléphone (obligatoire)
    --with FICHIER      Second téléphone (obligatoire)
    --minutes N         Durée de la rencontre, jusqu'à maintenant (1 à 60, défaut : 20)
    --rssi R            Puissance du signal reçu en dBm, plus forte si plus proche (-100 à -30, défaut : -55)

  status              Demande au serveur si le téléphone a croisé un cas de COVID-19.
    --state FICHIER     Téléphone (obligatoire)
    --json              Écrit { atRisk, riskLevel, lastContactDate? } sur la sortie standard

  declare             Saisit un code de déclaration, puis envoie l'historique du téléphone s'il est donné.
    --code CODE         Code à 6 caractères remis par le professionnel de santé (obligatoire)
    --onset DÉBUT       symptoms:AAAA-MM-JJ (début des symptômes), test:AAAA-MM-JJ (date du test
                        positif, sans symptômes) ou unknown (date inconnue) (obligatoire)
    --state FICHIER     Téléphone dont l'historique est envoyé (sans cette option : le jeton
                        d'envoi est affiché, pour la commande report)
    --device-id ID      Identifiant de l'appareil, 8 à 128 caractères parmi A-Z a-z 0-9 _ -
                        (défaut : un identifiant aléatoire à chaque exécution)
    --json              Écrit sur la sortie standard un objet JSON { declaration, report? }

  report              Envoie l'historique d'un téléphone avec un jeton affiché par declare.
    --state FICHIER     Téléphone (obligatoire)
    --token=JETON       Jeton d'envoi (obligatoire) ; écrit avec « = », car un jeton peut
                        commencer par « - »
    --from AAAA-MM-JJ   Premier jour de la période partagée (obligatoire)
    --to AAAA-MM-JJ     Dernier jour (obligatoire) ; seuls les messages de ces jours quittent le téléphone

  delete-history      Efface sur le serveur l'historique d'exposition du téléphone.
    --state FICHIER     Téléphone (obligatoire)

  unregister          Retire le téléphone du serveur, puis supprime son fichier.
    --state FICHIER     Téléphone (obligatoire)

  help                Affiche cette aide.

  Toutes les commandes qui appellent le serveur acceptent :
    --url URL           Adresse du serveur (défaut : $PROSTOPCOVID_URL, sinon http://localhost:3000)

Exemples :
  npm run app -- register --state alice.json
  npm run app -- register --state bob.json
  npm run app -- meet --state alice.json --with bob.json --minutes 30 --rssi -50
  npm run app -- declare --code K7Q4XM --onset symptoms:2026-11-20 --state alice.json
  npm run app -- status --state bob.json

Codes de sortie : 0 succès, 1 refus du serveur, serveur injoignable ou fichier impossible à écrire,
2 utilisation incorrecte.
`;

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  register: registerCommand,
  meet: meetCommand,
  status: statusCommand,
  declare: declareCommand,
  report: reportCommand,
  'delete-history': deleteHistoryCommand,
  unregister: unregisterCommand,
};

/** Runs one command; never throws for expected failures, answers the exit code. */
export async function runAppCli(argv: string[], io: AppCliIo): Promise<number> {
  const [command, ...rest] = argv;
  // The phone library only says "unreachable": keep the reason, as declare's client gives it.
  let unreachable: string | undefined;
  const fetchFn = io.fetch ?? fetch;
  const cliIo: CliIo = {
    ...io,
    env: io.env ?? process.env,
    now: io.now ?? (() => new Date()),
    fetch: async (input, init) => {
      try {
        return await fetchFn(input, init);
      } catch (error) {
        unreachable = describeNetworkFailure(new URL(input instanceof Request ? input.url : String(input)), error);
        throw error;
      }
    },
  };
  try {
    if (command === 'help' || command === '--help' || command === '-h' || rest.includes('--help') || rest.includes('-h')) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const names = Object.keys(COMMANDS).join(', ');
    if (command === undefined) throw new UsageError(`Indiquez une commande : ${names} ou help.`);
    const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!run) throw new UsageError(`Commande inconnue : « ${command} ». Commandes : ${names}, help.`);
    return await run(rest, cliIo);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`Erreur : ${error.message}\nVoir l'aide : npm run app -- help\n`);
      return EXIT.usage;
    }
    if (error instanceof Failure) {
      io.stderr(`Erreur : ${error.message}\n`);
      return EXIT.failed;
    }
    if (error instanceof ApiError || error instanceof RobertApiError) return reportFailure(error, io, unreachable);
    throw error;
  }
}

// ————— declare —————

const DEVICE_ID = /^[A-Za-z0-9_-]{8,128}$/;

async function declareCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args, {
    code: { type: 'string' },
    onset: { type: 'string' },
    state: { type: 'string' },
    url: { type: 'string' },
    'device-id': { type: 'string' },
    json: { type: 'boolean' },
  });
  const code = requiredCode(options.code);
  const onset = parseOnset(options.onset);
  const baseUrl = parseBaseUrl(options.url, io.env);
  const deviceId = parseDeviceId(options['device-id']);
  // Read before declaring: a bad file must not cost the patient their single-use code.
  const file = options.state === undefined ? undefined : await readPhoneFile(options.state, io.env);

  const declaration = await createAppApi(baseUrl, io.fetch).declare(deviceId, code, onset);
  const { window } = declaration;
  if (!options.json) io.stdout(`Code accepté. Période partagée : du ${frenchDate(window.from)} au ${frenchDate(window.to)}.\n`);
  if (file === undefined) {
    if (options.json) io.stdout(`${JSON.stringify({ declaration }, null, 2)}\n`);
    else io.stdout(`Aucun historique envoyé (pas d'option --state). ${tokenLines(declaration, 'FICHIER')}`);
    return EXIT.ok;
  }

  let answer: Reported;
  try {
    answer = await file.phone.report(createRobertHttpApi(baseUrl, io.fetch), declaration.uploadToken, window, nowNtp(io));
  } catch (error) {
    // The code is spent: keep the token visible so the report can still be sent by hand.
    if (options.json) io.stdout(`${JSON.stringify({ declaration }, null, 2)}\n`);
    else io.stderr(`Le code a été accepté mais l'historique n'a pas été envoyé. ${tokenLines(declaration, file.name)}`);
    throw error;
  }
  await writePhoneFile(file, file.phone.state);
  const counts = reportedCounts(file, window, answer);
  if (options.json) io.stdout(`${JSON.stringify({ declaration, report: counts }, null, 2)}\n`);
  else io.stdout(`${historyLine(counts)}\n`);
  return EXIT.ok;
}

function requiredCode(code: string | undefined): string {
  if (code === undefined) throw new UsageError("L'option --code est obligatoire (le code à 6 caractères remis par le professionnel de santé).");
  // The server decides whether the code is valid; only obviously empty or oversized input stops here.
  if (code.trim() === '' || code.length > 64) throw new UsageError('Le code doit contenir entre 1 et 64 caractères.');
  return code;
}

/** `symptoms:YYYY-MM-DD`, `test:YYYY-MM-DD` or `unknown`; whether the date is recent enough is the server's call. */
function parseOnset(raw: string | undefined): Onset {
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

function parseDeviceId(raw: string | undefined): string {
  if (raw === undefined) return randomUUID().replaceAll('-', '');
  if (!DEVICE_ID.test(raw)) throw new UsageError("L'identifiant d'appareil (--device-id) doit compter 8 à 128 caractères parmi A-Z a-z 0-9 _ -.");
  return raw;
}

function tokenLines(declaration: Declaration, state: string): string {
  const { uploadToken, tokenExpiresAt, window } = declaration;
  return (
    `Jeton d'envoi, valable jusqu'au ${frenchDateTime(tokenExpiresAt)} : ${uploadToken}\n` +
    `Pour envoyer l'historique d'un téléphone : npm run app -- report --state ${state} --token=${uploadToken} --from ${window.from} --to ${window.to}\n`
  );
}

// ————— entry point —————

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await runAppCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  });
  // Exit once the output is flushed: a large document piped elsewhere must not be cut short.
  process.stdout.write('', () => process.exit(code));
}
