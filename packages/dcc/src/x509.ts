import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, ExtendedKeyUsage, KeyUsage, id_ce_extKeyUsage, id_ce_keyUsage } from '@peculiar/asn1-x509';

/** What a verifier needs of a Document Signer Certificate (X.509, DER). */
export interface SignerCertificate {
  der: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** Subject country (C), when present. */
  country?: string;
  /** Subject common name, for the detailed view. */
  commonName?: string;
  /** Key usage bits by name (`digitalSignature`…); undefined without the extension. */
  keyUsage?: string[];
  /** Extended key usage OIDs; undefined without the extension. */
  extendedKeyUsage?: string[];
  /** SubjectPublicKeyInfo (DER), for WebCrypto. */
  spki: Uint8Array;
  keyType: 'ec-p256' | 'rsa' | 'other';
}

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_RSA = '1.2.840.113549.1.1.1';
const OID_RSA_PSS = '1.2.840.113549.1.1.10';
/** DER of the P-256 (prime256v1) curve OID 1.2.840.10045.3.1.7. */
const P256_PARAMETERS = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_COUNTRY = '2.5.4.6';
const OID_COMMON_NAME = '2.5.4.3';

/** Parses a DER certificate; throws a RangeError when it is not one. */
export function parseCertificate(der: Uint8Array): SignerCertificate {
  let certificate: Certificate;
  try {
    certificate = AsnConvert.parse(der.slice(), Certificate);
  } catch (cause) {
    throw new RangeError("Ce n'est pas un certificat X.509 lisible.", { cause });
  }
  const tbs = certificate.tbsCertificate;
  const attribute = (oid: string) => {
    for (const rdn of tbs.subject) for (const atv of rdn) if (atv.type === oid) return atv.value.toString();
    return undefined;
  };
  let keyUsage: string[] | undefined;
  let extendedKeyUsage: string[] | undefined;
  for (const extension of tbs.extensions ?? []) {
    if (extension.extnID === id_ce_keyUsage) keyUsage = AsnConvert.parse(extension.extnValue, KeyUsage).toJSON();
    if (extension.extnID === id_ce_extKeyUsage) extendedKeyUsage = [...AsnConvert.parse(extension.extnValue, ExtendedKeyUsage)];
  }
  const algorithm = tbs.subjectPublicKeyInfo.algorithm;
  const parameters = algorithm.parameters ? new Uint8Array(algorithm.parameters) : new Uint8Array(0);
  const keyType =
    algorithm.algorithm === OID_EC_PUBLIC_KEY && parameters.length === P256_PARAMETERS.length && P256_PARAMETERS.every((b, i) => parameters[i] === b)
      ? 'ec-p256'
      : algorithm.algorithm === OID_RSA || algorithm.algorithm === OID_RSA_PSS
        ? 'rsa'
        : 'other';
  const country = attribute(OID_COUNTRY);
  const commonName = attribute(OID_COMMON_NAME);
  return {
    der: Uint8Array.from(der),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    ...(country !== undefined && { country }),
    ...(commonName !== undefined && { commonName }),
    ...(keyUsage && { keyUsage }),
    ...(extendedKeyUsage && { extendedKeyUsage }),
    spki: new Uint8Array(AsnConvert.serialize(tbs.subjectPublicKeyInfo)),
    keyType,
  };
}
