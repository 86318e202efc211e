import { toArrayBuffer } from './bytes.js';
import { decodeCbor, encodeCbor, isBytes, isMap, isTag } from './cbor.js';
import { DccError } from './steps.js';
import { bytesToBase64 } from './bytes.js';
import type { TrustedSigner } from './signers.js';

/**
 * Where the signers come from: a list, or a lookup by kid (base64; '' when the certificate has
 * none, with its issuing country), so a verifier holding thousands parses only those it needs.
 */
export type SignerSource = readonly TrustedSigner[] | ((kidBase64: string, issuer?: string) => Promise<readonly TrustedSigner[]>);

/** COSE header labels and algorithms used by the DCC (RFC 8152). */
const HEADER_ALG = 1;
const HEADER_CRIT = 2;
const HEADER_KID = 4;
export const ALG_ES256 = -7;
export const ALG_PS256 = -37;
const TAG_COSE_SIGN1 = 18;
const TAG_CWT = 61;

export interface CoseSign1 {
  /** The protected header bstr exactly as received: it is signed as is. */
  protectedBytes: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  unprotectedHeader: Map<unknown, unknown>;
  payload: Uint8Array;
  signature: Uint8Array;
  /** Key identifier: from the protected header if present there, else from the unprotected one; empty when none. */
  kid: Uint8Array;
  alg: typeof ALG_ES256 | typeof ALG_PS256;
}

const invalid = (detail?: string, cause?: unknown) =>
  new DccError('cose', `La structure COSE est invalide${detail ? ` : ${detail}` : ''}.`, { cause });

/** Step `cose`: a COSE_Sign1 (tag 18, optionally inside a CWT tag 61, or an untagged array of 4). */
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
  // A byte string under a tag (seen in Iceland's official vector) is taken as the byte string.
  const untag = (item: unknown) => (isTag(item) && isBytes(item.value) ? item.value : item);
  const [protectedBytes, unprotectedHeader, payload, signature] = (value as unknown[]).map(untag);
  if (!isBytes(protectedBytes) || !isBytes(payload) || !isBytes(signature)) {
    throw invalid('en-tête protégé, contenu et signature doivent être des chaînes d’octets');
  }
  if (!isMap(unprotectedHeader)) throw invalid('l’en-tête non protégé doit être une table');

  let protectedHeader: Map<unknown, unknown> = new Map();
  if (protectedBytes.length > 0) {
    let decoded: unknown;
    try {
      decoded = decodeCbor(protectedBytes);
    } catch (cause) {
      throw invalid('en-tête protégé illisible', cause);
    }
    if (!isMap(decoded)) throw invalid('l’en-tête protégé doit être une table');
    protectedHeader = decoded;
  }

  // The protected header wins: a kid only in the unprotected header is accepted (kid is
  // not security critical: the signature decides), but it never overrides a protected one.
  // Some issuers wrote an empty kid (Greece's official vector): the signature step then looks
  // among the issuing country's signers.
  const kid = untag(protectedHeader.has(HEADER_KID) ? protectedHeader.get(HEADER_KID) : (unprotectedHeader.get(HEADER_KID) ?? new Uint8Array(0)));
  if (!isBytes(kid)) throw invalid('identifiant de clé (kid) illisible');
  // The protected header's algorithm wins; one only in the unprotected header is accepted, as the
  // official vector CO20 requires (the key type must still match it, and the signature verify).
  const alg = protectedHeader.has(HEADER_ALG) ? protectedHeader.get(HEADER_ALG) : unprotectedHeader.get(HEADER_ALG);
  if (alg !== ALG_ES256 && alg !== ALG_PS256) throw invalid(`algorithme ${String(alg).slice(0, 20)} non pris en charge`);
  // Critical headers must be understood (RFC 8152 §3.1): this verifier knows none.
  if (protectedHeader.has(HEADER_CRIT)) throw invalid('en-têtes critiques (crit) non pris en charge');

  return {
    protectedBytes: Uint8Array.from(protectedBytes),
    protectedHeader,
    unprotectedHeader,
    payload: Uint8Array.from(payload),
    signature: Uint8Array.from(signature),
    kid: Uint8Array.from(kid),
    alg,
  };
}

/** Sig_structure = ["Signature1", body_protected, external_aad = h'', payload], CBOR encoded (RFC 8152 §4.4). */
export function sigStructure(cose: Pick<CoseSign1, 'protectedBytes' | 'payload'>): Uint8Array {
  return encodeCbor(['Signature1', cose.protectedBytes, new Uint8Array(0), cose.payload]);
}

const importedKeys = new WeakMap<TrustedSigner, Map<number, Promise<CryptoKey | null>>>();

/** The signer's public key for WebCrypto, imported once per algorithm; null if it cannot serve it. */
function verificationKey(signer: TrustedSigner, alg: CoseSign1['alg']): Promise<CryptoKey | null> {
  let byAlg = importedKeys.get(signer);
  if (!byAlg) importedKeys.set(signer, (byAlg = new Map<number, Promise<CryptoKey | null>>()));
  let key = byAlg.get(alg);
  if (!key) {
    const spki = toArrayBuffer(signer.certificate.spki);
    const { keyType } = signer.certificate;
    key =
      alg === ALG_ES256 && keyType === 'ec-p256'
        ? crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
        : alg === ALG_PS256 && keyType === 'rsa'
          ? crypto.subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify'])
          : Promise.resolve(null);
    key = key.catch(() => null);
    byAlg.set(alg, key);
  }
  return key;
}

async function signatureMatches(cose: CoseSign1, signer: TrustedSigner): Promise<boolean> {
  const key = await verificationKey(signer, cose.alg);
  if (!key) return false;
  // ES256 signatures are the raw r ‖ s (64 bytes), which is what WebCrypto verifies.
  if (cose.alg === ALG_ES256 && cose.signature.length !== 64) return false;
  const algorithm = cose.alg === ALG_ES256 ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSA-PSS', saltLength: 32 };
  try {
    return await crypto.subtle.verify(algorithm, key, toArrayBuffer(cose.signature), toArrayBuffer(sigStructure(cose)));
  } catch {
    return false;
  }
}

/** Without a kid, at most this many signers of the issuing country are tried. */
export const MAX_SIGNERS_WITHOUT_KID = 50;

/**
 * Step `verify`: the COSE_Sign1 signature against the trusted signers holding its kid (or,
 * when the certificate carries none, those of its issuing country `issuer`). Returns the signer
 * whose key verified it; throws a `verify` DccError otherwise.
 */
export async function verifyCoseSign1(cose: CoseSign1, source: SignerSource, issuer?: string): Promise<TrustedSigner> {
  const kid = cose.kid;
  const trustedSigners = typeof source === 'function' ? await source(bytesToBase64(kid), issuer) : source;
  const candidates =
    kid.length > 0
      ? trustedSigners.filter((signer) => signer.kid.length === kid.length && signer.kid.every((byte, i) => byte === kid[i]))
      : trustedSigners.filter((signer) => issuer !== undefined && signer.country === issuer).slice(0, MAX_SIGNERS_WITHOUT_KID);
  if (candidates.length === 0) {
    throw new DccError('verify', 'Le signataire de ce certificat est inconnu : il ne figure pas dans la liste de confiance.');
  }
  for (const candidate of candidates) {
    if (await signatureMatches(cose, candidate)) return candidate;
  }
  throw new DccError('verify', 'La signature ne correspond à aucun signataire de confiance.');
}
