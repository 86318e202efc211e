import { decodeBase45 } from './base45.js';
import { parseCoseSign1, type CoseSign1 } from './cose.js';
import { decodeCwtClaims, type CwtClaims } from './cwt.js';
import { inflateHc1, unprefixHc1 } from './hc1.js';

export interface DecodedHc1 {
  /** Base45-decoded bytes (zlib stream). */
  compressed: Uint8Array;
  /** Inflated bytes: the CBOR COSE_Sign1. */
  coseBytes: Uint8Array;
  cose: CoseSign1;
  claims: CwtClaims;
}

/**
 * Decodes an "HC1:" text down to its COSE_Sign1 and CWT claims, WITHOUT checking the signature
 * (tools and tests; a verdict comes from `verifyDcc`). Throws a `DccError` naming the failed step.
 */
export async function decodeHc1(text: string): Promise<DecodedHc1> {
  const compressed = decodeBase45(unprefixHc1(text));
  const coseBytes = await inflateHc1(compressed);
  const cose = parseCoseSign1(coseBytes);
  return { compressed, coseBytes, cose, claims: decodeCwtClaims(cose.payload) };
}
