import { generateCrockford } from './crockford.js';

/**
 * Unique Vaccination Certificate/assertion Identifier (UVCI), eHealth Network guidelines on
 * verifiable vaccination certificates, Annex 2 (release 2), as clarified by the EU DCC schema FAQ
 * ("UVCI checksum"):
 *
 * - `URN:UVCI:` prefix, version `01`, ISO 3166-1 alpha-2 country, then the identifier; fields are
 *   separated by `:`, components within a field by `/`;
 * - optional checksum, separated by `#`, computed with Luhn mod N over the **whole** UVCI
 *   including the `URN:UVCI:` prefix and separators, with the 38-character code point alphabet
 *   `A`–`Z`, `0`–`9`, `/`, `:` in that order (`#` is not part of it: it only introduces the checksum).
 *
 * FAQ example: `URN:UVCI:01:NL:187/37512422923` → checksum `Z`.
 */
export const UVCI_LUHN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:';
export const UVCI_PREFIX = 'URN:UVCI:';
export const UVCI_VERSION = '01';

/** 24 characters of Crockford base 32 (a subset of [0-9A-Z]): 120 random bits, so collisions are negligible. */
const OPAQUE_LENGTH = 24;
/** The schema caps `ci` at 80 characters. */
const MAX_UVCI_LENGTH = 80;

/** Luhn mod N check character of `body` (characters from `UVCI_LUHN_ALPHABET` only). */
export function uvciChecksum(body: string): string {
  const n = UVCI_LUHN_ALPHABET.length;
  let factor = 2;
  let sum = 0;
  for (let i = body.length - 1; i >= 0; i--) {
    const codePoint = UVCI_LUHN_ALPHABET.indexOf(body.charAt(i));
    if (codePoint < 0) throw new RangeError(`Caractère ${JSON.stringify(body.charAt(i))} interdit dans un UVCI.`);
    const addend = factor * codePoint;
    sum += Math.floor(addend / n) + (addend % n);
    factor = factor === 2 ? 1 : 2;
  }
  return UVCI_LUHN_ALPHABET.charAt((n - (sum % n)) % n);
}

function randomOpaqueId(length: number): string {
  return generateCrockford(length);
}

export interface GenerateUvciOptions {
  country: 'FR';
  /**
   * Optional issuing entity component (uppercase alphanumerics), placed before the opaque id
   * and separated by `/` (Annex 2 options 1 and 3), e.g. `URN:UVCI:01:FR:PSC/…#C`.
   */
  issuerPrefix?: string;
}

/** New UVCI `URN:UVCI:01:FR:[<issuerPrefix>/]<opaque id>#<checksum>`, the opaque id random. */
export function generateUvci(options: GenerateUvciOptions): string {
  if (!/^[A-Z]{2}$/.test(options.country)) throw new RangeError('Le pays doit être un code ISO 3166-1 alpha-2.');
  if (options.issuerPrefix !== undefined && !/^[A-Z0-9]{1,20}$/.test(options.issuerPrefix)) {
    throw new RangeError("Le préfixe d'émetteur doit être fait de 1 à 20 lettres majuscules ou chiffres.");
  }
  const id = `${options.issuerPrefix ? `${options.issuerPrefix}/` : ''}${randomOpaqueId(OPAQUE_LENGTH)}`;
  const body = `${UVCI_PREFIX}${UVCI_VERSION}:${options.country}:${id}`;
  return `${body}#${uvciChecksum(body)}`;
}

const UVCI_PATTERN = /^URN:UVCI:01:[A-Z]{2}:[A-Z0-9]+(?:\/[A-Z0-9]+)*#[A-Z0-9/:]$/;

/**
 * Whether `uvci` is a version 01 UVCI with the `URN:UVCI:` prefix, a two-letter country, an
 * identifier of uppercase alphanumeric components separated by `/`, and a correct checksum.
 * A UVCI without a checksum (which the guidelines allow) is not valid here.
 */
export function isValidUvci(uvci: string): boolean {
  if (uvci.length > MAX_UVCI_LENGTH || !UVCI_PATTERN.test(uvci)) return false;
  const hash = uvci.lastIndexOf('#');
  return uvciChecksum(uvci.slice(0, hash)) === uvci.slice(hash + 1);
}
