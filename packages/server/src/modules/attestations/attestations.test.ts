import { computeKid, generateAttestationKeyPair, PROVISIONAL_PREFIX, signProvisionalTest, verifyWithTrustList, type ProvisionalTestClaims } from '@prostopcovid/continuity';
import { professionals } from '@prostopcovid/psc-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentComponent } from '../../db/schema.js';
import { HOUR } from '../../platform/clock.js';
import { createProfessional, createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';
import { MAX_ACTIVE_KEYS } from './attestations.service.js';

let t: TestApp;
let pharmacist: SignedIn;
let nurse: SignedIn;
let t0: Date;
const shipped = (code: string) => professionals.find((p) => p.exercices.length === 1 && p.exercices[0]!.codeProfession === code)!;

async function newKey() {
  const pair = await generateAttestationKeyPair();
  const publicJwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { pair, publicJwk, kid: await computeKid(publicJwk) };
}
type Key = Awaited<ReturnType<typeof newKey>>;
let pharmacistKey: Key;

const enroll = (session: SignedIn, publicJwk: unknown) => t.app.inject({ method: 'POST', url: '/api/attestation-keys', headers: session.headers, payload: { publicJwk } });
const verify = (text: unknown) => t.app.inject({ method: 'POST', url: '/api/verifier/provisional', payload: { text } });
const at = (hoursFromT0: number) => new Date(t0.getTime() + hoursFromT0 * HOUR);

async function insertIncident(component: IncidentComponent, startedAt: Date, endedAt: Date | null, testAttestationHours = 12) {
  await t.database.db
    .insertInto('incidents')
    .values({ component, started_at: startedAt, ended_at: endedAt, test_attestation_hours: testAttestationHours, source: 'operator', updated_at: startedAt })
    .execute();
}

function claims(sampledAt: Date, overrides: Partial<ProvisionalTestClaims> = {}): ProvisionalTestClaims {
  const pro = shipped('21');
  return {
    version: 1,
    actId: crypto.randomUUID(),
    professional: { idNatPs: pro.idNatPs, name: `${pro.givenName} ${pro.familyName}`, professionLabel: 'Pharmacien' },
    patient: { familyName: 'Dupont-Lefèvre', givenName: 'Zoé', birthDate: '1984-03-12' },
    test: { type: 'antigen', device: { id: '1232', name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test' }, result: 'not-detected', sampledAt: sampledAt.toISOString() },
    validityHours: 12,
    issuedAt: sampledAt.toISOString(),
    place: 'Pharmacie de la Gare',
    ...overrides,
  };
}
const sign = (key: Key, c: ProvisionalTestClaims) => signProvisionalTest(key.pair.privateKey, key.kid, c);

beforeAll(async () => {
  t = await createTestApp();
  // Whole seconds: the attestation keeps times to the second.
  t.clock.set(new Date(Math.floor(t.clock.now().getTime() / 1000) * 1000));
  t0 = t.clock.now();
  [pharmacist, nurse] = await Promise.all([signIn(t, shipped('21')), signIn(t, shipped('60'))]);
  pharmacistKey = await newKey();
  // A closed PSC outage from 6 h to 2 h ago; a vaccination-portal incident (no relaxed control
  // for tests); a tests-portal incident older than what verifiers are given.
  await insertIncident('psc', at(-6), at(-2), 12);
  await insertIncident('vaccination-portal', at(-20), null);
  await insertIncident('tests-portal', at(-40 * 24), at(-39 * 24));
});
afterAll(() => t?.close());

describe('attestation key enrollment', () => {
  it("enrolls a browser's public key once, however often it is sent, and audits it", async () => {
    const first = await enroll(pharmacist, pharmacistKey.publicJwk);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ kid: pharmacistKey.kid, enrolledAt: t0.toISOString() });
    const again = await enroll(pharmacist, { ...pharmacistKey.publicJwk, alg: 'ES256' });
    expect(again.statusCode).toBe(201);
    expect(again.json().kid).toBe(pharmacistKey.kid);
    const rows = await t.database.db.selectFrom('attestation_keys').selectAll().where('kid', '=', pharmacistKey.kid).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.public_jwk).toEqual({ kty: 'EC', crv: 'P-256', x: pharmacistKey.publicJwk.x, y: pharmacistKey.publicJwk.y });
    const audit = await t.database.db.selectFrom('audit_log').select(['action', 'outcome']).where('target_id', '=', pharmacistKey.kid).execute();
    expect(audit).toEqual([{ action: 'attestations.key_enroll', outcome: 'success' }]);
  });

  it('refuses a private key, other curves, points off the curve and malformed bodies with a clear 4xx', async () => {
    const extractable = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const privateJwk = await crypto.subtle.exportKey('jwk', extractable.privateKey);
    const withPrivate = await enroll(pharmacist, privateJwk);
    expect(withPrivate.statusCode).toBe(400);
    expect(withPrivate.json().error).toMatchObject({ code: 'ATTESTATIONS_KEY_PRIVATE', message: expect.stringContaining('clé publique') });

    const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
    const rsa = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
    const offCurve = { ...pharmacistKey.publicJwk, y: pharmacistKey.publicJwk.x };
    for (const jwk of [await crypto.subtle.exportKey('jwk', p384.publicKey), await crypto.subtle.exportKey('jwk', rsa.publicKey), offCurve, { kty: 'EC', crv: 'P-256', x: 'short', y: 'short' }]) {
      const response = await enroll(pharmacist, jwk);
      expect(response.statusCode, JSON.stringify(jwk).slice(0, 60)).toBe(400);
      expect(response.json().error.code).toMatch(/^(ATTESTATIONS_KEY_INVALID|REQUEST_INVALID)$/);
    }
    expect((await enroll(pharmacist, 'not a key')).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/attestation-keys', headers: pharmacist.headers, payload: {} })).statusCode).toBe(400);
    expect(await t.database.db.selectFrom('attestation_keys').select('kid').execute()).toHaveLength(1);
  });

  it('needs a session, the CSRF token and the right to record tests', async () => {
    const key = await newKey();
    expect((await t.app.inject({ method: 'POST', url: '/api/attestation-keys', payload: { publicJwk: key.publicJwk } })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/attestation-keys', headers: { cookie: pharmacist.cookie }, payload: { publicJwk: key.publicJwk } })).statusCode).toBe(403);
    // Speech therapists (91) do not record tests, so they never sign attestations.
    const speechTherapist = await signIn(t, createProfessional(t, { profession: '91' }));
    const refused = await enroll(speechTherapist, key.publicJwk);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('AUTH_FORBIDDEN');
  });

  it("refuses a key another professional enrolled, and caps each professional's active keys", async () => {
    const taken = await enroll(nurse, pharmacistKey.publicJwk);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('ATTESTATIONS_KEY_TAKEN');

    const busy = await signIn(t, createProfessional(t, { profession: '60', familyName: 'TEST-PLUSIEURS-POSTES' }));
    const keys = await Promise.all(Array.from({ length: MAX_ACTIVE_KEYS + 1 }, newKey));
    // Sent together: the cap holds under concurrency.
    const answers = await Promise.all(keys.map((key) => enroll(busy, key.publicJwk)));
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(MAX_ACTIVE_KEYS);
    const refused = answers.find((a) => a.statusCode !== 201)!;
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('ATTESTATIONS_KEY_LIMIT');

    // Revoking one frees a place.
    const listed = (await t.app.inject({ method: 'GET', url: '/api/attestation-keys', headers: { cookie: busy.cookie } })).json().keys;
    expect(listed).toHaveLength(MAX_ACTIVE_KEYS);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/attestation-keys/${listed[0].kid}`, headers: busy.headers })).statusCode).toBe(204);
    const refusedKey = keys.find((key) => !listed.some((l: { kid: string }) => l.kid === key.kid))!;
    expect((await enroll(busy, refusedKey.publicJwk)).statusCode).toBe(201);
  });

  it("lists and revokes only one's own keys; a revoked key cannot be enrolled again", async () => {
    const key = await newKey();
    expect((await enroll(nurse, key.publicJwk)).statusCode).toBe(201);
    const mine = await t.app.inject({ method: 'GET', url: '/api/attestation-keys', headers: { cookie: nurse.cookie } });
    expect(mine.json().keys).toEqual([{ kid: key.kid, enrolledAt: expect.any(String), revokedAt: null, userAgent: 'lightMyRequest' }]);

    expect((await t.app.inject({ method: 'DELETE', url: `/api/attestation-keys/${pharmacistKey.kid}`, headers: nurse.headers })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/attestation-keys/not-a-kid', headers: nurse.headers })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/attestation-keys/${key.kid}`, headers: { cookie: nurse.cookie } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/attestation-keys/${key.kid}`, headers: nurse.headers })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/attestation-keys/${key.kid}`, headers: nurse.headers })).statusCode).toBe(204);
    const again = await enroll(nurse, key.publicJwk);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ATTESTATIONS_KEY_REVOKED');
    const audit = await t.database.db.selectFrom('audit_log').select('action').where('target_id', '=', key.kid).execute();
    expect(audit.map((a) => a.action)).toEqual(['attestations.key_enroll', 'attestations.key_revoke']);
  });
});

describe('verifier trust list', () => {
  it('publishes enrolled and revoked keys with their professional, and recent psc/tests-portal incidents', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/verifier/trust-list' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=60');
    const list = response.json();
    const entry = list.keys.find((k: { kid: string }) => k.kid === pharmacistKey.kid);
    expect(entry).toEqual({
      kid: pharmacistKey.kid,
      publicJwk: { kty: 'EC', crv: 'P-256', x: pharmacistKey.publicJwk.x, y: pharmacistKey.publicJwk.y },
      idNatPs: shipped('21').idNatPs,
      name: 'Sophie DEMO-PHARMACIEN',
      enrolledAt: t0.toISOString(),
      revokedAt: null,
    });
    expect(list.keys.filter((k: { revokedAt: string | null }) => k.revokedAt !== null).length).toBeGreaterThanOrEqual(2);
    expect(list.incidents).toEqual([{ component: 'psc', startedAt: at(-6).toISOString(), endedAt: at(-2).toISOString(), testAttestationHours: 12 }]);
  });
});

describe('provisional attestation verification', () => {
  it('accepts an attestation whose test time falls inside an incident window, online and offline alike', async () => {
    const text = await sign(pharmacistKey, claims(at(-3)));
    const response = await verify(text);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'valid',
      message: expect.stringContaining('Attestation provisoire valide'),
      validUntil: at(9).toISOString(),
      incident: { component: 'psc', startedAt: at(-6).toISOString() },
      signer: { kid: pharmacistKey.kid, name: 'Sophie DEMO-PHARMACIEN' },
      claims: { patient: { familyName: 'Dupont-Lefèvre' }, test: { result: 'not-detected', device: { id: '1232' } } },
    });
    const trustList = (await t.app.inject({ method: 'GET', url: '/api/verifier/trust-list' })).json();
    expect((await verifyWithTrustList(text, trustList, t.clock.now())).status).toBe('valid');
  });

  it('refuses an attestation whose test time is outside every psc or tests-portal incident', async () => {
    for (const sampledAt of [at(-1), at(-7), at(-12) /* vaccination-portal incident only */, at(-39 * 24 - 1) /* older than the trust window */]) {
      const verdict = (await verify(await sign(pharmacistKey, claims(sampledAt)))).json();
      expect(verdict, sampledAt.toISOString()).toMatchObject({ status: 'invalid', reason: 'outside-incident', message: expect.stringContaining('panne déclarée') });
    }
  });

  it('refuses forged attestations: a key never enrolled, a tampered payload, another professional, nonsense', async () => {
    const stranger = await newKey();
    expect((await verify(await sign(stranger, claims(at(-3))))).json()).toMatchObject({ status: 'invalid', reason: 'unknown-key' });
    // A stranger signing under the pharmacist's enrolled kid.
    expect((await verify(await signProvisionalTest(stranger.pair.privateKey, pharmacistKey.kid, claims(at(-3))))).json()).toMatchObject({ reason: 'bad-signature' });

    const genuine = await sign(pharmacistKey, claims(at(-3), { test: { type: 'antigen', result: 'detected', sampledAt: at(-3).toISOString() } }));
    const [header, payload, signature] = genuine.slice(PROVISIONAL_PREFIX.length).split('.') as [string, string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString());
    decoded.t.r = 'nd';
    const tampered = `${PROVISIONAL_PREFIX}${header}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
    const verdict = (await verify(tampered)).json();
    expect(verdict).toMatchObject({ status: 'invalid', reason: 'bad-signature' });
    expect(verdict).not.toHaveProperty('claims');

    const impostor = claims(at(-3), { professional: { idNatPs: shipped('60').idNatPs, name: 'Paul DEMO-INFIRMIER' } });
    expect((await verify(await sign(pharmacistKey, impostor))).json()).toMatchObject({ reason: 'identity-mismatch' });
    expect((await verify('PSCV1:bonjour')).json()).toMatchObject({ status: 'invalid', reason: 'malformed' });
    expect((await verify('HC1:6BFOXN')).json()).toMatchObject({ status: 'invalid', reason: 'malformed' });
  });

  it('answers 400 only for a malformed request', async () => {
    expect((await verify(42)).statusCode).toBe(400);
    expect((await verify('')).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/verifier/provisional', payload: { text: 'PSCV1:x', extra: 1 } })).statusCode).toBe(400);
  });

  it('refuses attestations of a key once it is revoked', async () => {
    const laptop = await newKey();
    expect((await enroll(pharmacist, laptop.publicJwk)).statusCode).toBe(201);
    const text = await sign(laptop, claims(at(-3)));
    expect((await verify(text)).json().status).toBe('valid');
    expect((await t.app.inject({ method: 'DELETE', url: `/api/attestation-keys/${laptop.kid}`, headers: pharmacist.headers })).statusCode).toBe(204);
    expect((await verify(text)).json()).toMatchObject({ status: 'invalid', reason: 'revoked-key', message: expect.stringContaining('révoquée') });
  });

  it('refuses an attestation once its validity has passed', async () => {
    const text = await sign(pharmacistKey, claims(at(-3)));
    const shortened = await sign(pharmacistKey, claims(at(-3), { validityHours: 4 }));
    t.clock.set(at(0.99));
    expect((await verify(shortened)).json().status).toBe('valid');
    t.clock.set(at(1.01));
    expect((await verify(shortened)).json()).toMatchObject({ status: 'invalid', reason: 'expired' });
    expect((await verify(text)).json().status).toBe('valid');
    t.clock.set(at(9 + 1 / 60));
    expect((await verify(text)).json()).toMatchObject({ status: 'invalid', reason: 'expired', message: expect.stringContaining('validité') });
  });
});
