import 'reflect-metadata'; // @peculiar/x509 resolves its algorithms through tsyringe, which needs it first
import { type KeyObject, X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { kidOfCertificate } from '@prostopcovid/dcc';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

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

export interface SelfSignedDscOptions {
  subject: { C: string; O: string; CN: string };
  notBefore: Date;
  notAfter: Date;
  /** EKU OIDs; defaults to the three DCC kinds. */
  extendedKeyUsages?: readonly string[];
}

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * DER of a self-signed X.509 v3 Document Signer Certificate for an EC P-256 key, signed with
 * ECDSA SHA-256 (@peculiar/x509 over WebCrypto): subject C as PrintableString, O and CN as
 * UTF8String; basicConstraints CA:FALSE and keyUsage digitalSignature (both critical),
 * subjectKeyIdentifier (SHA-1 of the public key), and extendedKeyUsage with the DCC OIDs.
 */
export async function createSelfSignedDsc(keys: { privateKey: KeyObject; publicKey: KeyObject }, options: SelfSignedDscOptions): Promise<Buffer> {
  const { publicKey, privateKey } = keys;
  if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('Le signataire DCC doit avoir une clé EC P-256 (ES256).');
  }
  const { C, O, CN } = options.subject;
  if (!x509.Name.isPrintableString(C)) throw new RangeError(`Not a PrintableString: ${C}`);
  const cryptoKeys = {
    publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), ECDSA_P256, true, ['verify']),
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), ECDSA_P256, false, ['sign']),
  };
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01; // positive, 16 bytes, non-zero leading byte
  const name = new x509.Name([{ C: [{ printableString: C }] }, { O: [{ utf8String: O }] }, { CN: [{ utf8String: CN }] }]);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: ECDSA_P256,
    keys: cryptoKeys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(cryptoKeys.publicKey),
      new x509.ExtendedKeyUsageExtension([...(options.extendedKeyUsages ?? Object.values(DCC_EKU_OIDS))]),
    ],
  });
  return Buffer.from(certificate.rawData);
}

const derToPem = (der: Buffer) => `${x509.PemConverter.encode(Uint8Array.from(der), 'CERTIFICATE')}\n`;

async function signerOf(privateKey: KeyObject, certificate: X509Certificate, source: string): Promise<DocumentSigner> {
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${source} : le signataire DCC doit avoir une clé EC P-256 (ES256).`);
  }
  const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(privateKey)).equals(spki(certificate.publicKey))) {
    throw new Error(`${source} : la clé privée ne correspond pas au certificat.`);
  }
  const certificateDer = Buffer.from(certificate.raw);
  return { kid: Buffer.from(await kidOfCertificate(certificateDer)), certificateDer, privateKey };
}

/**
 * Production signer from a PEM private key (PKCS#8 or SEC1) and its PEM DSC. Checks the key
 * is EC P-256 and matches the certificate; does not check the certificate's validity dates.
 */
export async function loadSignerFromFiles(keyPemPath: string, certPemPath: string): Promise<DocumentSigner> {
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
export async function loadOrCreateDevelopmentSigner(keysDir: string, now: Date = new Date()): Promise<DocumentSigner> {
  const keyPath = join(keysDir, DEVELOPMENT_KEY_FILE);
  const certPath = join(keysDir, DEVELOPMENT_CERT_FILE);
  const hasKey = existsSync(keyPath);
  const hasCert = existsSync(certPath);
  if (hasKey && hasCert) {
    const signer = await loadSignerFromFiles(keyPath, certPath);
    // A development signer near its end is replaced: verifiers refuse DCCs outliving their signer.
    if (Date.parse(new X509Certificate(signer.certificateDer).validTo) > now.getTime() + RENEW_BEFORE_DAYS * 86_400_000) return signer;
  } else if (hasKey !== hasCert) {
    throw new Error(`${keysDir} contient ${hasKey ? DEVELOPMENT_KEY_FILE : DEVELOPMENT_CERT_FILE} sans son pendant : supprimez-le ou complétez la paire.`);
  }

  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + DEVELOPMENT_VALIDITY_YEARS);
  const der = await createSelfSignedDsc(keys, { subject: DEVELOPMENT_SIGNER_SUBJECT, notBefore, notAfter });

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
