import { constants, verify as cryptoVerify } from 'node:crypto';
import { decodeCbor, encodeArrayHead, encodeByteString, encodeTextString, isBytes, isTag } from './cbor.js';
import { DccError } from './dcc-error.js';
import type { TrustedSigner } from './trusted-signers.js';

/** COSE header labels and algorithms used by the DCC (RFC 8152). */
const HEADER_ALG = 1;
const HEADER_KID = 4;
export const ALG_ES256 = -7;
export const ALG_PS256 = -37;
const TAG_COSE_SIGN1 = 18;
const TAG_CWT = 61;

export interface CoseSign1 {
  /** The protected header bstr exactly as received: it is signed as is. */
  protectedBytes: Buffer;
  protectedHeader: Map<unknown, unknown>;
  unprotectedHeader: Map<unknown, unknown>;
  payload: Buffer;
  signature: Buffer;
  /** Key identifier: from the protected header if present there, else from the unprotected one. */
  kid: Buffer;
  alg: typeof ALG_ES256 | typeof ALG_PS256;
}

const invalid = (detail?: string, cause?: unknown) =>
  new DccError('cose', `La structure COSE est invalide${detail ? ` : ${detail}` : ''}.`, { cause });

/** Parses a COSE_Sign1 (tag 18, optionally inside a CWT tag 61, or untagged array of 4). */
export function parseCoseSign1(bytes: Uint8Array): CoseSign1 {
  let value: unknown;
  try {
    value = decodeCbor(bytes);
  } catch (cause) {
    throw invalid('ce n’est pas du CBOR valide', cause);
  }
  if (isTag(value) && value.tag === TAG_CWT) value = value.value;
  if (isTag(value)) {
    if (value.tag !== TAG_COSE_SIGN1) throw invalid(`étiquette CBOR ${value.tag} inattendue`);
    value = value.value;
  }
  if (!Array.isArray(value) || value.length !== 4) throw invalid('un tableau de 4 éléments est attendu');
  const [protectedBytes, unprotectedHeader, payload, signature] = value as unknown[];
  if (!isBytes(protectedBytes) || !isBytes(payload) || !isBytes(signature)) {
    throw invalid('en-tête protégé, contenu et signature doivent être des chaînes d’octets');
  }
  if (!(unprotectedHeader instanceof Map)) throw invalid('l’en-tête non protégé doit être une table');

  let protectedHeader: Map<unknown, unknown> = new Map();
  if (protectedBytes.length > 0) {
    let decoded: unknown;
    try {
      decoded = decodeCbor(protectedBytes);
    } catch (cause) {
      throw invalid('en-tête protégé illisible', cause);
    }
    if (!(decoded instanceof Map)) throw invalid('l’en-tête protégé doit être une table');
    protectedHeader = decoded;
  }

  // The protected header wins: a kid only in the unprotected header is accepted (kid is
  // not security critical: the signature decides), but it never overrides a protected one.
  const kid = protectedHeader.has(HEADER_KID) ? protectedHeader.get(HEADER_KID) : unprotectedHeader.get(HEADER_KID);
  if (!isBytes(kid) || kid.length === 0) throw invalid('identifiant de clé (kid) absent');
  const alg = protectedHeader.has(HEADER_ALG) ? protectedHeader.get(HEADER_ALG) : unprotectedHeader.get(HEADER_ALG);
  if (alg !== ALG_ES256 && alg !== ALG_PS256) throw invalid(`algorithme ${String(alg)} non pris en charge`);

  return {
    protectedBytes: Buffer.from(protectedBytes),
    protectedHeader,
    unprotectedHeader,
    payload: Buffer.from(payload),
    signature: Buffer.from(signature),
    kid: Buffer.from(kid),
    alg,
  };
}

/** Sig_structure = ["Signature1", body_protected, external_aad = h'', payload], CBOR encoded (RFC 8152 §4.4). */
export function sigStructure(cose: Pick<CoseSign1, 'protectedBytes' | 'payload'>): Buffer {
  return Buffer.concat([
    encodeArrayHead(4),
    encodeTextString('Signature1'),
    encodeByteString(cose.protectedBytes),
    encodeByteString(new Uint8Array(0)),
    encodeByteString(cose.payload),
  ]);
}

function signatureMatches(cose: CoseSign1, signer: TrustedSigner): boolean {
  const key = signer.certificate.publicKey;
  const data = sigStructure(cose);
  try {
    if (cose.alg === ALG_ES256) {
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return false;
      if (cose.signature.length !== 64) return false;
      return cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, cose.signature);
    }
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return false;
    return cryptoVerify(
      'sha256',
      data,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      cose.signature,
    );
  } catch {
    return false;
  }
}

/**
 * Verifies the COSE_Sign1 signature against the trusted signers holding its kid.
 * Returns the signer whose key verified it; throws a `verify` DccError otherwise.
 */
export function verifyCoseSign1(cose: CoseSign1, trustedSigners: readonly TrustedSigner[]): TrustedSigner {
  const candidates = trustedSigners.filter((signer) => signer.kid.equals(cose.kid));
  const signer = candidates.find((candidate) => signatureMatches(cose, candidate));
  if (!signer) throw new DccError('verify', 'La signature ne correspond à aucun signataire de confiance.');
  return signer;
}
