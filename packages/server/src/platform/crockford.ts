/** Codes people type: Crockford Base32 (the alphabet the browser shares), drawn at random and read back leniently. */
import { randomBytes } from 'node:crypto';
import { CROCKFORD_ALPHABET } from '@prostopcovid/continuity';

const LOOK_ALIKES: Record<string, string> = { O: '0', I: '1', L: '1' };

/**
 * What a person typed, as a canonical code of `length` characters: case, spaces, dashes and
 * dots ignored, look-alike letters read as the digits they resemble. Null when it cannot be one.
 */
export function normalizeCrockford(input: string, length: number): string | null {
  const compact = input.toUpperCase().replace(/[\s\-.]/g, '');
  let code = '';
  for (const char of compact) {
    const mapped = LOOK_ALIKES[char] ?? char;
    if (!CROCKFORD_ALPHABET.includes(mapped)) return null;
    code += mapped;
  }
  return code.length === length ? code : null;
}

/**
 * A random code of `length` characters from the alphabet. The alphabet has exactly 32
 * characters, so the low 5 bits of each random byte pick one without bias.
 */
export function generateCrockford(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += CROCKFORD_ALPHABET[randomByte() & 31];
  return code;
}

// Random bytes are drawn from the CSPRNG 8 KiB at a time (as Node does for randomUUID): a
// system call per code would dominate the cost of a laboratory batch.
let pool = Buffer.alloc(0);
let offset = 0;
function randomByte(): number {
  if (offset >= pool.length) {
    pool = randomBytes(8192);
    offset = 0;
  }
  return pool[offset++]!;
}
