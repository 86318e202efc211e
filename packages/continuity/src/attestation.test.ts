import { TrustListAnswer } from '@prostopcovid/contracts/attestations';
import { isAnswer } from '@prostopcovid/contracts/check';
import { assert, describe, expect, it } from 'vitest';
import {
  computeKid,
  generateAttestationKeyPair,
  isProvisionalText,
  PROVISIONAL_PREFIX,
  signProvisionalTest,
  verifyProvisionalTest,
  verifyWithTrustList,
  type IncidentWindow,
  type ProvisionalTestClaims,
  type TrustedAttestationKey,
} from './attestation.js';

const HOUR = 3_600_000;
const incidentStart = new Date('2021-08-13T08:00:00Z');
const sampledAt = new Date('2021-08-13T10:00:00Z');

const claims: ProvisionalTestClaims = {
  version: 1,
  actId: '3f2c7a8e-1b4d-4e6f-9a0b-2c3d4e5f6a7b',
  professional: { idNatPs: '810000000001', name: 'Camille DURAND', professionLabel: 'Pharmacien' },
  patient: { familyName: 'Dupont-Lefèvre', givenName: 'Zoé', birthDate: '1984-03-12' },
  test: { type: 'antigen', device: { id: '1232', name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test' }, result: 'not-detected', sampledAt: sampledAt.toISOString() },
  validityHours: 12,
  issuedAt: new Date(sampledAt.getTime() + 20 * 60_000).toISOString(),
  place: 'Pharmacie de la Gare, Démoville',
};

async function enrolledKey() {
  const pair = await generateAttestationKeyPair();
  const publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const kid = await computeKid(publicJwk);
  return { pair, publicJwk, kid };
}

const mine = await enrolledKey();
const stranger = await enrolledKey();
const keys = new Map<string, TrustedAttestationKey>([[mine.kid, { publicJwk: mine.publicJwk, idNatPs: '810000000001', name: 'Camille DURAND' }]]);
const pscIncident: IncidentWindow = { component: 'psc', startedAt: incidentStart, endedAt: null, testAttestationHours: 12 };

const signed = await signProvisionalTest(mine.pair.privateKey, mine.kid, claims);

/** Replaces the JWS payload by another (re-encoded) one, keeping the original signature. */
function tamper(text: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = text.slice(PROVISIONAL_PREFIX.length).split('.') as [string, string, string];
  const decoded: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  assert(typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded), 'the payload is a JSON object');
  change(decoded as Record<string, unknown>);
  return `${PROVISIONAL_PREFIX}${header}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
}

/** The same signature with s replaced by n − s: mathematically valid, and refused. */
function highS(text: string): string {
  const [header, payload, signature] = text.slice(PROVISIONAL_PREFIX.length).split('.') as [string, string, string];
  const raw = Buffer.from(signature, 'base64url');
  const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
  const flipped = Buffer.concat([raw.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
  return `${PROVISIONAL_PREFIX}${header}.${payload}.${flipped.toString('base64url')}`;
}

const now = (hoursAfterSample: number) => new Date(sampledAt.getTime() + hoursAfterSample * HOUR);
const closed = (start: string, end: string, hours = 12): IncidentWindow => ({ component: 'tests-portal', startedAt: start, endedAt: end, testAttestationHours: hours });
const foreignSigned = await signProvisionalTest(stranger.pair.privateKey, stranger.kid, claims);
// Signed by the stranger's key but claiming the enrolled kid: the signature cannot match.
const forgedKid = await signProvisionalTest(stranger.pair.privateKey, mine.kid, claims);
const otherProfessional = await signProvisionalTest(mine.pair.privateKey, mine.kid, { ...claims, professional: { idNatPs: '810000000999', name: 'Autre PERSONNE' } });
const withoutValidity = await signProvisionalTest(mine.pair.privateKey, mine.kid, { ...claims, validityHours: 24 });
const future = await signProvisionalTest(mine.pair.privateKey, mine.kid, { ...claims, test: { ...claims.test, sampledAt: now(1).toISOString() } });
const revoked = new Map([[mine.kid, { ...keys.get(mine.kid)!, revokedAt: '2021-08-14T00:00:00Z' }]]);

describe('provisional test attestations', () => {
  it('keeps the private key inside WebCrypto and names the key by its RFC 7638 thumbprint', async () => {
    expect(mine.pair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', mine.pair.privateKey)).rejects.toThrow();
    expect(mine.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Members other than the required ones do not change the thumbprint.
    expect(await computeKid({ ...mine.publicJwk, key_ops: ['verify'], ext: true })).toBe(mine.kid);
    expect(mine.kid).not.toBe(stranger.kid);
    await expect(computeKid({ kty: 'RSA', n: 'x', e: 'AQAB' })).rejects.toThrow();
  });

  it('is a prefixed compact JWS small enough for a QR code, and round-trips the claims', async () => {
    expect(isProvisionalText(signed)).toBe(true);
    expect(isProvisionalText('HC1:NCFOXN')).toBe(false);
    expect(signed.length).toBeLessThan(900);
    const [header] = signed.slice(PROVISIONAL_PREFIX.length).split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString()) as unknown).toEqual({ alg: 'ES256', kid: mine.kid, typ: 'pscv-provisional+jws' });
    const verdict = await verifyProvisionalTest(signed, { findKey: (kid) => keys.get(kid), incidents: [pscIncident], now: new Date(sampledAt.getTime() + HOUR) });
    expect(verdict).toMatchObject({ status: 'valid', claims, validUntil: '2021-08-13T22:00:00.000Z', message: expect.stringContaining("valide jusqu'au 14/08/2021 à 00:00"), signer: { kid: mine.kid, name: 'Camille DURAND' } });
  });

  it('always signs in low-S form, whatever S WebCrypto drew', async () => {
    const half = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n >> 1n;
    for (let i = 0; i < 24; i++) {
      const text = await signProvisionalTest(mine.pair.privateKey, mine.kid, claims);
      const s = BigInt(`0x${Buffer.from(text.split('.')[2]!, 'base64url').subarray(32).toString('hex')}`);
      expect(s <= half).toBe(true);
      expect((await verifyProvisionalTest(text, { findKey: (kid) => keys.get(kid), incidents: [pscIncident], now: now(1) })).status).toBe('valid');
    }
  });

  it('refuses to sign claims it could not verify later', async () => {
    await expect(signProvisionalTest(mine.pair.privateKey, mine.kid, { ...claims, validityHours: 100 })).rejects.toThrow();
    await expect(signProvisionalTest(mine.pair.privateKey, mine.kid, { ...claims, patient: { ...claims.patient, birthDate: '1984-02-30' } })).rejects.toThrow();
    await expect(signProvisionalTest(mine.pair.privateKey, mine.kid, { ...claims, actId: 'not-a-uuid' })).rejects.toThrow();
  });

  const cases: Array<{ name: string; text: string; incidents?: IncidentWindow[]; at: Date; expected: string; keys?: Map<string, TrustedAttestationKey> }> = [
    { name: 'inside an open psc incident', text: signed, at: now(11.9), expected: 'valid' },
    { name: 'inside a closed tests-portal incident, verified after it ended', text: signed, incidents: [closed('2021-08-13T09:00:00Z', '2021-08-13T11:00:00Z')], at: now(5), expected: 'valid' },
    { name: 'at the incident start exactly', text: signed, incidents: [closed('2021-08-13T10:00:00Z', '2021-08-13T11:00:00Z')], at: now(1), expected: 'valid' },
    { name: 'before the incident started', text: signed, incidents: [closed('2021-08-13T10:00:01Z', '2021-08-13T12:00:00Z')], at: now(3), expected: 'outside-incident' },
    { name: 'after the incident ended', text: signed, incidents: [closed('2021-08-13T06:00:00Z', '2021-08-13T09:59:59Z')], at: now(1), expected: 'outside-incident' },
    { name: 'with no incident at all', text: signed, incidents: [], at: now(1), expected: 'outside-incident' },
    { name: 'during a vaccination-portal incident only', text: signed, incidents: [{ ...pscIncident, component: 'vaccination-portal' }], at: now(1), expected: 'outside-incident' },
    { name: 'once its stated validity has passed', text: signed, at: now(12.01), expected: 'expired' },
    { name: 'past the incident validity when it states a longer one', text: withoutValidity, incidents: [{ ...pscIncident, testAttestationHours: 6 }], at: now(7), expected: 'expired' },
    { name: 'within the longer incident validity of two incidents', text: withoutValidity, incidents: [{ ...pscIncident, testAttestationHours: 6 }, closed('2021-08-13T09:00:00Z', '2021-08-13T11:00:00Z', 24)], at: now(20), expected: 'valid' },
    { name: 'with a test time in the future', text: future, at: now(0), expected: 'future' },
    { name: 'signed by a key never enrolled', text: foreignSigned, at: now(1), expected: 'unknown-key' },
    { name: 'signed by another key under an enrolled kid', text: forgedKid, at: now(1), expected: 'bad-signature' },
    { name: 'with a tampered result', text: tamper(signed, (p) => ((p.t as Record<string, unknown>).r = 'd')), at: now(1), expected: 'bad-signature' },
    { name: 'with a tampered validity', text: tamper(signed, (p) => (p.h = 72)), at: now(1), expected: 'bad-signature' },
    { name: 'with its signature in high-S form (malleable)', text: highS(signed), at: now(1), expected: 'bad-signature' },
    { name: 'with a stripped signature', text: signed.replace(/\.[^.]+$/, '.'), at: now(1), expected: 'bad-signature' },
    { name: 'signed by a revoked key', text: signed, keys: revoked, at: now(1), expected: 'revoked-key' },
    { name: 'naming another professional than the key holder', text: otherProfessional, at: now(1), expected: 'identity-mismatch' },
    { name: 'without the prefix', text: signed.slice(PROVISIONAL_PREFIX.length), at: now(1), expected: 'malformed' },
    { name: 'that is not a JWS', text: `${PROVISIONAL_PREFIX}bonjour`, at: now(1), expected: 'malformed' },
    { name: 'with another algorithm in its header', text: `${PROVISIONAL_PREFIX}${Buffer.from(JSON.stringify({ alg: 'none', kid: mine.kid, typ: 'pscv-provisional+jws' })).toString('base64url')}.e30.`, at: now(1), expected: 'malformed' },
    { name: 'that is far too long', text: signed + 'A'.repeat(5000), at: now(1), expected: 'malformed' },
  ];

  it.each(cases)('$expected: a provisional attestation $name', async ({ text, incidents = [pscIncident], at, expected, keys: trusted = keys }) => {
    const verdict = await verifyProvisionalTest(text, { findKey: (kid) => trusted.get(kid), incidents, now: at });
    if (expected === 'valid') {
      expect(verdict.status).toBe('valid');
    } else {
      expect(verdict).toMatchObject({ status: 'invalid', reason: expected });
      if (verdict.status === 'invalid') expect(verdict.message).toMatch(/[éèà]|refusée|invalide/);
    }
  });

  it('shows the claims of a refused attestation only once its signature is verified', async () => {
    const expired = await verifyProvisionalTest(signed, { findKey: (kid) => keys.get(kid), incidents: [pscIncident], now: now(13) });
    expect(expired).toMatchObject({ status: 'invalid', reason: 'expired', claims: { patient: { givenName: 'Zoé' } } });
    const forged = await verifyProvisionalTest(foreignSigned, { findKey: (kid) => keys.get(kid), incidents: [pscIncident], now: now(1) });
    expect(forged).not.toHaveProperty('claims');
  });

  it('verifies offline against a trust list as the server publishes it (JSON dates)', async () => {
    const trustList: unknown = JSON.parse(
      JSON.stringify({
        generatedAt: now(0).toISOString(),
        keys: [{ kid: mine.kid, publicJwk: mine.publicJwk, idNatPs: '810000000001', name: 'Camille DURAND', enrolledAt: incidentStart.toISOString(), revokedAt: null }],
        incidents: [{ component: 'psc', startedAt: incidentStart.toISOString(), endedAt: null, testAttestationHours: 12 }],
      }),
    );
    assert(isAnswer(TrustListAnswer, trustList), 'the trust list is as the contract says');
    expect((await verifyWithTrustList(signed, trustList, now(2))).status).toBe('valid');
    expect(await verifyWithTrustList(foreignSigned, trustList, now(2))).toMatchObject({ reason: 'unknown-key' });
  });
});
