import { randomBytes } from 'node:crypto';
import { access, constants, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isAnswer } from '@prostopcovid/contracts/check';
import { Hello, ReportContact, Tuples } from '@prostopcovid/contracts/robert';
import { Phone, type PhoneState } from '@prostopcovid/phone';
import { Type } from 'typebox';
import { UsageError } from './cli-args.js';
import { Failure } from './cli-output.js';

/*
 * A phone kept in a file: the JSON of its PhoneState. The file holds the phone's keys, hence
 * owner-only permissions.
 */

const Ntp = Type.Integer({ minimum: 0 });
const Base64 = Type.String({ pattern: '^[A-Za-z0-9+/]+={0,2}$' });

/** PhoneState as a schema, so a hand-edited or foreign file is refused before anything is sent. */
const PhoneStateFile = Type.Object({
  version: Type.Literal(1),
  timeStart: Ntp,
  kaMac: Base64,
  kaTuples: Base64,
  tuples: Tuples,
  heard: Type.Array(Type.Object({ ebid: ReportContact.properties.ebid, ecc: ReportContact.properties.ecc, ...Hello.properties })),
  status: Type.Object({
    nextAt: Ntp,
    checkedAt: Type.Optional(Ntp),
    riskLevel: Type.Integer(),
    lastContactDate: Type.Optional(Ntp),
    lastRiskScoringDate: Type.Optional(Ntp),
  }),
  reportedAt: Type.Optional(Ntp),
});

export interface PhoneFile {
  /** As the user wrote it, for messages. */
  name: string;
  path: string;
  phone: Phone;
}

// `npm run app` runs at the repository root: relative paths mean the user's own directory.
export const userPath = (name: string, env: Record<string, string | undefined>) => resolve(env.INIT_CWD ?? process.cwd(), name);

export async function readPhoneFile(name: string, env: Record<string, string | undefined>): Promise<PhoneFile> {
  const path = userPath(name, env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const where = path === name ? '' : ` (${path})`;
    throw new UsageError(`Impossible de lire le téléphone « ${name} »${where} : ${fileReason(error)}. Créez-le avec : npm run app -- register --state ${name}`);
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`Le fichier « ${name} » n'est pas du JSON valide (${(error as Error).message}).`);
  }
  if ((state as { version?: unknown } | null)?.version !== 1) {
    throw new UsageError(`Le fichier « ${name} » n'est pas un téléphone de cette application (version 1 attendue).`);
  }
  if (!isAnswer(PhoneStateFile, state)) throw new UsageError(`Le fichier « ${name} » est un téléphone abîmé ou modifié à la main : réenregistrez-le (register --force).`);
  const checked: PhoneState = state;
  return { name, path, phone: new Phone(checked) };
}

/** For register: refuses before the server is asked, so a registration is never lost to a file that cannot be written. */
export async function checkNewPhoneFile(name: string, env: Record<string, string | undefined>, force: boolean): Promise<string> {
  const path = userPath(name, env);
  if (!force && (await exists(path))) {
    throw new UsageError(`Le fichier « ${name} » existe déjà : choisissez un autre nom, ou ajoutez --force pour le remplacer (l'ancien téléphone reste enregistré sur le serveur ; unregister le retire).`);
  }
  try {
    await access(dirname(path), constants.W_OK);
  } catch (error) {
    throw new UsageError(`Impossible d'écrire le téléphone « ${name} » dans ${dirname(path)} : ${fileReason(error)}.`);
  }
  return path;
}

/** Temp file then rename: an interrupted write leaves the previous state whole. */
export async function writePhoneFile(file: Pick<PhoneFile, 'name' | 'path'>, state: PhoneState): Promise<void> {
  const temp = `${file.path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { encoding: 'utf8', mode: 0o600 });
    await rename(temp, file.path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new Failure(`Impossible d'enregistrer le téléphone dans « ${file.name} » : ${fileReason(error)}.`);
  }
}

export async function deletePhoneFile(file: PhoneFile): Promise<void> {
  try {
    await rm(file.path);
  } catch (error) {
    throw new Failure(`Le téléphone est désenregistré mais le fichier « ${file.name} » n'a pas pu être supprimé : ${fileReason(error)}.`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function fileReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'fichier ou dossier introuvable';
  if (code === 'EACCES' || code === 'EPERM') return 'accès refusé';
  if (code === 'EISDIR') return "c'est un dossier";
  return code ?? (error as Error).message;
}
