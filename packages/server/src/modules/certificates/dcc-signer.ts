import {
  type KeyObject,
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  bitString,
  boolean,
  explicit,
  objectIdentifier,
  octetString,
  printableString,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.js';

/** A Document Signer: the key that signs DCCs and its certificate (DSC), published in trust lists. */
export interface DocumentSigner {
  /** COSE key identifier: first 8 bytes of SHA-256 over the DSC's DER. */
  kid: Buffer;
  certificateDer: Buffer;
  /** EC P-256 private key (ES256). */
  privateKey: KeyObject;
}

/** Extended key usage OIDs of the hcert specification: the DSC may sign test / vaccination / recovery DCCs. */
export const DCC_EKU_OIDS = {
  test: '1.3.6.1.4.1.1847.2021.1.1',
  vaccination: '1.3.6.1.4.1.1847.2021.1.2',
  recovery: '1.3.6.1.4.1.1847.2021.1.3',
} as const;

export const DEVELOPMENT_SIGNER_SUBJECT = {
  C: 'FR',
  O: 'ProStopCovid (développement)',
  CN: 'DSC développement',
} as const;

export const DEVELOPMENT_KEY_FILE = 'dsc-dev.key.pem';
export const DEVELOPMENT_CERT_FILE = 'dsc-dev.cert.pem';
/** Validity of the development DSC, and how long before its end a new one is made. */
const DEVELOPMENT_VALIDITY_YEARS = 2;
const RENEW_BEFORE_DAYS = 30;

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
};

function name(subject: { C: string; O: string; CN: string }): Buffer {
  const rdn = (oid: string, value: Buffer) => set(sequence(objectIdentifier(oid), value));
  return sequence(
    rdn(OID.countryName, printableString(subject.C)),
    rdn(OID.organizationName, utf8String(subject.O)),
    rdn(OID.commonName, utf8String(subject.CN)),
  );
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** Uncompressed EC point (04 ‖ x ‖ y) of a P-256 public key: the subjectPublicKey bits. */
function ecPoint(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y) throw new Error('Clé publique EC attendue.');
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
}

export interface SelfSignedDscOptions {
  subject: { C: string; O: string; CN: string };
  notBefore: Date;
  notAfter: Date;
  /** EKU OIDs; defaults to the three DCC kinds. */
  extendedKeyUsages?: readonly string[];
}

/**
 * DER of a self-signed X.509 v3 Document Signer Certificate for an EC P-256 key, signed with
 * ECDSA SHA-256: basicConstraints CA:FALSE and keyUsage digitalSignature (both critical),
 * subjectKeyIdentifier, and extendedKeyUsage with the DCC OIDs.
 */
export function createSelfSignedDsc(keys: { privateKey: KeyObject; publicKey: KeyObject }, options: SelfSignedDscOptions): Buffer {
  const { publicKey, privateKey } = keys;
  if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('Le signataire DCC doit avoir une clé EC P-256 (ES256).');
  }
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01; // positive, 16 bytes, non-zero leading byte
  const signatureAlgorithm = sequence(objectIdentifier(OID.ecdsaWithSha256));
  const issuerAndSubject = name(options.subject);
  const ekus = options.extendedKeyUsages ?? Object.values(DCC_EKU_OIDS);

  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    signatureAlgorithm,
    issuerAndSubject,
    sequence(time(options.notBefore), time(options.notAfter)),
    issuerAndSubject,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(
      3,
      sequence(
        extension(OID.basicConstraints, true, sequence()),
        // digitalSignature is bit 0: one byte 0b1000_0000 with 7 unused bits.
        extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
        extension(OID.subjectKeyIdentifier, false, octetString(createHash('sha1').update(ecPoint(publicKey)).digest())),
        extension(OID.extKeyUsage, false, sequence(...ekus.map(objectIdentifier))),
      ),
    ),
  );
  // Node signs ECDSA as a DER Ecdsa-Sig-Value by default, which X.509 expects.
  const signature = sign('sha256', tbs, privateKey);
  return sequence(tbs, signatureAlgorithm, bitString(signature));
}

/** COSE `kid` of a DSC: the first 8 bytes of the SHA-256 of its DER encoding. */
export function kidOfCertificate(der: Uint8Array): Buffer {
  return createHash('sha256').update(der).digest().subarray(0, 8);
}

function derToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function signerOf(privateKey: KeyObject, certificate: X509Certificate, source: string): DocumentSigner {
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${source} : le signataire DCC doit avoir une clé EC P-256 (ES256).`);
  }
  const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(privateKey)).equals(spki(certificate.publicKey))) {
    throw new Error(`${source} : la clé privée ne correspond pas au certificat.`);
  }
  const certificateDer = Buffer.from(certificate.raw);
  return { kid: kidOfCertificate(certificateDer), certificateDer, privateKey };
}

/**
 * Production signer from a PEM private key (PKCS#8 or SEC1) and its PEM DSC. Checks the key
 * is EC P-256 and matches the certificate; does not check the certificate's validity dates.
 */
export function loadSignerFromFiles(keyPemPath: string, certPemPath: string): DocumentSigner {
  const privateKey = createPrivateKey(readFileSync(keyPemPath, 'utf8'));
  const certificate = new X509Certificate(readFileSync(certPemPath));
  return signerOf(privateKey, certificate, certPemPath);
}

/**
 * Development signer kept in `keysDir`: the first call generates an EC P-256 key pair and a
 * self-signed DSC (valid 2 years) and writes `dsc-dev.key.pem` (mode 0600) and
 * `dsc-dev.cert.pem`; later calls read them back, and make a new pair 30 days before the
 * certificate ends. Refuses a directory holding only one of them.
 */
export function loadOrCreateDevelopmentSigner(keysDir: string, now: Date = new Date()): DocumentSigner {
  const keyPath = join(keysDir, DEVELOPMENT_KEY_FILE);
  const certPath = join(keysDir, DEVELOPMENT_CERT_FILE);
  const hasKey = existsSync(keyPath);
  const hasCert = existsSync(certPath);
  if (hasKey && hasCert) {
    const signer = loadSignerFromFiles(keyPath, certPath);
    // A development signer near its end is replaced: verifiers refuse DCCs outliving their signer.
    if (Date.parse(new X509Certificate(signer.certificateDer).validTo) > now.getTime() + RENEW_BEFORE_DAYS * 86_400_000) return signer;
  } else if (hasKey !== hasCert) {
    throw new Error(`${keysDir} contient ${hasKey ? DEVELOPMENT_KEY_FILE : DEVELOPMENT_CERT_FILE} sans son pendant : supprimez-le ou complétez la paire.`);
  }

  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + DEVELOPMENT_VALIDITY_YEARS);
  const der = createSelfSignedDsc(keys, { subject: DEVELOPMENT_SIGNER_SUBJECT, notBefore, notAfter });

  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  // Write beside, then rename, so a reader never sees a half-written file.
  const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(keyPath + suffix, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(certPath + suffix, derToPem(der), { mode: 0o644 });
  renameSync(keyPath + suffix, keyPath);
  renameSync(certPath + suffix, certPath);
  return signerOf(keys.privateKey, new X509Certificate(der), certPath);
}

/** Base64 DER of the signer's DSC (the form trust lists take). */
export function signerCertificateBase64(signer: DocumentSigner): string {
  return signer.certificateDer.toString('base64');
}
