import { HELLO_BYTES, HELLO_MAC_BYTES, SALT, Tuples, type Tuple } from '@prostopcovid/contracts/robert';
import { isAnswer } from '@prostopcovid/contracts/check';
import { concatBytes, fromBase64, readUint, toBase64, uintBytes } from './bytes.js';

/*
 * The phone's cryptography, on WebCrypto alone (browsers and Node). The server does the same
 * with node:crypto; the tests check each side against the other byte for byte.
 */

const subtle = globalThis.crypto.subtle;
const own = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);
const text = (value: string) => new TextEncoder().encode(value);

export interface EcdhKeyPair {
  privateKey: CryptoKey;
  /** X.509 SubjectPublicKeyInfo, DER: what register's clientPublicECDHKey carries (Base64). */
  publicKeySpki: Uint8Array;
}

export async function generateEcdhKeyPair(): Promise<EcdhKeyPair> {
  const pair = await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  return { privateKey: pair.privateKey, publicKeySpki: new Uint8Array(await subtle.exportKey('spki', pair.publicKey)) };
}

export interface SharedKeys {
  /** KA_mac = HMAC-SHA256(shared secret, "mac"): authenticates HELLOs and requests. */
  kaMac: Uint8Array;
  /** KA_tuples = HMAC-SHA256(shared secret, "tuples"): encrypts the tuples the server sends. */
  kaTuples: Uint8Array;
}

/** ECDH P-256 with the server's public key; the shared secret is the x coordinate (32 bytes). */
export async function deriveSharedKeys(privateKey: CryptoKey, serverPublicKeySpki: Uint8Array): Promise<SharedKeys> {
  const serverKey = await subtle.importKey('spki', own(serverPublicKeySpki), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const shared = new Uint8Array(await subtle.deriveBits({ name: 'ECDH', public: serverKey }, privateKey, 256));
  return { kaMac: await hmacSha256(shared, text('mac')), kaTuples: await hmacSha256(shared, text('tuples')) };
}

export async function hmacSha256(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const hmacKey = await importHmacKey(key);
  return new Uint8Array(await subtle.sign('HMAC', hmacKey, own(message)));
}

export function importHmacKey(key: Uint8Array): Promise<CryptoKey> {
  return subtle.importKey('raw', own(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
}

/** Decrypts register's or status's `tuples`: IV (12) ‖ AES-256-GCM ciphertext ‖ tag (16). */
export async function decryptTuples(kaTuples: Uint8Array, sealed: Uint8Array): Promise<Tuple[]> {
  const key = await subtle.importKey('raw', own(kaTuples), 'AES-GCM', false, ['decrypt']);
  const plain = await subtle.decrypt({ name: 'AES-GCM', iv: own(sealed.subarray(0, 12)) }, key, own(sealed.subarray(12)));
  const tuples: unknown = JSON.parse(new TextDecoder().decode(plain));
  if (!isAnswer(Tuples, tuples)) throw new Error('tuples: unexpected content');
  return tuples;
}

export interface HelloParts {
  ecc: Uint8Array;
  ebid: Uint8Array;
  /** Low 16 bits of the NTP seconds when it was sent. */
  time: number;
  mac: Uint8Array;
}

/** HELLO (16 bytes) = ECC (1) ‖ EBID (8) ‖ time (2) ‖ MAC (5), MAC = HMAC-SHA256(KA_mac, 0x01 ‖ ECC ‖ EBID ‖ time)[0..5]. */
export async function buildHello(macKey: CryptoKey, ecc: Uint8Array, ebid: Uint8Array, ntpSeconds: number): Promise<Uint8Array> {
  const message = concatBytes(ecc, ebid, uintBytes(ntpSeconds % 0x10000, 2));
  const mac = new Uint8Array(await subtle.sign('HMAC', macKey, concatBytes(Uint8Array.of(SALT.hello), message)));
  return concatBytes(message, mac.subarray(0, HELLO_MAC_BYTES));
}

export function parseHello(hello: Uint8Array): HelloParts {
  if (hello.length !== HELLO_BYTES) throw new RangeError(`a HELLO has ${HELLO_BYTES} bytes, not ${hello.length}`);
  return { ecc: hello.slice(0, 1), ebid: hello.slice(1, 9), time: readUint(hello, 9, 2), mac: hello.slice(11, 16) };
}

export type RequestSalt = (typeof SALT)['status' | 'unregister' | 'deleteHistory'];

/** status, unregister, deleteExposureHistory: HMAC-SHA256(KA_mac, salt ‖ EBID ‖ epochId (4) ‖ time (4)). */
export async function requestMac(macKey: CryptoKey, salt: RequestSalt, ebid: Uint8Array, epochId: number, ntpSeconds: number) {
  const time = uintBytes(ntpSeconds % 0x1_0000_0000, 4);
  const mac = new Uint8Array(await subtle.sign('HMAC', macKey, concatBytes(Uint8Array.of(salt), ebid, uintBytes(epochId, 4), time)));
  return { ebid: toBase64(ebid), epochId, time: toBase64(time), mac: toBase64(mac) };
}

/** Proof of work for register when the operator switched it on: SHA-256(id ":" answer) starts with `difficulty` zero bits. */
export async function solveCaptcha(id: string, difficulty: number, maxTries = 1 << 26): Promise<string> {
  for (let n = 0; n < maxTries; n++) {
    const answer = n.toString(36);
    const digest = new Uint8Array(await subtle.digest('SHA-256', text(`${id}:${answer}`)));
    if (leadingZeroBits(digest) >= difficulty) return answer;
  }
  throw new Error('proof of work: no answer found');
}

export function leadingZeroBits(bytes: Uint8Array): number {
  let bits = 0;
  for (const byte of bytes) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export { fromBase64, toBase64 };
