import { createECDH, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SALT } from '@prostopcovid/contracts/robert';
import { buildHello, decryptTuples, deriveSharedKeys as phoneDerive, fromBase64, generateEcdhKeyPair, hmacSha256, importHmacKey, parseHello, requestMac as phoneRequestMac, toBase64, toHex } from '@prostopcovid/phone';
import { decodeReport, encodeReport } from './report-payload.js';
import { computeEcc, countryOfEcc, decryptEbid, deriveSharedKeys, encryptEbids, helloMac, requestMac, sealTuples } from './robert-crypto.js';

// Expected bytes below were computed apart from both implementations (Python's hmac, the openssl command).
const KA_MAC = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));
const EBID = Buffer.from('0102030405060708', 'hex');

describe('ROBERT byte layouts, phone (WebCrypto) against server (node:crypto)', () => {
  it('derives the same KA_mac and KA_tuples on both sides of the ECDH', async () => {
    const server = createECDH('prime256v1');
    server.generateKeys();
    const serverSpki = Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), server.getPublicKey()]);
    // The same key as node:crypto reads it.
    expect(createPublicKey({ key: serverSpki, format: 'der', type: 'spki' }).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const phone = await generateEcdhKeyPair();
    expect(phone.publicKeySpki).toHaveLength(91);
    const onPhone = await phoneDerive(phone.privateKey, serverSpki);
    const onServer = deriveSharedKeys(server, Buffer.from(phone.publicKeySpki))!;
    expect(toHex(onPhone.kaMac)).toBe(onServer.kaMac.toString('hex'));
    expect(toHex(onPhone.kaTuples)).toBe(onServer.kaTuples.toString('hex'));
    expect(onServer.kaMac.equals(onServer.kaTuples)).toBe(false);
  });

  it('derives KA_mac = HMAC-SHA256(secret, "mac") and KA_tuples = HMAC-SHA256(secret, "tuples")', async () => {
    const secret = new Uint8Array(32).fill(7);
    expect(toHex(await hmacSha256(secret, new TextEncoder().encode('mac')))).toBe('f8bb176e117517142db9ef16c8fb1d30733e3749724cc1a28a51fb50666ebf2c');
    expect(toHex(await hmacSha256(secret, new TextEncoder().encode('tuples')))).toBe('467745d038ef24a98226b8b436613eb6c7afdd9fc0871bc7a1ae532e633b9cd1');
  });

  it('refuses a key that is not P-256 SubjectPublicKeyInfo or not on the curve, and takes a compressed point', () => {
    const server = createECDH('prime256v1');
    server.generateKeys();
    const spkiOf = (privateKey: ReturnType<typeof generateKeyPairSync>['privateKey']) => createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    expect(deriveSharedKeys(server, spkiOf(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey))).toBeUndefined();
    expect(deriveSharedKeys(server, spkiOf(generateKeyPairSync('ed25519').privateKey))).toBeUndefined();
    expect(deriveSharedKeys(server, Buffer.from('not a key'))).toBeUndefined();
    // A raw uncompressed point is not SubjectPublicKeyInfo.
    const phone = createECDH('prime256v1');
    const point = phone.generateKeys();
    expect(deriveSharedKeys(server, point)).toBeUndefined();
    // The right prefix before a point that is not on the curve.
    const valid = spkiOf(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
    const offCurve = Buffer.from(valid);
    offCurve[offCurve.length - 1]! ^= 1;
    expect(deriveSharedKeys(server, offCurve)).toBeUndefined();
    expect(deriveSharedKeys(server, valid)).toBeDefined();
    // The same phone key, compressed: the same secret.
    const compressed = Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), phone.getPublicKey(null, 'compressed')]);
    const uncompressed = Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), point]);
    expect(deriveSharedKeys(server, compressed)!.kaMac.equals(deriveSharedKeys(server, uncompressed)!.kaMac)).toBe(true);
  });

  it('builds HELLO = ECC ‖ EBID ‖ time16 ‖ MAC40 on the phone, which the server recomputes', async () => {
    // 0x01 ‖ ECC ‖ EBID ‖ time under KA_mac 01..20, time 0x1234 (any NTP seconds ending so).
    const hello = await buildHello(await importHmacKey(KA_MAC), Uint8Array.of(0xab), EBID, 0x5678_1234);
    expect(toHex(hello)).toBe('ab01020304050607081234bb904b5045');
    const parts = parseHello(hello);
    expect(parts.time).toBe(0x1234);
    expect(helloMac(KA_MAC, 0xab, EBID, parts.time).toString('hex')).toBe(toHex(parts.mac));
    expect(() => parseHello(hello.subarray(0, 15))).toThrow(RangeError);
  });

  it('computes the status MAC over salt ‖ EBID ‖ epochId (4) ‖ time (4) alike on both sides', async () => {
    const body = await phoneRequestMac(await importHmacKey(KA_MAC), SALT.status, EBID, 1000, 3_900_000_000);
    expect(toHex(fromBase64(body.mac))).toBe('e2db6edb17acfda7b10a67ee1a952e21be1aa362c583ab19d7828575db0cc413');
    expect(requestMac(KA_MAC, SALT.status, EBID, 1000, Buffer.from(fromBase64(body.time))).toString('hex')).toBe(toHex(fromBase64(body.mac)));
    // Another salt, another MAC: a status MAC cannot unregister.
    expect(requestMac(KA_MAC, SALT.unregister, EBID, 1000, Buffer.from(fromBase64(body.time))).toString('hex')).not.toBe(toHex(fromBase64(body.mac)));
  });

  it('enciphers epoch (24 bits) ‖ idA (40 bits) with 3DES into the EBID, and back', () => {
    const key = Buffer.from('000102030405060708090a0b0c0d0e0f1011121314151617', 'hex');
    const idA = Buffer.from('0a0b0c0d0e', 'hex');
    const [ebid] = encryptEbids(key, [{ epochId: 1000, idA }]);
    expect(ebid!.toString('hex')).toBe('4dde57a00968d0c2');
    const back = decryptEbid(key, ebid!);
    expect(back.epochId).toBe(1000);
    expect(back.idA.equals(idA)).toBe(true);
    // Several at once (one cipher call) give the same as one by one.
    const many = encryptEbids(key, [{ epochId: 999, idA }, { epochId: 1000, idA }]);
    expect(many[1]!.equals(ebid!)).toBe(true);
  });

  it('hides the country in the ECC: first byte of AES-128(K_G, EBID ‖ 0^64) XOR 0x21', () => {
    const federationKey = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    expect(computeEcc(federationKey, EBID)).toBe(0xa1 ^ 0x21);
    expect(countryOfEcc(federationKey, EBID, 0xa1 ^ 0x21)).toBe(0x21);
    expect(countryOfEcc(federationKey, EBID, 0xa1 ^ 0x33)).toBe(0x33);
  });

  it('seals tuples with AES-256-GCM under KA_tuples so that the phone opens them, and only with that key', async () => {
    const tuples = [{ epochId: 7, key: { ebid: EBID.toString('base64'), ecc: 'gA==' } }];
    const sealed = sealTuples(KA_MAC, tuples);
    expect(await decryptTuples(KA_MAC, sealed)).toEqual(tuples);
    await expect(decryptTuples(new Uint8Array(32), sealed)).rejects.toThrow();
    expect(toBase64(sealed).length).toBeGreaterThan(0);
  });

  it('queues a report in 12 bytes per HELLO and reads it back', () => {
    const contacts = [
      { ebid: EBID, ecc: 0x80, hellos: [{ timeCollectedOnDevice: 3_900_000_123, timeFromHelloMessage: 65_535, mac: Buffer.from('0102030405', 'hex'), rssiCalibrated: -127 }] },
      { ebid: Buffer.alloc(8, 9), ecc: 0, hellos: [{ timeCollectedOnDevice: 0, timeFromHelloMessage: 0, mac: Buffer.alloc(5), rssiCalibrated: 127 }] },
    ];
    const payload = encodeReport(contacts);
    expect(payload).toHaveLength(2 * (11 + 12));
    expect(decodeReport(payload)).toEqual(contacts);
    expect(() => decodeReport(payload.subarray(0, 20))).toThrow(RangeError);
  });
});

