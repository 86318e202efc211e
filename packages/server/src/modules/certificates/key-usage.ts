import type { X509Certificate } from 'node:crypto';
import { DccError } from './dcc-error.js';

export type CertificateKind = 'test' | 'vaccination' | 'recovery';

/** DCC group in the payload for each kind. */
export const KIND_GROUPS = { vaccination: 'v', test: 't', recovery: 'r' } as const satisfies Record<
  CertificateKind,
  string
>;

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

/** Kinds present in a DCC payload (a valid DCC has exactly one; the schema step checks that). */
export function kindsOf(dcc: Record<string, unknown>): CertificateKind[] {
  return (Object.keys(KIND_GROUPS) as CertificateKind[]).filter((kind) => dcc[KIND_GROUPS[kind]] !== undefined);
}

/** Kinds a signer may sign; `undefined` when its certificate has none of the DCC OIDs (it may sign all). */
export function allowedKinds(certificate: X509Certificate): Set<CertificateKind> | undefined {
  // Node's `keyUsage` lists the extended key usage OIDs (undefined without the extension).
  const oids: string[] = certificate.keyUsage ?? [];
  const kinds = new Set(oids.flatMap((oid) => KIND_BY_EKU_OID[oid] ?? []));
  return kinds.size > 0 ? kinds : undefined;
}

/**
 * Step `keyUsage`: every kind present in the DCC must be allowed by the signer. A payload with no
 * group at all has nothing to restrict here; the schema step rejects it.
 */
export function checkKeyUsage(certificate: X509Certificate, dcc: Record<string, unknown>): void {
  const allowed = allowedKinds(certificate);
  if (allowed && !kindsOf(dcc).every((kind) => allowed.has(kind))) {
    throw new DccError('keyUsage', "Le signataire n'est pas autorisé pour ce type de certificat.");
  }
}
