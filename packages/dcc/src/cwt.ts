import { CborDateTime, cborToJson, decodeCbor, isMap } from './cbor.js';
import { DccError } from './steps.js';

/** CWT claim keys (RFC 8392) and the EU health certificate claim (hcert). */
const CLAIM_ISS = 1;
const CLAIM_EXP = 4;
const CLAIM_IAT = 6;
const CLAIM_HCERT = -260;
const HCERT_EU_DCC = 1;

export interface CwtClaims {
  /** Issuing country (ISO 3166-1 alpha-2), when present. */
  issuer?: string;
  /** Seconds since the epoch. */
  issuedAt?: number;
  expiresAt?: number;
  /** The DCC itself, as JSON (`-260` → `1`). */
  dcc: Record<string, unknown>;
}

const invalid = (detail: string, cause?: unknown) =>
  new DccError('decode', `Le contenu CBOR du certificat est invalide : ${detail}.`, { cause });

/** NumericDates past the year 9999 are no dates a certificate can hold (nor JavaScript). */
const LATEST_NUMERIC_DATE = 253_402_300_799;

/** A NumericDate: a number of seconds, or (seen in the wild) a tag 1 date-time. */
function numericDate(value: unknown, name: string): number {
  if (value instanceof CborDateTime) value = Date.parse(value.iso) / 1000;
  if (typeof value === 'bigint') value = Number(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`la date ${name} n’est pas un nombre`);
  if (value < 0 || value > LATEST_NUMERIC_DATE) throw invalid(`la date ${name} est hors limites`);
  return value;
}

/** Step `decode`: the COSE payload, CWT claims with the DCC under -260 / 1. */
export function decodeCwtClaims(payload: Uint8Array): CwtClaims {
  let claims: unknown;
  try {
    claims = decodeCbor(payload);
  } catch (cause) {
    throw invalid('ce n’est pas du CBOR valide', cause);
  }
  if (!isMap(claims)) throw invalid('les revendications CWT doivent être une table');
  const hcert = claims.get(CLAIM_HCERT);
  if (!isMap(hcert)) throw invalid('la revendication hcert (-260) est absente');
  const dcc = cborToJson(hcert.get(HCERT_EU_DCC));
  if (dcc === null || typeof dcc !== 'object' || Array.isArray(dcc)) {
    throw invalid('le certificat (-260 / 1) doit être un objet JSON');
  }
  const iss = claims.get(CLAIM_ISS);
  // A country code as a rule ("FR"), sometimes more ("CH BAG"): short printable text.
  if (iss !== undefined && (typeof iss !== 'string' || !/^[\x20-\x7e]{1,50}$/.test(iss))) throw invalid('l’émetteur (iss) doit être un texte court');
  return {
    ...(iss !== undefined && { issuer: iss }),
    ...(claims.has(CLAIM_IAT) && { issuedAt: numericDate(claims.get(CLAIM_IAT), 'd’émission (iat)') }),
    ...(claims.has(CLAIM_EXP) && { expiresAt: numericDate(claims.get(CLAIM_EXP), 'd’expiration (exp)') }),
    dcc: dcc as Record<string, unknown>,
  };
}
