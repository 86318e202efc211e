import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBase45 } from './base45.js';
import { base64ToBytes } from './bytes.js';
import { defaultRules, DEFAULT_VALUE_SETS } from './defaults.js';
import { MAX_INFLATED_BYTES, inflateHc1 } from './hc1.js';
import { importTrustList, trustedSignerFromDer } from './signers.js';
import { DccError, STEP_ORDER } from './steps.js';
import { createTestSigner, signTestHc1, tagDateTime, type TestSigner } from './testing/test-issuer.js';
import { valueSetCodes } from './value-sets.js';
import { verifyDcc, type VerifierLists } from './verify.js';

const vectorsDir = resolve(import.meta.dirname, '../../../../shared/data/dcc/testdata-common');

async function vector(name: string) {
  const data = JSON.parse(readFileSync(resolve(vectorsDir, `${name}.json`), 'utf8')) as { PREFIX: string; TESTCTX: { CERTIFICATE: string; VALIDATIONCLOCK: string } };
  return { text: data.PREFIX, signer: await trustedSignerFromDer(base64ToBytes(data.TESTCTX.CERTIFICATE), { origin: 'imported' }), clock: new Date(data.TESTCTX.VALIDATIONCLOCK) };
}
async function verifyVector(name: string) {
  const { text, signer, clock } = await vector(name);
  return verifyDcc(text, { lists: { signers: [signer], rules: [], valueSets: {} }, validationClock: clock, applyRules: false });
}
const noLists: VerifierLists = { signers: [], rules: [], valueSets: {} };
const anyClock = { lists: noLists, validationClock: new Date('2021-05-03T18:00:00Z') };
const hc1Of = (bytes: Uint8Array) => `HC1:${encodeBase45(bytes)}`;

describe('verifyDcc: French reasons, first failing step', () => {
  it('rejects a text without the HC1: prefix', async () => {
    const result = await verifyDcc('NCFOXN%TS3DH', anyClock);
    expect(result.valid).toBe(false);
    expect(result.reason).toEqual({ step: 'unprefix', message: 'Le préfixe HC1: est absent.' });
    for (const step of STEP_ORDER.slice(1)) expect(result.steps[step]).toBe('skipped');
  });

  it('rejects characters outside the Base45 alphabet and out-of-range groups', async () => {
    expect((await verifyDcc('HC1:ab=', anyClock)).reason).toEqual({ step: 'b45decode', message: 'Le contenu Base45 est invalide.' });
    // 'GGW' is 65535 + 1: out of range for a 3-character group.
    expect((await verifyDcc('HC1:GGW', anyClock)).reason?.step).toBe('b45decode');
  });

  it('rejects a payload that is not zlib-compressed, and a zlib bomb', async () => {
    const result = await verifyDcc(hc1Of(new TextEncoder().encode('pas du zlib')), anyClock);
    expect(result.reason).toEqual({ step: 'compression', message: 'La décompression a échoué.' });
    const bomb = deflateSync(Buffer.alloc(MAX_INFLATED_BYTES + 1));
    await expect(inflateHc1(bomb)).rejects.toThrow(DccError);
    expect((await verifyDcc(hc1Of(bomb), anyClock)).reason?.step).toBe('compression');
  });

  it('rejects a CBOR item that is not a COSE_Sign1', async () => {
    const result = await verifyDcc(hc1Of(deflateSync(Buffer.from([0x01]))), anyClock);
    expect(result.reason?.step).toBe('cose');
    expect(result.reason?.message).toMatch(/^La structure COSE est invalide/);
  });

  it('rejects an unknown signer, and shows nothing of the content', async () => {
    const { text, clock } = await vector('CO3');
    const result = await verifyDcc(text, { lists: noLists, validationClock: clock });
    expect(result.reason).toEqual({ step: 'verify', message: 'Le signataire de ce certificat est inconnu : il ne figure pas dans la liste de confiance.' });
    expect(result.steps).toMatchObject({ decode: 'passed', verify: 'failed', keyUsage: 'skipped', signerValidity: 'skipped', rules: 'skipped' });
    expect(result.certificate).toBeUndefined();
    expect(result.holder).toBeUndefined();
  });

  it('rejects a signature that does not verify with the signer of the same kid', async () => {
    expect((await verifyVector('CO5')).reason).toEqual({ step: 'verify', message: 'La signature ne correspond à aucun signataire de confiance.' });
  });

  it('rejects a signer whose key usage does not cover the certificate type', async () => {
    expect((await verifyVector('CO6')).reason).toEqual({ step: 'keyUsage', message: "Le signataire n'est pas autorisé pour ce type de certificat." });
  });

  it('gives the expiry date, in French format', async () => {
    expect((await verifyVector('CO17')).reason).toEqual({ step: 'expirationCheck', message: 'Le certificat a expiré le 05/05/2018.' });
    expect((await verifyVector('CO16')).reason).toEqual({ step: 'expirationCheck', message: "Le certificat n'est pas encore valide : il est émis le 03/05/2023." });
  });

  it('tells a schema failure apart from a signature failure', async () => {
    const result = await verifyVector('DGC2');
    expect(result.steps).toMatchObject({ verify: 'passed', keyUsage: 'passed', schemaValidation: 'failed' });
    expect(result.reason?.message).toMatch(/^Le contenu ne respecte pas le schéma DCC : .*un et un seul groupe/);
  });

  it('returns the certificate, its signer and holder once verified', async () => {
    const result = await verifyVector('CO28');
    expect(result.valid).toBe(true);
    expect(result.certificate).toMatchObject({
      kind: 'vaccination',
      issuer: 'SE',
      issuedAt: '2021-05-20T12:26:07.000Z',
      expiresAt: '2021-08-18T12:26:07.000Z',
      kid: Buffer.from('5f74910195c5cecb', 'hex').toString('base64'),
      dcc: { ver: '1.0.0', nam: { fnt: 'LOEVSTROEM' } },
      signer: { origin: 'imported' },
    });
    expect(result.holder).toEqual({ familyName: 'Lövström', givenName: 'Oscar', birthDate: '1958-11-11' });
  });
});

describe('certificates as other countries issue them', () => {
  const rules = defaultRules();
  const valueSets = valueSetCodes(DEFAULT_VALUE_SETS);
  const clock = new Date('2026-11-20T12:00:00Z');
  const issued = { issuedAt: new Date('2026-11-20T10:00:00Z'), expiresAt: new Date('2026-11-23T10:00:00Z') };
  const test = (sc: unknown, dr?: unknown) => ({
    ver: '1.0.0',
    nam: { fn: 'Rossi', fnt: 'ROSSI', gn: 'Marco', gnt: 'MARCO' },
    dob: '1975-07-01',
    t: [{ tg: '840539006', tt: 'LP217198-3', ma: '1232', sc, ...(dr !== undefined && { dr }), tr: '260415000', tc: 'Farmacia Centrale', co: 'IT', is: 'Ministero della Salute', ci: 'URN:UVCI:01:IT:ABCDEF#Z' }],
  });
  let italy: TestSigner;
  beforeAll(async () => {
    italy = await createTestSigner({ country: 'IT' });
  });
  const lists = (): VerifierLists => ({ signers: [italy.signer], rules, valueSets });

  it.each([
    ['tag 0 (text)', 0],
    ['tag 1 (epoch seconds)', 1],
  ] as const)('accepts sc and dr as CBOR date-times with %s', async (_, tag) => {
    const hc1 = await signTestHc1(italy, test(tagDateTime('2026-11-20T08:15:00Z', tag), tagDateTime('2026-11-20T09:00:00Z', tag)), issued);
    const result = await verifyDcc(hc1, { lists: lists(), validationClock: clock });
    expect(result.reason).toBeUndefined();
    expect(result.status).toBe('valid');
    const entry = (result.certificate?.dcc.t as Array<Record<string, unknown>>)[0]!;
    expect(Date.parse(entry.sc as string)).toBe(Date.parse('2026-11-20T08:15:00Z'));
    expect(entry.dr).toMatch(/^2026-11-20T09:00:00/);
  });

  it('refuses a tag 0 that is not an RFC 3339 text', async () => {
    const hc1 = await signTestHc1(italy, test(tagDateTime('2026-11-20T08:15:00Z', 1).value, undefined), issued);
    // Untagged number: a schema failure, not a crash.
    expect((await verifyDcc(hc1, { lists: lists(), validationClock: clock })).reason?.step).toBe('schemaValidation');
    const { Tag } = await import('cbor-x');
    const bad = await signTestHc1(italy, test(new Tag(12345, 0)), issued);
    expect((await verifyDcc(bad, { lists: lists(), validationClock: clock })).reason?.step).toBe('decode');
  });

  it('refuses a test device that is in no EU value set', async () => {
    const dcc = test('2026-11-20T08:15:00Z');
    (dcc.t[0] as Record<string, unknown>).ma = '9999';
    const result = await verifyDcc(await signTestHc1(italy, dcc, issued), { lists: lists(), validationClock: clock });
    expect(result.status).toBe('invalid');
    expect(result.reason).toMatchObject({ step: 'rules', rule: { identifier: 'TR-FR-0002' } });
    expect(result.reason?.message).toBe("Ce test antigénique ne figure pas dans la liste commune de l'UE des tests rapides.");
  });

  it('validates against the schema version the payload declares', async () => {
    const verifyPayload = async (dcc: Record<string, unknown>) => verifyDcc(await signTestHc1(italy, dcc, issued), { lists: lists(), validationClock: clock });
    const base = test('2026-11-20T08:15:00Z');
    // Up to 1.3.1 `fnt` is required; from 1.3.2, `fnt` or `gnt`.
    const onlyGnt = { ...base, nam: { gn: 'Marco', gnt: 'MARCO' } };
    for (const ver of ['1.0.0', '1.2.1', '1.3.0']) {
      const result = await verifyPayload({ ...onlyGnt, ver });
      expect(result.reason, ver).toMatchObject({ step: 'schemaValidation', message: expect.stringContaining('fnt est obligatoire') });
    }
    expect((await verifyPayload({ ...onlyGnt, ver: '1.3.2' })).status).toBe('valid');
    // 1.0.x issuers wrote empty groups beside the used one: valid then, not from 1.1.0.
    const withEmptyGroups = { ...base, v: [], r: [] };
    expect((await verifyPayload({ ...withEmptyGroups, ver: '1.0.0' })).status).toBe('valid');
    expect((await verifyPayload({ ...withEmptyGroups, ver: '1.3.0' })).reason?.step).toBe('schemaValidation');
    const v2 = await verifyPayload({ ...base, ver: '2.0.0' });
    expect(v2.reason).toMatchObject({ step: 'schemaValidation', message: 'Version de schéma DCC inconnue : 2.0.0.' });
  });

  it('checks the signer certificate validity period, and exp against it', async () => {
    const expired = await createTestSigner({ country: 'IT', notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2026-11-01T00:00:00Z') });
    const hc1 = await signTestHc1(expired, test('2026-11-20T08:15:00Z'), issued);
    const result = await verifyDcc(hc1, { lists: { ...lists(), signers: [expired.signer] }, validationClock: clock });
    expect(result.reason?.step).toBe('signerValidity');
    expect(result.reason?.message).toBe("Le certificat du signataire n'est pas valable à cette date (valable du 01/01/2021 au 01/11/2026).");
    // The other checks still ran: the detailed view shows them.
    expect(result.steps).toMatchObject({ verify: 'passed', expirationCheck: 'passed', signerValidity: 'failed', schemaValidation: 'passed', rules: 'skipped' });
    const endingSoon = await createTestSigner({ country: 'IT', notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2026-11-22T00:00:00Z') });
    const outliving = await verifyDcc(await signTestHc1(endingSoon, test('2026-11-20T08:15:00Z'), issued), { lists: { ...lists(), signers: [endingSoon.signer] }, validationClock: clock });
    expect(outliving.reason?.message).toMatch(/^Le certificat expire \(23\/11\/2026\) après le certificat de son signataire \(22\/11\/2026\)/);
  });

  it('trusts a foreign signer from an imported gateway trust list, and refuses an unknown one', async () => {
    const spain = await createTestSigner({ country: 'ES', algorithm: 'PS256' });
    const imported = await importTrustList([italy.gatewayEntry, spain.gatewayEntry], { now: clock });
    expect(imported.rejected).toEqual([]);
    const fromSpain = await signTestHc1(spain, { ...test('2026-11-20T08:15:00Z'), ver: '1.3.0' }, issued);
    const accepted = await verifyDcc(fromSpain, { lists: { signers: imported.signers, rules, valueSets }, validationClock: clock });
    expect(accepted.status).toBe('valid');
    expect(accepted.certificate?.signer.country).toBe('ES');
    const unknown = await verifyDcc(fromSpain, { lists: { signers: [italy.signer], rules, valueSets }, validationClock: clock });
    expect(unknown.reason?.step).toBe('verify');
  });

  it('finds the signer among the issuing country’s when the kid is empty, and only there', async () => {
    const hc1 = await signTestHc1(italy, test('2026-11-20T08:15:00Z'), { ...issued, kidIn: 'empty' });
    expect((await verifyDcc(hc1, { lists: lists(), validationClock: clock })).status).toBe('valid');
    const otherCountry = await signTestHc1(italy, test('2026-11-20T08:15:00Z'), { ...issued, kidIn: 'empty', issuer: 'FR' });
    expect((await verifyDcc(otherCountry, { lists: lists(), validationClock: clock })).reason?.step).toBe('verify');
  });

  it('takes byte strings under numeric tags in the COSE envelope as byte strings (Iceland’s encoder)', async () => {
    const hc1 = await signTestHc1(italy, test('2026-11-20T08:15:00Z'), { ...issued, tagByteStrings: true });
    expect((await verifyDcc(hc1, { lists: lists(), validationClock: clock })).status).toBe('valid');
  });

  it('refuses a certificate whose issuing country is not its signer’s', async () => {
    const hc1 = await signTestHc1(italy, test('2026-11-20T08:15:00Z'), { ...issued, issuer: 'DE' });
    const result = await verifyDcc(hc1, { lists: lists(), validationClock: clock });
    expect(result.reason).toEqual({ step: 'signerValidity', message: "Le pays émetteur du certificat (DE) n'est pas celui de son signataire (IT)." });
  });

  it('says it cannot decide for a country it has no rules for', async () => {
    const hc1 = await signTestHc1(italy, test('2026-11-20T08:15:00Z'), issued);
    const result = await verifyDcc(hc1, { lists: lists(), validationClock: clock, country: 'BE' });
    expect(result.status).toBe('unverifiable');
    expect(result.valid).toBe(false);
    expect(result.reason?.message).toContain('pays BE');
  });
});

describe('importTrustList (EU DCC Gateway format)', () => {
  const now = new Date('2026-11-20T12:00:00Z');
  it('keeps valid DSCs and says why each other entry is left out', async () => {
    const good = await createTestSigner({ country: 'NL' });
    const expired = await createTestSigner({ country: 'NL', notAfter: new Date('2026-01-01T00:00:00Z') });
    const noSigning = await createTestSigner({ country: 'NL', digitalSignature: false });
    const wrongCountry = await createTestSigner({ country: 'BE' });
    const result = await importTrustList(
      [
        good.gatewayEntry,
        good.gatewayEntry,
        expired.gatewayEntry,
        noSigning.gatewayEntry,
        { ...wrongCountry.gatewayEntry, country: 'NL' },
        { ...good.gatewayEntry, kid: wrongCountry.gatewayEntry.kid },
        { ...good.gatewayEntry, thumbprint: '00'.repeat(32) },
        { ...good.gatewayEntry, rawData: 'AAAA' },
        { ...good.gatewayEntry, certificateType: 'CSCA' },
        { kid: 'x' },
        null,
      ],
      { now },
    );
    expect(result.signers.map((s) => s.kidBase64)).toEqual([good.signer.kidBase64]);
    expect(result.signers[0]).toMatchObject({ country: 'NL', origin: 'imported' });
    expect(result.rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/^certificat expiré le 2026-01-01/),
      "l'usage de la clé n'autorise pas la signature",
      'le certificat est celui du pays BE',
      'le kid ne correspond pas au certificat',
      "l'empreinte ne correspond pas au certificat",
      'certificat illisible',
      'type CSCA : seuls les certificats de signataires (DSC) sont importés',
      'type absent : seuls les certificats de signataires (DSC) sont importés',
      'type absent : seuls les certificats de signataires (DSC) sont importés',
    ]);
  });

  it('refuses what is not a list', async () => {
    await expect(importTrustList({ certificates: [] }, { now })).rejects.toThrow(/tableau JSON/);
  });
});

describe('crafted input', () => {
  const cborHc1 = (claims: Uint8Array) => {
    // A COSE_Sign1 around raw claim bytes (its signature does not matter: decoding comes first).
    const protectedBytes = Uint8Array.from([0xa2, 0x01, 0x26, 0x04, 0x48, 0, 0, 0, 0, 0, 0, 0, 0]);
    const head = (major: number, length: number) => (length < 24 ? [major | length] : length < 256 ? [major | 24, length] : [major | 25, length >> 8, length & 0xff]);
    const cose = Uint8Array.from([0xd2, 0x84, ...head(0x40, protectedBytes.length), ...protectedBytes, 0xa0, ...head(0x40, claims.length), ...claims, 0x58, 64, ...new Uint8Array(64)]);
    return hc1Of(deflateSync(cose));
  };

  it('refuses shared references (CBOR tags 28/29) at once, however few bytes they take to describe a huge value', async () => {
    // 25 levels of a pair of references to the level below: 2^25 leaves if copied.
    let level = [0xd8, 28, 0x81, 0x61, 0x61];
    for (let i = 1; i <= 25; i++) level = [0xd8, 28, 0x82, ...level, 0xd8, 29, i < 24 ? 25 - i : 0];
    const started = performance.now();
    const result = await verifyDcc(cborHc1(Uint8Array.from([0xa1, 0x39, 0x01, 0x03, 0xa1, 0x01, ...level])), anyClock);
    expect(performance.now() - started).toBeLessThan(500);
    expect(result.reason?.step).toBe('decode');
  });

  it('refuses a payload with more values than a certificate has', async () => {
    // {-260: {1: [0, 0, …]}} with 20,000 items.
    const items = new Array(20_000).fill(0);
    const claims = Uint8Array.from([0xa1, 0x39, 0x01, 0x03, 0xa1, 0x01, 0x99, 20_000 >> 8, 20_000 & 0xff, ...items]);
    expect((await verifyDcc(cborHc1(claims), anyClock)).reason?.step).toBe('decode');
  });

  it('refuses critical headers it does not know, as COSE requires', async () => {
    // Protected header {1: -7, 2: [99], 4: h'00…'}.
    const protectedBytes = Uint8Array.from([0xa3, 0x01, 0x26, 0x02, 0x81, 0x18, 99, 0x04, 0x48, 0, 0, 0, 0, 0, 0, 0, 0]);
    const cose = Uint8Array.from([0xd2, 0x84, 0x40 | protectedBytes.length, ...protectedBytes, 0xa0, 0x41, 0xa0, 0x58, 64, ...new Uint8Array(64)]);
    expect((await verifyDcc(hc1Of(deflateSync(cose)), anyClock)).reason).toEqual({ step: 'cose', message: 'La structure COSE est invalide : en-têtes critiques (crit) non pris en charge.' });
  });

  it('refuses dates no calendar holds, rather than failing later', async () => {
    // {4: 2^62 (exp), -260: {1: {}}}
    const claims = Uint8Array.from([0xa2, 0x04, 0x1b, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x39, 0x01, 0x03, 0xa1, 0x01, 0xa0]);
    const result = await verifyDcc(cborHc1(claims), anyClock);
    expect(result.reason).toMatchObject({ step: 'decode', message: expect.stringContaining('hors limites') });
  });
});
