import { inflateSync } from 'node:zlib';
import base45 from 'base45';
import { type CoseSign1, parseCoseSign1 } from './cose.js';
import { type CwtClaims, decodeCwtClaims } from './cwt.js';
import { DccError } from './dcc-error.js';

/** Context identifier of an EU DCC v1 ("HC1:"). */
export const HC1_PREFIX = 'HC1:';
/** A DCC inflates to a few kilobytes; bound the output so a crafted zlib stream cannot exhaust memory. */
const MAX_INFLATED_BYTES = 256 * 1024;
const BASE45_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

export interface DecodedHc1 {
  /** Base45 text after the prefix. */
  base45: string;
  /** Base45-decoded bytes (zlib stream). */
  compressed: Buffer;
  /** Inflated bytes: the CBOR COSE_Sign1. */
  coseBytes: Buffer;
  cose: CoseSign1;
  claims: CwtClaims;
}

/** Step `unprefix`: the text must start with "HC1:" (no other context is supported). */
export function unprefixHc1(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith(HC1_PREFIX)) throw new DccError('unprefix', 'Le préfixe HC1: est absent.');
  return trimmed.slice(HC1_PREFIX.length);
}

/**
 * Step `b45decode` (RFC 9285). The `base45` package does not reject characters outside the
 * alphabet nor out-of-range groups, so the text is checked first.
 */
export function decodeBase45(text: string): Buffer {
  const invalid = () => new DccError('b45decode', 'Le contenu Base45 est invalide.');
  if (text.length === 0 || text.length % 3 === 1) throw invalid();
  const values: number[] = [];
  for (const char of text) {
    const value = BASE45_ALPHABET.indexOf(char);
    if (value < 0) throw invalid();
    values.push(value);
  }
  for (let i = 0; i < values.length; i += 3) {
    const [c = 0, d = 0, e = 0] = values.slice(i, i + 3);
    const n = c + d * 45 + e * 45 * 45;
    if (values.length - i >= 3 ? n > 0xffff : n > 0xff) throw invalid();
  }
  return base45.decode(text);
}

/** Step `compression`: the payload must be a zlib stream (an uncompressed COSE fails, as the vectors require). */
export function inflateHc1(compressed: Uint8Array): Buffer {
  try {
    return inflateSync(compressed, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (cause) {
    throw new DccError('compression', 'La décompression a échoué.', { cause });
  }
}

/**
 * Decodes an "HC1:" text down to its COSE_Sign1 and CWT claims, without checking the signature.
 * Throws a `DccError` naming the failed step (`unprefix` … `decode`).
 */
export function decodeHc1(text: string): DecodedHc1 {
  const b45 = unprefixHc1(text);
  const compressed = decodeBase45(b45);
  const coseBytes = inflateHc1(compressed);
  const cose = parseCoseSign1(coseBytes);
  const claims = decodeCwtClaims(cose.payload);
  return { base45: b45, compressed, coseBytes, cose, claims };
}
