import { parseArgs } from 'node:util';

/** Bad usage of the command line: shown with a pointer to the help, exit code 2. */
export class UsageError extends Error {}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;
export type ParsedOptions<S extends OptionSpec> = { [K in keyof S]?: S[K]['type'] extends 'string' ? string : boolean };

/**
 * `parseArgs` in loose mode plus our own checks: strict mode answers in English and would
 * silently take `--code --json` as the code "--json".
 */
export function parseOptions<const S extends OptionSpec>(args: string[], spec: S): ParsedOptions<S> {
  const { tokens } = parseArgs({ args, options: spec, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | boolean> = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') throw new UsageError(`Argument inattendu : « ${token.value} ».`);
    const option = spec[token.name];
    if (!option) throw new UsageError(`Option inconnue : ${token.rawName}.`);
    if (token.name in values) throw new UsageError(`L'option --${token.name} est donnée plusieurs fois.`);
    values[token.name] = optionValue(token.name, option.type, token.value, token.inlineValue);
  }
  return values as ParsedOptions<S>;
}

function optionValue(name: string, type: 'string' | 'boolean', value: string | undefined, inline: boolean | undefined): string | boolean {
  if (type === 'boolean') {
    if (value !== undefined) throw new UsageError(`L'option --${name} ne prend pas de valeur.`);
    return true;
  }
  // A following option is a forgotten value, a negative number is not (`--rssi -50`); `--name=-x` remains possible for odd values.
  if (value === undefined || (!inline && value.startsWith('-') && !/^-\d+$/.test(value))) {
    throw new UsageError(`L'option --${name} attend une valeur (une valeur qui commence par « - » s'écrit --${name}=valeur).`);
  }
  return value;
}

/** A whole number written in plain digits (a leading minus allowed), within bounds. */
export function parseBoundedInteger(name: string, raw: string, min: number, max: number): number {
  const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`L'option --${name} attend un nombre entier entre ${min} et ${max} (reçu : « ${raw} »).`);
  }
  return value;
}

/** The server's address: --url, else PROSTOPCOVID_URL, else the local development server. */
export function parseBaseUrl(option: string | undefined, env: Record<string, string | undefined>): URL {
  const raw = option ?? env.PROSTOPCOVID_URL ?? 'http://localhost:3000';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`Adresse du serveur invalide : « ${raw} ». Exemple : http://localhost:3000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`L'adresse du serveur doit commencer par http:// ou https:// (reçu : « ${raw} »).`);
  return url;
}
