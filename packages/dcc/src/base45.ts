import { DccError } from './steps.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUES = new Map([...ALPHABET].map((char, index) => [char, index]));

/**
 * Step `b45decode`: strict RFC 9285. A character outside the alphabet, a dangling single
 * character, or a group worth more than its bytes can hold (over 65535, or 255 for a final
 * pair) is an error rather than a silently wrong byte.
 */
export function decodeBase45(text: string): Uint8Array {
  const invalid = () => new DccError('b45decode', 'Le contenu Base45 est invalide.');
  if (text.length === 0 || text.length % 3 === 1) throw invalid();
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < text.length; i += 3) {
    let n = 0;
    let factor = 1;
    const group = text.slice(i, i + 3);
    for (const char of group) {
      const value = VALUES.get(char);
      if (value === undefined) throw invalid();
      n += value * factor;
      factor *= 45;
    }
    if (group.length === 3) {
      if (n > 0xffff) throw invalid();
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      if (n > 0xff) throw invalid();
      out[o++] = n;
    }
  }
  return out;
}

/** RFC 9285 encoding: two bytes to three characters, a final byte to two. */
export function encodeBase45(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 2) {
    if (i + 1 < bytes.length) {
      let n = bytes[i]! * 256 + bytes[i + 1]!;
      for (let k = 0; k < 3; k++, n = Math.floor(n / 45)) out += ALPHABET[n % 45];
    } else {
      const n = bytes[i]!;
      out += ALPHABET[n % 45]! + ALPHABET[Math.floor(n / 45)]!;
    }
  }
  return out;
}
