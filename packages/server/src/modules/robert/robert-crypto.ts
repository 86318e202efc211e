import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual, type ECDH } from 'node:crypto';
import { COUNTRY_CODE_FRANCE, EBID_BYTES, HELLO_MAC_BYTES, SALT, type Tuple } from '@prostopcovid/contracts/robert';

/*
 * The server's side of ROBERT's cryptography, on node:crypto (the phone package does the same on
 * WebCrypto; tests check each against the other). Byte layouts: README, "ROBERT protocol".
 */

export interface SharedKeys {
  kaMac: Buffer;
  kaTuples: Buffer;
}

/** SubjectPublicKeyInfo DER of a P-256 key up to its point: uncompressed (65-byte point) or compressed (33). */
const P256_SPKI_PREFIX = {
  65: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
  33: Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
} as const;

/**
 * ECDH P-256 between the server's key and the phone's, then KA_mac = HMAC-SHA256(secret, "mac")
 * and KA_tuples = HMAC-SHA256(secret, "tuples"). Undefined when the phone's key is not a
 * P-256 public key (SubjectPublicKeyInfo, DER) on the curve. The SPKI is read by its fixed
 * prefix: OpenSSL's generic key decoder costs more than the key agreement itself.
 */
export function deriveSharedKeys(serverEcdh: ECDH, clientSpki: Buffer): SharedKeys | undefined {
  const pointLength = clientSpki.length - 26;
  const prefix = pointLength === 65 || pointLength === 33 ? P256_SPKI_PREFIX[pointLength] : undefined;
  if (!prefix || !clientSpki.subarray(0, 26).equals(prefix)) return undefined;
  let secret: Buffer;
  try {
    secret = serverEcdh.computeSecret(clientSpki.subarray(26));
  } catch {
    return undefined; // not a point of the curve
  }
  return { kaMac: hmac(secret, Buffer.from('mac')), kaTuples: hmac(secret, Buffer.from('tuples')) };
}

function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha256', key);
  for (const part of parts) h.update(part);
  return h.digest();
}

/**
 * EBID = 3DES-EDE3-ECB(K_S of the day, epoch (24 bits) ‖ idA (40 bits)). ROBERT used Skinny-64/192;
 * TDEA is the 64-bit-block cipher node:crypto (OpenSSL) ships. Each (epoch, idA) is enciphered
 * once per key, so the 64-bit block's birthday bound (a CBC concern) does not apply.
 */
export function encryptEbids(dayKey: Buffer, plain: ReadonlyArray<{ epochId: number; idA: Buffer }>): Buffer[] {
  const blocks = Buffer.alloc(plain.length * EBID_BYTES);
  plain.forEach(({ epochId, idA }, i) => {
    blocks.writeUIntBE(epochId, i * EBID_BYTES, 3);
    idA.copy(blocks, i * EBID_BYTES + 3);
  });
  const cipher = createCipheriv('des-ede3-ecb', dayKey, null).setAutoPadding(false);
  const out = Buffer.concat([cipher.update(blocks), cipher.final()]);
  return plain.map((_, i) => out.subarray(i * EBID_BYTES, (i + 1) * EBID_BYTES));
}

export function decryptEbid(dayKey: Buffer, ebid: Buffer): { epochId: number; idA: Buffer } {
  const decipher = createDecipheriv('des-ede3-ecb', dayKey, null).setAutoPadding(false);
  const block = Buffer.concat([decipher.update(ebid), decipher.final()]);
  return { epochId: block.readUIntBE(0, 3), idA: block.subarray(3, 8) };
}

/** ECC = first byte of AES-128-ECB(K_G, EBID ‖ 0^64) XOR the country code: it carries the country, hidden. */
export function eccMasks(federationKey: Buffer, ebids: readonly Buffer[]): number[] {
  const blocks = Buffer.alloc(ebids.length * 16);
  ebids.forEach((ebid, i) => ebid.copy(blocks, i * 16));
  const cipher = createCipheriv('aes-128-ecb', federationKey, null).setAutoPadding(false);
  const out = Buffer.concat([cipher.update(blocks), cipher.final()]);
  return ebids.map((_, i) => out[i * 16]!);
}

export function computeEcc(federationKey: Buffer, ebid: Buffer, countryCode = COUNTRY_CODE_FRANCE): number {
  return eccMasks(federationKey, [ebid])[0]! ^ countryCode;
}

/** The country an ECC stands for. */
export function countryOfEcc(federationKey: Buffer, ebid: Buffer, ecc: number): number {
  return eccMasks(federationKey, [ebid])[0]! ^ ecc;
}

/** HELLO MAC: HMAC-SHA256(KA_mac, 0x01 ‖ ECC ‖ EBID ‖ time (16 bits)) truncated to 40 bits. */
export function helloMac(kaMac: Buffer, ecc: number, ebid: Buffer, time16: number): Buffer {
  const message = Buffer.alloc(1 + 1 + EBID_BYTES + 2);
  message[0] = SALT.hello;
  message[1] = ecc;
  ebid.copy(message, 2);
  message.writeUInt16BE(time16, 2 + EBID_BYTES);
  return hmac(kaMac, message).subarray(0, HELLO_MAC_BYTES);
}

/** status / unregister / deleteExposureHistory MAC: HMAC-SHA256(KA_mac, salt ‖ EBID ‖ epochId (4) ‖ time (4)). */
export function requestMac(kaMac: Buffer, salt: number, ebid: Buffer, epochId: number, time: Buffer): Buffer {
  const message = Buffer.alloc(1 + EBID_BYTES + 4 + 4);
  message[0] = salt;
  ebid.copy(message, 1);
  message.writeUInt32BE(epochId, 1 + EBID_BYTES);
  time.copy(message, 1 + EBID_BYTES + 4);
  return hmac(kaMac, message);
}

export function macEquals(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `tuples` = IV (12) ‖ AES-256-GCM(KA_tuples, JSON array of { epochId, key: { ebid, ecc } }) ‖ tag (16). */
export function sealTuples(kaTuples: Buffer, tuples: readonly Tuple[]): Buffer {
  return sealAesGcm(kaTuples, Buffer.from(JSON.stringify(tuples)));
}

/** AES-256-GCM: IV (12) ‖ ciphertext ‖ tag (16); `aad` binds a sealed value to its row. */
export function sealAesGcm(key: Buffer, plain: Buffer, aad?: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

export function openAesGcm(key: Buffer, sealed: Buffer, aad?: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
}
