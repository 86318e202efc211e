import { base64url, calculateJwkThumbprint, CompactSign, compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import type { ProvisionalInvalidReason, ProvisionalTestClaims, ProvisionalVerdict, TrustListAnswer } from '@prostopcovid/contracts/attestations';
import type { TestResult, TestType } from '@prostopcovid/contracts/acts';

export type { ProvisionalInvalidReason, ProvisionalTestClaims, TestResult, TestType };

/**
 * Provisional test attestations (docs/domain.md, Continuity).
 *
 * During a PSC or portal outage the professional prints an attestation whose QR code holds
 * `PSCV1:` + a compact JWS (ES256) signed by a key that never leaves their browser (non-
 * extractable WebCrypto key, public half enrolled with the server while online). A verifier
 * checks it offline against a cached trust list: the enrolled keys and the incident windows.
 *
 * Shared by the browser (signing, offline verification) and the server (verification API):
 * WebCrypto and jose only.
 */

/** What the QR code text starts with; the rest is the compact JWS. */
export const PROVISIONAL_PREFIX = 'PSCV1:';
/** JWS `typ`: a JWS of another kind, signed by the same key, is not taken for an attestation. */
export const PROVISIONAL_JWS_TYPE = 'pscv-provisional+jws';
/** Components whose outage relaxes the control of test attestations. */
export const PROVISIONAL_TEST_COMPONENTS = ['psc', 'tests-portal'] as const;
/** The longest validity an incident may set (the incidents table checks 1..72). */
export const MAX_VALIDITY_HOURS = 72;
/** Clock drift tolerated between the professional's device and the verifier. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** No text beyond this is even parsed (a QR code holds under 3 kB). */
const MAX_TEXT_LENGTH = 4_000;

/**
 * The JWS payload, short names to keep the QR code small:
 * - v: version (1); id: act id (UUID)
 * - pr: professional {id: idNatPs, n: display name, l?: profession label}
 * - pt: patient {fn: family name, gn: given name, dob: YYYY-MM-DD}
 * - t: test {ty: 'ag' antigen | 'sst' supervised self-test, dv?: device {i: id, n: name},
 *   r: 'd' detected | 'nd' not detected, sa: sampled at (Unix seconds)}
 * - h: validity hours; ia: issued at (Unix seconds); pl: place
 */
interface WirePayload {
  v: 1;
  id: string;
  pr: { id: string; n: string; l?: string };
  pt: { fn: string; gn: string; dob: string };
  t: { ty: 'ag' | 'sst'; dv?: { i: string; n: string }; r: 'd' | 'nd'; sa: number };
  h: number;
  ia: number;
  pl: string;
}

const TYPE_CODES = { antigen: 'ag', 'supervised-self-test': 'sst' } as const;
const RESULT_CODES = { detected: 'd', 'not-detected': 'nd' } as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID_NAT_PS = /^[0-9A-Za-z]{1,20}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
// Printable text only: no control characters on a printed or displayed document.
const CONTROL = /[\u0000-\u001f\u007f]/;

function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= max && !CONTROL.test(value);
}
function isDay(value: unknown): value is string {
  const match = typeof value === 'string' ? DAY.exec(value) : null;
  if (!match) return false;
  const date = new Date(`${value as string}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}
function isSeconds(value: unknown): value is number {
  // 2020-01-01 .. 2100-01-01: no SARS-CoV-2 test predates the pandemic.
  return Number.isInteger(value) && (value as number) >= 1_577_836_800 && (value as number) < 4_102_444_800;
}
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function onlyKeys(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(value).every((key) => keys.includes(key));
}

/** The wire payload, or null when anything is missing, extra or out of range. */
function parseWire(value: unknown): WirePayload | null {
  if (!isRecord(value) || !onlyKeys(value, ['v', 'id', 'pr', 'pt', 't', 'h', 'ia', 'pl'])) return null;
  const { pr, pt, t } = value;
  if (value.v !== 1 || typeof value.id !== 'string' || !UUID.test(value.id)) return null;
  if (!isRecord(pr) || !onlyKeys(pr, ['id', 'n', 'l']) || typeof pr.id !== 'string' || !ID_NAT_PS.test(pr.id) || !isText(pr.n, 120)) return null;
  if (pr.l !== undefined && !isText(pr.l, 120)) return null;
  if (!isRecord(pt) || !onlyKeys(pt, ['fn', 'gn', 'dob']) || !isText(pt.fn, 80) || !isText(pt.gn, 80) || !isDay(pt.dob)) return null;
  if (!isRecord(t) || !onlyKeys(t, ['ty', 'dv', 'r', 'sa']) || (t.ty !== 'ag' && t.ty !== 'sst') || (t.r !== 'd' && t.r !== 'nd') || !isSeconds(t.sa)) return null;
  if (t.dv !== undefined && (!isRecord(t.dv) || !onlyKeys(t.dv, ['i', 'n']) || !isText(t.dv.i, 20) || !isText(t.dv.n, 200))) return null;
  if (!Number.isInteger(value.h) || (value.h as number) < 1 || (value.h as number) > MAX_VALIDITY_HOURS) return null;
  if (!isSeconds(value.ia) || !isText(value.pl, 80)) return null;
  return value as unknown as WirePayload;
}

function toWire(claims: ProvisionalTestClaims): WirePayload {
  const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  const { professional, patient, test } = claims;
  const wire: WirePayload = {
    v: 1,
    id: claims.actId,
    pr: { id: professional.idNatPs, n: professional.name, ...(professional.professionLabel ? { l: professional.professionLabel } : {}) },
    pt: { fn: patient.familyName, gn: patient.givenName, dob: patient.birthDate },
    t: { ty: TYPE_CODES[test.type], ...(test.device ? { dv: { i: test.device.id, n: test.device.name } } : {}), r: RESULT_CODES[test.result], sa: seconds(test.sampledAt) },
    h: claims.validityHours,
    ia: seconds(claims.issuedAt),
    pl: claims.place,
  };
  return wire;
}

function fromWire(wire: WirePayload): ProvisionalTestClaims {
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  return {
    version: 1,
    actId: wire.id.toLowerCase(),
    professional: { idNatPs: wire.pr.id, name: wire.pr.n, ...(wire.pr.l ? { professionLabel: wire.pr.l } : {}) },
    patient: { familyName: wire.pt.fn, givenName: wire.pt.gn, birthDate: wire.pt.dob },
    test: {
      type: wire.t.ty === 'ag' ? 'antigen' : 'supervised-self-test',
      ...(wire.t.dv ? { device: { id: wire.t.dv.i, name: wire.t.dv.n } } : {}),
      result: wire.t.r === 'd' ? 'detected' : 'not-detected',
      sampledAt: iso(wire.t.sa),
    },
    validityHours: wire.h,
    issuedAt: iso(wire.ia),
    place: wire.pl,
  };
}

/** An ECDSA P-256 key pair whose private key cannot be exported (not even by the page's own scripts). */
export async function generateAttestationKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
}

/** The public JWK reduced to its required members (what is enrolled and published). */
export function publicJwkOf(jwk: JsonWebKey): JsonWebKey {
  if (jwk.d !== undefined) throw new Error('private key material given where a public key is expected');
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

/** The key id: the RFC 7638 SHA-256 thumbprint of the public JWK. */
export async function computeKid(publicJwk: JsonWebKey): Promise<string> {
  const { kty, crv, x, y } = publicJwk;
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string') throw new Error('not an EC P-256 public key');
  return calculateJwkThumbprint({ kty, crv, x, y }, 'sha256');
}

/** Order of the P-256 group: (r, s) and (r, n − s) both verify, so only s ≤ n/2 is accepted. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const P256_HALF_ORDER = P256_ORDER >> 1n;

function scalarOf(bytes: Uint8Array): bigint {
  return BigInt(`0x${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') || '0'}`);
}

function bytesOf(value: bigint): Uint8Array {
  const hex = value.toString(16).padStart(64, '0');
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}

/**
 * The low-S form of an ES256 JWS: WebCrypto signs with either S, and a verifier that took
 * both would let anyone derive a second valid text from a genuine one (malleability: two
 * "different" attestations for one act).
 */
function withLowS(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const raw = base64url.decode(signature);
  const s = scalarOf(raw.subarray(32));
  if (s <= P256_HALF_ORDER) return jws;
  const fixed = new Uint8Array(64);
  fixed.set(raw.subarray(0, 32));
  fixed.set(bytesOf(P256_ORDER - s), 32);
  return `${header}.${payload}.${base64url.encode(fixed)}`;
}

/** An ES256 signature of 64 bytes with 0 < s ≤ n/2 (the signature itself is checked by jose). */
function hasLowS(jws: string): boolean {
  let raw: Uint8Array;
  try {
    raw = base64url.decode(jws.split('.')[2]!);
  } catch {
    return false;
  }
  if (raw.length !== 64) return false;
  const s = scalarOf(raw.subarray(32));
  return s > 0n && s <= P256_HALF_ORDER;
}

/** Signs the attestation; throws when the claims could not be verified later (bad field). */
export async function signProvisionalTest(privateKey: CryptoKey, kid: string, claims: ProvisionalTestClaims): Promise<string> {
  const wire = toWire(claims);
  if (!parseWire(JSON.parse(JSON.stringify(wire)))) throw new Error('invalid provisional test claims');
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(wire)))
    .setProtectedHeader({ alg: 'ES256', kid, typ: PROVISIONAL_JWS_TYPE })
    .sign(privateKey);
  return PROVISIONAL_PREFIX + withLowS(jws);
}

/** Whether a scanned or pasted text claims to be a provisional attestation. */
export function isProvisionalText(text: string): boolean {
  return text.trim().startsWith(PROVISIONAL_PREFIX);
}

/** An enrolled key, as the server or the cached trust list knows it. */
export interface TrustedAttestationKey {
  publicJwk: JsonWebKey;
  /** The professional the key was enrolled by (their session's identity). */
  idNatPs: string;
  name: string;
  revokedAt?: Date | string | null;
}

export interface IncidentWindow {
  component: string;
  startedAt: Date | string;
  /** null while the incident is open. */
  endedAt: Date | string | null;
  testAttestationHours: number;
}

export interface VerifyProvisionalOptions {
  findKey(kid: string): TrustedAttestationKey | undefined | Promise<TrustedAttestationKey | undefined>;
  incidents: readonly IncidentWindow[];
  now: Date;
}

export const PROVISIONAL_REASON_MESSAGES: Readonly<Record<ProvisionalInvalidReason, string>> = {
  malformed: "Ce texte n'est pas une attestation provisoire de test lisible (QR code incomplet ou altéré).",
  'unknown-key': "La signature de cette attestation ne provient d'aucune clé enregistrée par un professionnel de santé : elle est refusée.",
  'revoked-key': 'Cette attestation est signée par une clé révoquée par le professionnel ou par les autorités : elle est refusée.',
  'bad-signature': 'La signature de cette attestation est invalide : son contenu a été modifié ou elle est contrefaite.',
  'identity-mismatch': "Le professionnel indiqué sur l'attestation n'est pas celui qui a enregistré la clé de signature : elle est refusée.",
  future: "La date du test est dans le futur : l'attestation est refusée.",
  'outside-incident':
    "Le test n'a pas été réalisé pendant une panne déclarée de Pro Santé Connect ou du portail des tests : une attestation provisoire n'est pas acceptée hors de ces périodes. Le patient doit présenter son certificat de test.",
  expired: "La durée de validité de cette attestation provisoire est dépassée : elle n'est plus acceptée.",
};

function invalid(reason: ProvisionalInvalidReason, claims?: ProvisionalTestClaims): ProvisionalVerification {
  return { status: 'invalid', reason, message: PROVISIONAL_REASON_MESSAGES[reason], ...(claims ? { claims } : {}) };
}

/** "13/08/2021 à 22:00", Paris time, wherever the verifier runs. */
export function formatParisDateTime(instant: Date): string {
  const day = instant.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
  const hour = instant.toLocaleTimeString('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' });
  return `${day} à ${hour}`;
}

function time(value: Date | string): number {
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

/**
 * Checks a provisional attestation: the signature of an enrolled, unrevoked key of the
 * professional it names, a test time inside a `psc` or `tests-portal` incident (relaxed
 * control, docs/domain.md, Continuity, rule 4), and `now` within the validity: the stated one, capped by the
 * incident's. A key revoked at any time refuses all its attestations: revocation means the
 * key may be in other hands, and a thief can write any test time.
 */
export async function verifyProvisionalTest(text: string, options: VerifyProvisionalOptions): Promise<ProvisionalVerification> {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PROVISIONAL_PREFIX) || trimmed.length > MAX_TEXT_LENGTH) return invalid('malformed');
  const jws = trimmed.slice(PROVISIONAL_PREFIX.length);
  let kid: string;
  try {
    const header = decodeProtectedHeader(jws);
    if (header.alg !== 'ES256' || header.typ !== PROVISIONAL_JWS_TYPE || typeof header.kid !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(header.kid)) {
      return invalid('malformed');
    }
    kid = header.kid;
  } catch {
    return invalid('malformed');
  }
  if (jws.split('.').length !== 3) return invalid('malformed');

  const key = await options.findKey(kid);
  if (!key) return invalid('unknown-key');
  if (!hasLowS(jws)) return invalid('bad-signature');
  let payload: Uint8Array;
  try {
    const publicKey = await importJWK({ ...publicJwkOf(key.publicJwk), alg: 'ES256' }, 'ES256');
    ({ payload } = await compactVerify(jws, publicKey, { algorithms: ['ES256'] }));
  } catch {
    return invalid('bad-signature');
  }
  let wire: WirePayload | null;
  try {
    wire = parseWire(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)));
  } catch {
    wire = null;
  }
  // Signed by an enrolled key yet unreadable: a bug or a key misused, never accepted.
  if (!wire) return invalid('malformed');
  const claims = fromWire(wire);

  if (key.revokedAt) return invalid('revoked-key', claims);
  if (claims.professional.idNatPs !== key.idNatPs) return invalid('identity-mismatch', claims);

  const now = options.now.getTime();
  const sampled = wire.t.sa * 1000;
  if (sampled > now + FUTURE_TOLERANCE_MS) return invalid('future', claims);

  // Of the incidents the test time falls in, the one giving the longest validity.
  let best: { incident: IncidentWindow; until: number } | undefined;
  for (const incident of options.incidents) {
    if (!(PROVISIONAL_TEST_COMPONENTS as readonly string[]).includes(incident.component)) continue;
    const start = time(incident.startedAt);
    // An open incident lasts until now, with the clock skew allowed for the test time itself.
    const end = incident.endedAt === null ? now + FUTURE_TOLERANCE_MS : time(incident.endedAt);
    if (Number.isNaN(start) || Number.isNaN(end) || sampled < start || sampled > end) continue;
    const hours = Math.min(claims.validityHours, incident.testAttestationHours);
    const until = sampled + hours * 3_600_000;
    if (!best || until > best.until) best = { incident, until };
  }
  if (!best) return invalid('outside-incident', claims);
  if (now > best.until) return invalid('expired', claims);

  const { incident } = best;
  return {
    status: 'valid',
    message: `Attestation provisoire valide jusqu'au ${formatParisDateTime(new Date(best.until))} (contrôle allégé : test réalisé pendant une panne déclarée).`,
    claims,
    validUntil: new Date(best.until).toISOString(),
    incident: {
      component: incident.component,
      startedAt: new Date(time(incident.startedAt)).toISOString(),
      endedAt: incident.endedAt === null ? null : new Date(time(incident.endedAt)).toISOString(),
      testAttestationHours: incident.testAttestationHours,
    },
    signer: { kid, idNatPs: key.idNatPs, name: key.name },
  };
}

/** What GET /api/verifier/trust-list answers and an offline verifier caches. */
export type TrustList = TrustListAnswer;
export type ProvisionalVerification = ProvisionalVerdict;

/**
 * Offline verification against a cached trust list. An incident still open in the cache
 * is taken as open until `now`: the verifier cannot know it has ended since.
 */
export function verifyWithTrustList(text: string, trustList: TrustList, now: Date): Promise<ProvisionalVerification> {
  const byKid = new Map(trustList.keys.map((key) => [key.kid, key]));
  return verifyProvisionalTest(text, { findKey: (kid) => byKid.get(kid), incidents: trustList.incidents, now });
}
