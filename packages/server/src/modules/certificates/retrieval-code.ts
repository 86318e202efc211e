import { generateCrockford, normalizeCrockford } from '../codes/code-format.js';

const LENGTH = 12;
const group = (code: string) => `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;

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
