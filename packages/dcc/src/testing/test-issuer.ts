import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { Tag } from 'cbor-x';
import { encodeBase45 } from '../base45.js';
import { cborTag, encodeCbor } from '../cbor.js';
import { ALG_ES256, ALG_PS256, sigStructure } from '../cose.js';
import { toArrayBuffer } from '../bytes.js';
import { HC1_PREFIX } from '../hc1.js';
import { toGatewayEntry, trustedSignerFromDer, type GatewayTrustListEntry, type TrustedSigner } from '../signers.js';

/**
 * Test factories for certificates as other countries issue them: a Document Signer of any
 * country, validity, key usage and algorithm, and an HC1 signed by it from any payload, with
 * CBOR-tagged dates where asked. Tests only: the service's own issuing is the server's.
 */

x509.cryptoProvider.set(crypto);

export interface TestSignerOptions {
  country?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Extended key usage OIDs (none: may sign every kind). */
  extendedKeyUsages?: string[];
  /** false: a keyUsage extension without digitalSignature. */
  digitalSignature?: boolean;
  algorithm?: 'ES256' | 'PS256';
}

export interface TestSigner {
  signer: TrustedSigner;
  der: Uint8Array;
  privateKey: CryptoKey;
  algorithm: 'ES256' | 'PS256';
  gatewayEntry: GatewayTrustListEntry;
}

let serial = 1;

export async function createTestSigner(options: TestSignerOptions = {}): Promise<TestSigner> {
  const algorithm = options.algorithm ?? 'ES256';
  const country = options.country ?? 'DE';
  const keyAlgorithm =
    algorithm === 'ES256'
      ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
      : { name: 'RSA-PSS', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048, saltLength: 32 };
  const keys = await crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(options.digitalSignature === false ? x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature, true),
  ];
  if (options.extendedKeyUsages) extensions.push(new x509.ExtendedKeyUsageExtension(options.extendedKeyUsages));
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(4, '0'),
    name: `C=${country}, O=Test health authority, CN=DSC ${country} test`,
    notBefore: options.notBefore ?? new Date('2021-01-01T00:00:00Z'),
    notAfter: options.notAfter ?? new Date('2031-01-01T00:00:00Z'),
    signingAlgorithm: keyAlgorithm,
    keys,
    extensions,
  });
  const der = new Uint8Array(certificate.rawData);
  const signer = await trustedSignerFromDer(der, { origin: 'imported' });
  return { signer, der, privateKey: keys.privateKey, algorithm, gatewayEntry: await toGatewayEntry(signer, new Date('2021-06-01T00:00:00Z')) };
}

export interface TestHc1Options {
  issuer?: string;
  issuedAt: Date;
  expiresAt: Date;
  /** Where the kid goes (protected by default; 'empty': an empty kid, as some issuers wrote). */
  kidIn?: 'protected' | 'unprotected' | 'empty';
  /** Wrap the kid, payload and signature byte strings in numeric tags, as Iceland's issuer did. */
  tagByteStrings?: boolean;
}

/** A CBOR tag 0 (RFC 3339 text) or tag 1 (epoch seconds) date-time for a payload field. */
export const tagDateTime = (iso: string, tag: 0 | 1): Tag => cborTag(tag, tag === 0 ? iso : Date.parse(iso) / 1000);

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([toArrayBuffer(bytes)]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Signs a payload (the DCC, whose values may be CBOR Tags) into an "HC1:" text. */
export async function signTestHc1(testSigner: TestSigner, dcc: unknown, options: TestHc1Options): Promise<string> {
  const claims = new Map<number, unknown>([
    [1, options.issuer ?? testSigner.signer.country],
    [4, Math.floor(options.expiresAt.getTime() / 1000)],
    [6, Math.floor(options.issuedAt.getTime() / 1000)],
    [-260, new Map([[1, dcc]])],
  ]);
  const payload = encodeCbor(claims);
  const alg = testSigner.algorithm === 'ES256' ? ALG_ES256 : ALG_PS256;
  const kidIn = options.kidIn ?? 'protected';
  const protectedHeader = new Map<number, unknown>([[1, alg]]);
  const wrap = (bytes: Uint8Array, tag: number) => (options.tagByteStrings ? cborTag(tag, bytes) : bytes);
  if (kidIn === 'protected') protectedHeader.set(4, wrap(testSigner.signer.kid, 4));
  if (kidIn === 'empty') protectedHeader.set(4, new Uint8Array(0));
  const protectedBytes = encodeCbor(protectedHeader);
  const signAlgorithm = testSigner.algorithm === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSA-PSS', saltLength: 32 };
  const signature = new Uint8Array(await crypto.subtle.sign(signAlgorithm, testSigner.privateKey, toArrayBuffer(sigStructure({ protectedBytes, payload }))));
  const unprotected = kidIn === 'unprotected' ? new Map([[4, testSigner.signer.kid]]) : new Map();
  const cose = encodeCbor(cborTag(18, [protectedBytes, unprotected, wrap(payload, 2), wrap(signature, 3)]));
  return HC1_PREFIX + encodeBase45(await deflate(cose));
}
