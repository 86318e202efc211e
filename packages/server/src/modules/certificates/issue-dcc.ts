import { sign } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import {
  ALG_ES256,
  HC1_PREFIX,
  allowedKinds,
  cborTag,
  encodeBase45,
  encodeCbor,
  kindsOf,
  parseCertificate,
  sigStructure,
  validateCurrentSchema,
} from '@prostopcovid/dcc';
import QRCode, { type QRCodeErrorCorrectionLevel } from 'qrcode';
import type { DocumentSigner } from './dcc-signer.js';

/** COSE (RFC 8152) and CWT (RFC 8392) labels used by the hcert specification. */
const COSE_HEADER_ALG = 1;
const COSE_HEADER_KID = 4;
const TAG_COSE_SIGN1 = 18;
const CLAIM_ISS = 1;
const CLAIM_EXP = 4;
const CLAIM_IAT = 6;
const CLAIM_HCERT = -260;
const HCERT_EU_DCC = 1;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Default validity of a test certificate: sample time + 72 h (configurable by the caller). */
export function testCertificateExpiry(sampledAt: Date, hours = 72): Date {
  return new Date(sampledAt.getTime() + hours * HOUR_MS);
}

/** Validity of a vaccination certificate: issue time + 365 days. */
export function vaccinationCertificateExpiry(issuedAt: Date, days = 365): Date {
  return new Date(issuedAt.getTime() + days * DAY_MS);
}

export interface EncodeDccOptions {
  signer: DocumentSigner;
  issuedAt: Date;
  expiresAt: Date;
  issuer: 'FR';
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
/** CWT NumericDate: past 32 bits (after 2106) as a bigint, which the CBOR encoder writes as an 8-byte integer, not a float. */
const numericDate = (value: number) => (value > 0xffff_ffff ? BigInt(value) : value);

const parsedCertificates = new WeakMap<DocumentSigner, ReturnType<typeof parseCertificate>>();
/** The signer's certificate, parsed once (its validity and key usages). */
function signerCertificate(signer: DocumentSigner) {
  let certificate = parsedCertificates.get(signer);
  if (!certificate) parsedCertificates.set(signer, (certificate = parseCertificate(signer.certificateDer)));
  return certificate;
}

/**
 * Signs a DCC and encodes it as the QR text: CWT claims {1: iss, 4: exp, 6: iat, -260: {1: dcc}}
 * → COSE_Sign1 (tag 18; protected {1: -7 (ES256), 4: kid}, empty unprotected map, ES256 raw
 * r‖s signature over the Sig_structure) → zlib (level 9) → Base45 → "HC1:" prefix.
 *
 * Refuses a DCC that fails the bundled schema, a kind the signer's extended key usage excludes,
 * and an expiry not after the issue time. The expiry never outlives the signer's certificate
 * (verifiers refuse a DCC that does): it is cut to the certificate's end, and returned.
 */
export function encodeDcc(dcc: object, options: EncodeDccOptions): { text: string; expiresAt: Date } {
  const { signer, issuedAt, issuer } = options;
  const schema = validateCurrentSchema(dcc);
  if (!schema.valid) throw new Error(`Le certificat ne respecte pas le schéma DCC : ${schema.message}.`);
  const kinds = kindsOf(dcc as Record<string, unknown>);
  const certificate = signerCertificate(signer);
  const allowed = allowedKinds(certificate);
  if (allowed && !kinds.every((kind) => allowed.has(kind))) {
    throw new Error("Le signataire n'est pas autorisé à signer ce type de certificat.");
  }
  const iat = seconds(issuedAt);
  const exp = Math.min(seconds(options.expiresAt), seconds(certificate.notAfter));
  if (!Number.isFinite(iat) || !Number.isFinite(exp) || exp <= iat) {
    throw new RangeError("La date d'expiration doit suivre la date d'émission (et le signataire être encore valide).");
  }

  // The DCC passed the schema: text, small integers, arrays and objects only. The schema
  // takes an undefined property for an absent one, which CBOR would write as `undefined` and
  // every verifier refuse: the JSON round trip drops it, as JSON would.
  const claims = new Map<number, unknown>([
    [CLAIM_ISS, issuer],
    [CLAIM_EXP, numericDate(exp)],
    [CLAIM_IAT, numericDate(iat)],
    [CLAIM_HCERT, new Map([[HCERT_EU_DCC, JSON.parse(JSON.stringify(dcc)) as unknown]])],
  ]);
  const payload = encodeCbor(claims);
  const protectedBytes = encodeCbor(
    new Map<number, unknown>([
      [COSE_HEADER_ALG, ALG_ES256],
      [COSE_HEADER_KID, signer.kid],
    ]),
  );
  const signature = sign('sha256', sigStructure({ protectedBytes, payload }), {
    key: signer.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  const coseSign1 = encodeCbor(cborTag(TAG_COSE_SIGN1, [protectedBytes, new Map(), payload, signature]));
  return { text: HC1_PREFIX + encodeBase45(deflateSync(coseSign1, { level: 9 })), expiresAt: new Date(exp * 1000) };
}

/** QR options of a DCC: error correction Q (as the hcert specification recommends). */
export const DCC_QR_ERROR_CORRECTION: QRCodeErrorCorrectionLevel = 'Q';

/**
 * The "HC1:" text as one alphanumeric-mode segment: the Base45 alphabet is exactly the QR
 * alphanumeric character set, so the whole text fits 5.5 bits a character.
 */
export function dccQrSegments(hc1: string) {
  return [{ data: hc1, mode: 'alphanumeric' as const }];
}

/**
 * The DCC QR code as SVG (what pages show), and the PNG (for PDFs) only when asked: PNG
 * encoding costs several times the rest. The mask is chosen once, by the standard's penalty
 * rules, and reused for both renderings.
 */
export async function renderDccQr(hc1: string, options: { png?: boolean } = {}): Promise<{ svg: string; png?: Buffer }> {
  const segments = dccQrSegments(hc1);
  const { maskPattern } = QRCode.create(segments, { errorCorrectionLevel: DCC_QR_ERROR_CORRECTION });
  const common = { errorCorrectionLevel: DCC_QR_ERROR_CORRECTION, margin: 4, maskPattern } as const;
  const svg = await QRCode.toString(segments, { ...common, type: 'svg' });
  if (!options.png) return { svg };
  return { svg, png: await QRCode.toBuffer(segments, { ...common, type: 'png', scale: 4 }) };
}
