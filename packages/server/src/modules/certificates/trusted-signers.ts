import { X509Certificate, createHash } from 'node:crypto';

/** A Document Signer Certificate (DSC) the verifier trusts, indexed by its COSE key identifier. */
export interface TrustedSigner {
  /** First 8 bytes of SHA-256 over the certificate's DER encoding. */
  kid: Buffer;
  certificate: X509Certificate;
}

/** COSE `kid` of a DSC: the first 8 bytes of the SHA-256 of its DER encoding. */
export function kidOfCertificate(der: Uint8Array): Buffer {
  return createHash('sha256').update(der).digest().subarray(0, 8);
}

/** Trusted signer from a base64 DER X.509 certificate (the form used by trust lists and test vectors). */
export function trustedSignerFromCertificate(derBase64: string): TrustedSigner {
  const der = Buffer.from(derBase64.replace(/\s+/g, ''), 'base64');
  const certificate = new X509Certificate(der);
  return { kid: kidOfCertificate(certificate.raw), certificate };
}
