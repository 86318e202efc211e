import { groupRetrievalCode as group, RETRIEVAL_CODE_LENGTH as LENGTH } from '@prostopcovid/continuity';
import { generateCrockford, normalizeCrockford } from './crockford.js';

/**
 * The code printed on the patient's result or vaccination document: 12 Crockford Base32
 * characters (60 bits), grouped by four; with the date of birth it opens the certificates.
 */
export function generateRetrievalCode(): string {
  return group(generateCrockford(LENGTH));
}

/** What the patient typed, canonical and grouped, or null. */
export function normalizeRetrievalCode(input: string): string | null {
  const code = normalizeCrockford(input, LENGTH);
  return code ? group(code) : null;
}
