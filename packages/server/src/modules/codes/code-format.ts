import { CROCKFORD_ALPHABET } from '@prostopcovid/continuity';
import { generateCrockford, normalizeCrockford } from '../../platform/crockford.js';

/**
 * Crockford's Base32 alphabet, shared with the browser (which draws retrieval codes offline):
 * no I, L, O (read as 1, 1, 0) and no U. 32^6 ≈ 1.07 × 10^9 six-character codes.
 */
export const CODE_ALPHABET = CROCKFORD_ALPHABET;
export const SHORT_CODE_LENGTH = 6;

export function generateShortCode(): string {
  return generateCrockford(SHORT_CODE_LENGTH);
}

export function normalizeShortCode(input: string): string | null {
  return normalizeCrockford(input, SHORT_CODE_LENGTH);
}

/** "K7Q4XM" → "K7Q 4XM", easier to dictate. */
export function groupForDictation(code: string): string {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}
