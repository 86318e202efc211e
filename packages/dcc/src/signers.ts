import { base64ToBytes, bytesEqual, bytesToBase64, bytesToHex, sha256 } from './bytes.js';
import { DccError } from './steps.js';
import { parseCertificate, type SignerCertificate } from './x509.js';

export type CertificateKind = 'test' | 'vaccination' | 'recovery';

/** DCC group in the payload for each kind. */
export const KIND_GROUPS = { vaccination: 'v', test: 't', recovery: 'r' } as const satisfies Record<CertificateKind, string>;

/** A Document Signer Certificate (DSC) the verifier trusts, indexed by its COSE key identifier. */
export interface TrustedSigner {
  /** First 8 bytes of SHA-256 over the certificate's DER encoding. */
  kid: Uint8Array;
  kidBase64: string;
  /** Country the trust list gives it (the gateway checks it against the subject's C). */
  country: string;
  certificate: SignerCertificate;
  /** 'own': this service's signer; 'imported': from a configured trust list. */
  origin: 'own' | 'imported';
}

/** An entry of the EU DCC Gateway's trust list (`GET /trustList/DSC`): what is imported and published. */
export interface GatewayTrustListEntry {
  /** Base64 of the 8-byte kid. */
  kid: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  certificateType: 'DSC';
  /** Base64 DER of the certificate. */
  rawData: string;
  /** Hex SHA-256 of the DER. */
  thumbprint: string;
  /** When the entry was uploaded (ISO 8601). */
  timestamp: string;
  /** The uploader's CMS signature in the gateway (empty for this service's own signers). */
  signature: string;
}

/** COSE `kid` of a DSC: the first 8 bytes of the SHA-256 of its DER encoding. */
export async function kidOfCertificate(der: Uint8Array): Promise<Uint8Array> {
  return (await sha256(der)).subarray(0, 8);
}

const SUPPORTED_KEYS = new Set<SignerCertificate['keyType']>(['ec-p256', 'rsa']);

/** A trusted signer from a DER certificate; the country defaults to the certificate's C. */
export async function trustedSignerFromDer(der: Uint8Array, options: { country?: string; origin: TrustedSigner['origin'] }): Promise<TrustedSigner> {
  const certificate = parseCertificate(der);
  const kid = await kidOfCertificate(certificate.der);
  return { kid, kidBase64: bytesToBase64(kid), country: options.country ?? certificate.country ?? '', certificate, origin: options.origin };
}

export interface TrustListImport {
  signers: TrustedSigner[];
  /** Entries left out, with why (French), for the logs and the operator. */
  rejected: Array<{ kid?: string; country?: string; reason: string }>;
}

/** The most entries one trust list may hold (the EU gateway held a few thousand DSCs). */
export const MAX_TRUST_LIST_ENTRIES = 20_000;

/**
 * Reads a trust list in the EU DCC Gateway format (a JSON array of entries with `kid`,
 * `country`, `certificateType` "DSC", `rawData`, optionally `thumbprint`, `timestamp`,
 * `signature`). Each DSC is checked: readable X.509, its kid and thumbprint match its bytes, its
 * subject has a country and it is the entry's, digitalSignature in its key usage when it has one, a P-256 or
 * RSA key, not expired at `now`. The rest are listed as rejected, never trusted. The entries'
 * gateway signatures (CMS by the uploading country) are not checked: trust comes from where
 * the file is read (README).
 */
export async function importTrustList(json: unknown, options: { now: Date }): Promise<TrustListImport> {
  if (!Array.isArray(json)) throw new RangeError('La liste de confiance doit être un tableau JSON (format de la passerelle européenne).');
  if (json.length > MAX_TRUST_LIST_ENTRIES) throw new RangeError(`La liste de confiance dépasse ${MAX_TRUST_LIST_ENTRIES} entrées.`);
  const signers: TrustedSigner[] = [];
  const rejected: TrustListImport['rejected'] = [];
  const seen = new Set<string>();
  for (const entry of json as unknown[]) {
    const record = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
    const kid = typeof record.kid === 'string' ? record.kid : undefined;
    const country = typeof record.country === 'string' ? record.country : undefined;
    const reject = (reason: string) => rejected.push({ ...(kid && { kid }), ...(country && { country }), reason });
    if (record.certificateType !== 'DSC') {
      // The gateway's list is JSON: anything else than text is shown as JSON.
      const type = record.certificateType ?? 'absent';
      reject(`type ${(typeof type === 'string' ? type : JSON.stringify(type)).slice(0, 20)} : seuls les certificats de signataires (DSC) sont importés`);
      continue;
    }
    if (!kid || !country || !/^[A-Z]{2}$/.test(country) || typeof record.rawData !== 'string') {
      reject('entrée incomplète : kid, country (deux lettres) et rawData sont attendus');
      continue;
    }
    let signer: TrustedSigner;
    try {
      // This service's own lists mark its signers (`origin`); anything else is imported.
      signer = await trustedSignerFromDer(base64ToBytes(record.rawData), { country, origin: record.origin === 'own' ? 'own' : 'imported' });
    } catch {
      reject('certificat illisible');
      continue;
    }
    const { certificate } = signer;
    let expectedKid: Uint8Array | undefined;
    try {
      expectedKid = base64ToBytes(kid);
    } catch {
      expectedKid = undefined;
    }
    if (!expectedKid || !bytesEqual(expectedKid, signer.kid)) reject('le kid ne correspond pas au certificat');
    else if (typeof record.thumbprint === 'string' && record.thumbprint.toLowerCase() !== bytesToHex(await sha256(certificate.der))) {
      reject("l'empreinte ne correspond pas au certificat");
    } else if (certificate.country !== undefined && certificate.country !== country) reject(`le certificat est celui du pays ${certificate.country}`);
    else if (certificate.keyUsage && !certificate.keyUsage.includes('digitalSignature')) reject("l'usage de la clé n'autorise pas la signature");
    else if (!SUPPORTED_KEYS.has(certificate.keyType)) reject('algorithme de clé non pris en charge (ni EC P-256 ni RSA)');
    else if (certificate.notAfter.getTime() < options.now.getTime()) reject(`certificat expiré le ${certificate.notAfter.toISOString()}`);
    else if (!seen.has(`${kid}:${record.rawData}`)) {
      seen.add(`${kid}:${record.rawData}`);
      signers.push(signer);
    }
  }
  return { signers, rejected };
}

/** The gateway-format entry of a trusted signer, as published for other verifiers. */
export async function toGatewayEntry(signer: TrustedSigner, timestamp: Date): Promise<GatewayTrustListEntry> {
  return {
    kid: signer.kidBase64,
    country: signer.country,
    certificateType: 'DSC',
    rawData: bytesToBase64(signer.certificate.der),
    thumbprint: bytesToHex(await sha256(signer.certificate.der)),
    timestamp: timestamp.toISOString(),
    signature: '',
  };
}

/**
 * Extended key usage OIDs restricting a Document Signer Certificate to some kinds (eHealth
 * Network hcert specification §5). The official test vectors' signers carry the variant with
 * an extra `.0` arc (1.3.6.1.4.1.0.1847.2021.1.x), which verifiers accept as well.
 */
const KIND_BY_EKU_OID: Record<string, CertificateKind> = {
  '1.3.6.1.4.1.1847.2021.1.1': 'test',
  '1.3.6.1.4.1.1847.2021.1.2': 'vaccination',
  '1.3.6.1.4.1.1847.2021.1.3': 'recovery',
  '1.3.6.1.4.1.0.1847.2021.1.1': 'test',
  '1.3.6.1.4.1.0.1847.2021.1.2': 'vaccination',
  '1.3.6.1.4.1.0.1847.2021.1.3': 'recovery',
};

/**
 * Kinds present in a DCC payload (a valid DCC has exactly one; the schema step checks that). An
 * empty group (`"t": []`, which 1.0.x issuers wrote beside the used one) is no kind.
 */
export function kindsOf(dcc: Record<string, unknown>): CertificateKind[] {
  return (Object.keys(KIND_GROUPS) as CertificateKind[]).filter((kind) => {
    const group = dcc[KIND_GROUPS[kind]];
    return group !== undefined && !(Array.isArray(group) && group.length === 0);
  });
}

/** Kinds a signer may sign; `undefined` when its certificate has none of the DCC OIDs (it may sign all). */
export function allowedKinds(certificate: Pick<SignerCertificate, 'extendedKeyUsage'>): Set<CertificateKind> | undefined {
  const kinds = new Set((certificate.extendedKeyUsage ?? []).flatMap((oid) => KIND_BY_EKU_OID[oid] ?? []));
  return kinds.size > 0 ? kinds : undefined;
}

/**
 * Step `keyUsage`: every kind present in the DCC must be allowed by the signer. A payload with no
 * group at all has nothing to restrict here; the schema step rejects it.
 */
export function checkKeyUsage(certificate: SignerCertificate, dcc: Record<string, unknown>): void {
  const allowed = allowedKinds(certificate);
  if (allowed && !kindsOf(dcc).every((kind) => allowed.has(kind))) {
    throw new DccError('keyUsage', "Le signataire n'est pas autorisé pour ce type de certificat.");
  }
}
