import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHc1, kidOfCertificate, trustedSignerFromDer, validateCurrentSchema, verifyDcc, type TrustedSigner } from '@prostopcovid/dcc';
import { buildRecoveryDcc, buildTestDcc, buildVaccinationDcc } from './dcc-payload.js';
import { type DocumentSigner, createSelfSignedDsc, loadOrCreateDevelopmentSigner } from './dcc-signer.js';
import { generateUvci } from '../../platform/uvci.js';
import { dccQrSegments, encodeDcc, renderDccQr, testCertificateExpiry, vaccinationCertificateExpiry } from './issue-dcc.js';

const keysRoot = mkdtempSync(join(tmpdir(), 'issue-dcc-'));
afterAll(() => rmSync(keysRoot, { recursive: true, force: true }));

const signer = await loadOrCreateDevelopmentSigner(join(keysRoot, 'a'));
const otherSigner = await loadOrCreateDevelopmentSigner(join(keysRoot, 'b'));
let trusted: TrustedSigner;
beforeAll(async () => {
  trusted = await trustedSignerFromDer(signer.certificateDer, { origin: 'own' });
});
/** Signature, dates and schema only: the rules are the verifier's tests. */
const verifyAt = (hc1: string, validationClock: Date) =>
  verifyDcc(hc1, { lists: { signers: [trusted], rules: [], valueSets: {} }, validationClock, applyRules: false });

const person = { familyName: 'Martin-Lefèvre', givenName: 'Anaïs Éloïse', dateOfBirth: '1990-07-14' };
const now = new Date();
const sampledAt = new Date(now.getTime() - 2 * 3_600_000);

const cases = [
  {
    name: 'RAT, not detected',
    kind: 'test',
    dcc: buildTestDcc({ ...person, testType: 'rat', deviceId: '1232', sampledAt, result: 'not-detected', facility: 'Pharmacie de la Gare, Lille', uvci: generateUvci({ country: 'FR' }) }),
    expiresAt: testCertificateExpiry(sampledAt),
  },
  {
    name: 'RAT, detected',
    kind: 'test',
    dcc: buildTestDcc({ ...person, testType: 'rat', deviceId: '1833', sampledAt, result: 'detected', facility: 'Centre de dépistage, Nantes', uvci: generateUvci({ country: 'FR' }) }),
    expiresAt: testCertificateExpiry(sampledAt),
  },
  {
    name: 'NAAT, not detected',
    kind: 'test',
    dcc: buildTestDcc({ ...person, testType: 'naat', sampledAt, result: 'not-detected', facility: 'Laboratoire Biomédical, Paris', uvci: generateUvci({ country: 'FR', issuerPrefix: 'SIDEP' }) }),
    expiresAt: testCertificateExpiry(sampledAt, 24),
  },
  ...(['EU/1/20/1528', 'EU/1/21/1529'] as const).flatMap((product) =>
    [1, 2].map((doseNumber) => ({
      name: `vaccination ${product} ${doseNumber}/2`,
      kind: 'vaccination',
      dcc: buildVaccinationDcc({ ...person, product, doseNumber, seriesTotal: 2, date: '2021-06-01', uvci: generateUvci({ country: 'FR' }) }),
      expiresAt: vaccinationCertificateExpiry(now),
    })),
  ),
  {
    name: 'recovery',
    kind: 'recovery',
    dcc: buildRecoveryDcc({ ...person, firstPositive: '2021-06-01', validFrom: '2021-06-12', validUntil: '2021-11-28', uvci: generateUvci({ country: 'FR' }) }),
    expiresAt: vaccinationCertificateExpiry(now),
  },
];

describe('encodeDcc → verifyDcc round trip', () => {
  it.each(cases)('$name: schema-valid, signed, verified', async ({ dcc, kind, expiresAt }) => {
    expect(validateCurrentSchema(dcc)).toEqual({ valid: true });
    const { text: hc1 } = encodeDcc(dcc, { signer, issuedAt: now, expiresAt, issuer: 'FR' });
    expect(hc1).toMatch(/^HC1:[0-9A-Z $%*+\-./:]+$/);

    const result = await verifyAt(hc1, new Date(now.getTime() + 60_000));
    expect(result.reason).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(result.certificate?.kind).toBe(kind);
    expect(result.certificate?.dcc).toEqual(dcc);
    expect(result.certificate?.issuer).toBe('FR');
    expect(result.certificate?.kid).toBe(signer.kid.toString('base64'));
    expect(result.certificate?.issuedAt).toBe(new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString());
    expect(result.certificate?.expiresAt).toBe(new Date(Math.floor(expiresAt.getTime() / 1000) * 1000).toISOString());
  });

  it('leaves out a property set to undefined, as JSON would (CBOR would write undefined, which verifiers refuse)', async () => {
    const { dcc, expiresAt } = cases[0]!;
    const withUndefined = { ...dcc, nam: { ...(dcc as { nam: object }).nam, gn: undefined, gnt: undefined } };
    const { text: hc1 } = encodeDcc(withUndefined, { signer, issuedAt: now, expiresAt, issuer: 'FR' });
    const result = await verifyAt(hc1, new Date(now.getTime() + 60_000));
    expect(result.reason).toBeUndefined();
    expect(result.certificate?.dcc).toEqual(JSON.parse(JSON.stringify(withUndefined)));
    expect((result.certificate?.dcc as { nam: object }).nam).not.toHaveProperty('gn');
  });

  it('encodes the COSE / CWT structure with integer labels', async () => {
    const { dcc, expiresAt } = cases[0]!;
    const decoded = await decodeHc1(encodeDcc(dcc, { signer, issuedAt: now, expiresAt, issuer: 'FR' }).text);
    expect([...decoded.cose.protectedHeader.entries()]).toEqual([
      [1, -7],
      [4, new Uint8Array(signer.kid)],
    ]);
    expect(decoded.cose.unprotectedHeader.size).toBe(0);
    expect(decoded.cose.signature).toHaveLength(64);
    // 0xD2 = tag 18 (COSE_Sign1); zlib header 0x78 0xDA = level 9.
    expect(decoded.coseBytes[0]).toBe(0xd2);
    expect([...decoded.compressed.subarray(0, 2)]).toEqual([0x78, 0xda]);
    expect(decoded.claims).toEqual({
      issuer: 'FR',
      issuedAt: Math.floor(now.getTime() / 1000),
      expiresAt: Math.floor(expiresAt.getTime() / 1000),
      dcc,
    });
  });

  it('fails at verify against another signer', async () => {
    const { dcc, expiresAt } = cases[0]!;
    const { text: hc1 } = encodeDcc(dcc, { signer: otherSigner, issuedAt: now, expiresAt, issuer: 'FR' });
    const result = await verifyAt(hc1, now);
    expect(result.valid).toBe(false);
    expect(result.reason?.step).toBe('verify');
  });

  it('fails at expirationCheck once expired', async () => {
    const { dcc } = cases[0]!;
    const { text: hc1 } = encodeDcc(dcc, { signer, issuedAt: now, expiresAt: new Date(now.getTime() + 3_600_000), issuer: 'FR' });
    const result = await verifyAt(hc1, new Date(now.getTime() + 2 * 3_600_000));
    expect(result.valid).toBe(false);
    expect(result.reason?.step).toBe('expirationCheck');
    expect(result.steps).toMatchObject({ verify: 'passed', keyUsage: 'passed', expirationCheck: 'failed' });
  });

  it('refuses a schema-invalid DCC, a kind the signer may not sign, and an expiry before issue', async () => {
    const { dcc, expiresAt } = cases[0]!;
    expect(() => encodeDcc({ ...dcc, dob: '12/03/1990' }, { signer, issuedAt: now, expiresAt, issuer: 'FR' })).toThrow(/schéma/);
    expect(() => encodeDcc(dcc, { signer, issuedAt: now, expiresAt: now, issuer: 'FR' })).toThrow(RangeError);

    const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const der = await createSelfSignedDsc(keys, {
      subject: { C: 'FR', O: 'Test', CN: 'Vaccination only' },
      notBefore: now,
      notAfter: vaccinationCertificateExpiry(now),
      extendedKeyUsages: ['1.3.6.1.4.1.1847.2021.1.2'],
    });
    expect(new X509Certificate(der).keyUsage).toEqual(['1.3.6.1.4.1.1847.2021.1.2']);
    const vaccinationOnly: DocumentSigner = { kid: Buffer.from(await kidOfCertificate(der)), certificateDer: der, privateKey: keys.privateKey };
    expect(() => encodeDcc(dcc, { signer: vaccinationOnly, issuedAt: now, expiresAt, issuer: 'FR' })).toThrow(/autorisé/);
  });
});

describe('expiry within the signer certificate', () => {
  it('cuts the expiry to the end of the signer certificate, which verifiers require', async () => {
    const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const notAfter = new Date(Math.floor(now.getTime() / 1000) * 1000 + 30 * 24 * 3_600_000);
    const der = await createSelfSignedDsc(keys, { subject: { C: 'FR', O: 'Test', CN: 'Short' }, notBefore: new Date(now.getTime() - 60_000), notAfter });
    const short: DocumentSigner = { kid: Buffer.from(await kidOfCertificate(der)), certificateDer: der, privateKey: keys.privateKey };
    const { dcc } = cases[3]!;
    const encoded = encodeDcc(dcc, { signer: short, issuedAt: now, expiresAt: vaccinationCertificateExpiry(now), issuer: 'FR' });
    expect(encoded.expiresAt.toISOString()).toBe(notAfter.toISOString());
    const shortTrusted = await trustedSignerFromDer(der, { origin: 'own' });
    const result = await verifyDcc(encoded.text, { lists: { signers: [shortTrusted], rules: [], valueSets: {} }, validationClock: new Date(now.getTime() + 60_000), applyRules: false });
    expect(result.reason).toBeUndefined();
  });
});

describe('expiry rules', () => {
  it('test: sample + 72 h by default; vaccination: issue + 365 days', () => {
    const t = new Date('2021-06-11T17:30:00Z');
    expect(testCertificateExpiry(t).toISOString()).toBe('2021-06-14T17:30:00.000Z');
    expect(testCertificateExpiry(t, 48).toISOString()).toBe('2021-06-13T17:30:00.000Z');
    expect(vaccinationCertificateExpiry(t).toISOString()).toBe('2022-06-11T17:30:00.000Z');
  });
});

describe('renderDccQr', () => {
  it('renders SVG and PNG from one alphanumeric segment', async () => {
    const { dcc } = cases[3]!;
    const { text: hc1 } = encodeDcc(dcc, { signer, issuedAt: now, expiresAt: vaccinationCertificateExpiry(now), issuer: 'FR' });
    const { svg, png } = await renderDccQr(hc1, { png: true });
    expect(svg).toContain('<svg');
    expect(png!.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    const qr = QRCode.create(dccQrSegments(hc1), { errorCorrectionLevel: 'Q' });
    expect(qr.segments).toHaveLength(1);
    expect(qr.segments[0]?.mode.id).toBe('Alphanumeric');
    expect(qr.segments[0]?.data).toBe(hc1);
    expect(qr.errorCorrectionLevel.bit).toBe(3); // Q
    // Alphanumeric mode fits a typical DCC in a version well under the byte-mode one.
    const byteMode = QRCode.create([{ data: Buffer.from(hc1, 'ascii'), mode: 'byte' }], { errorCorrectionLevel: 'Q' });
    expect(qr.version).toBeLessThan(byteMode.version);
    expect(qr.version).toBeLessThanOrEqual(40);
  });
});
