import { professionals } from '@prostopcovid/psc-sandbox';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../platform/clock.js';
import { addDays, parisDate } from '../../platform/dates.js';
import {
  TEST_HMAC_KEYS,
  buildSiblingApp,
  createProfessional,
  createTestApp,
  declare,
  issueTestCode,
  signIn,
  type SignedIn,
  type TestApp,
} from '../../testing/test-app.js';

let t: TestApp;
let gp: SignedIn;
beforeAll(async () => {
  t = await createTestApp({ env: { CODE_ISSUE_LIMIT_PER_HOUR: '5' } });
  gp = await signIn(t, createProfessional(t, { profession: '10' }));
});
afterAll(() => t?.close());

const yesterday = () => addDays(parisDate(t.clock.now()), -1);

describe('issuing declaration codes', () => {
  it('issues a 6-character code to a doctor, valid 60 minutes, stored only as a keyed hash', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/codes', headers: gp.headers, payload: { caseKind: 'confirmed', qrCodeUnavailable: true } });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{6}$/);
    expect(body.codeForDictation).toBe(`${body.code.slice(0, 3)} ${body.code.slice(3)}`);
    expect(Date.parse(body.expiresAt) - t.clock.now().getTime()).toBe(60 * MINUTE);
    expect(body.deepLink).toBe(`http://app.test/app#code=${body.code}`);

    const { rows } = await sql<{ dump: string }>`select row_to_json(c)::text as dump from declaration_codes c`.execute(t.database.db);
    for (const row of rows) expect(row.dump).not.toContain(body.code);
    const audit = await t.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'codes.issue').execute();
    expect(audit.at(-1)).toMatchObject({ outcome: 'success', details: { qrCodeUnavailable: true } });
    // No health data in the audit: not the case's kind.
    expect(audit.at(-1)!.details).not.toHaveProperty('caseKind');
    expect(JSON.stringify(audit)).not.toContain(body.code);
  });

  it('requires the SI-DEP QR code confirmation for a confirmed case, not for a probable one', async () => {
    for (const payload of [{ caseKind: 'confirmed' }, { caseKind: 'confirmed', qrCodeUnavailable: false }]) {
      const refused = await t.app.inject({ method: 'POST', url: '/api/codes', headers: gp.headers, payload });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toMatchObject({ code: 'CODES_QR_CONFIRMATION_REQUIRED' });
      expect(refused.json().error.message).toContain('QR code SI-DEP');
    }
    const probable = await t.app.inject({ method: 'POST', url: '/api/codes', headers: gp.headers, payload: { caseKind: 'probable' } });
    expect(probable.statusCode).toBe(201);
  });

  it('answers bad input with 400 and stores nothing', async () => {
    const before = await t.database.db.selectFrom('declaration_codes').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    for (const payload of [{}, { caseKind: 'suspected' }, { caseKind: 'probable', extra: 1 }, { caseKind: 'probable', qrCodeUnavailable: 'yes' }, []]) {
      const response = await t.app.inject({ method: 'POST', url: '/api/codes', headers: gp.headers, payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('REQUEST_INVALID');
    }
    const after = await t.database.db.selectFrom('declaration_codes').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('refuses a pharmacist (403) and a request without CSRF token', async () => {
    const pharmacist = await signIn(t, professionals.find((p) => p.exercices[0]!.codeProfession === '21')!);
    const refused = await t.app.inject({ method: 'POST', url: '/api/codes', headers: pharmacist.headers, payload: { caseKind: 'probable' } });
    expect(refused.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/codes', headers: { cookie: pharmacist.cookie } })).statusCode).toBe(403);
    const noCsrf = await t.app.inject({ method: 'POST', url: '/api/codes', headers: { cookie: gp.cookie }, payload: { caseKind: 'probable' } });
    expect(noCsrf.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/codes', payload: { caseKind: 'probable' } })).statusCode).toBe(401);
  });

  it('limits issuing per professional and hour, with Retry-After', async () => {
    const nurse = await signIn(t, createProfessional(t, { profession: '60' }));
    const results = await Promise.all(
      Array.from({ length: 8 }, () => t.app.inject({ method: 'POST', url: '/api/codes', headers: nurse.headers, payload: { caseKind: 'probable' } })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(5);
    const limited = results.filter((r) => r.statusCode === 429);
    expect(limited).toHaveLength(3);
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited[0]!.json().error.message).toContain('limite');
    const audit = await t.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'codes.issue').where('outcome', '=', 'denied').execute();
    expect(audit.length).toBeGreaterThanOrEqual(3);

    t.clock.advance(HOUR + 1000);
    const nurseAgain = await signIn(t, createProfessional(t, { profession: '60' }));
    expect((await t.app.inject({ method: 'POST', url: '/api/codes', headers: nurseAgain.headers, payload: { caseKind: 'probable' } })).statusCode).toBe(201);
  });

  it("lists the professional's own codes as pending, used and expired, never the code", async () => {
    const doctor = await signIn(t, createProfessional(t, { profession: '10' }));
    const used = await issueTestCode(t.app, doctor);
    const expiring = await issueTestCode(t.app, doctor, 'confirmed');
    expect((await declare(t.app, used, { kind: 'unknown' })).statusCode).toBe(201);
    let history = await t.app.inject({ method: 'GET', url: '/api/codes', headers: { cookie: doctor.cookie } });
    expect(history.json().codes.map((c: { status: string }) => c.status)).toEqual(['pending', 'used']);
    expect(history.body).not.toContain(used);
    expect(history.body).not.toContain(expiring);

    t.clock.advance(61 * MINUTE);
    const fresh = await signIn(t, createProfessional(t, { profession: '10' }));
    history = await t.app.inject({ method: 'GET', url: '/api/codes', headers: { cookie: fresh.cookie } });
    expect(history.json().codes).toEqual([]);
    const doctorAgain = await t.app.inject({ method: 'GET', url: '/api/codes', headers: { cookie: doctor.cookie } });
    // The doctor's session idled out after 61 minutes: signing in again shows the history.
    expect(doctorAgain.statusCode).toBe(401);
  });
});

describe('HMAC key rotation', () => {
  it('keeps codes hashed with the previous key redeemable until they expire, and no longer once the key is dropped', async () => {
    const doctor = await signIn(t, createProfessional(t, { profession: '10' }));
    const underK1 = await issueTestCode(t.app, doctor);
    const alsoUnderK1 = await issueTestCode(t.app, doctor);

    const rotated = await buildSiblingApp(t, { CODE_HMAC_KEYS: `${TEST_HMAC_KEYS.k2},${TEST_HMAC_KEYS.k1}` });
    try {
      expect((await declare(rotated, underK1, { kind: 'symptoms', date: yesterday() })).statusCode).toBe(201);
      const underK2 = await issueTestCode(rotated, doctor);
      const underK2Count = await t.database.db.selectFrom('declaration_codes').select(sql<number>`count(*)::int`.as('n')).where('key_id', '=', 'k2').executeTakeFirstOrThrow();
      expect(underK2Count.n).toBe(1);

      const dropped = await buildSiblingApp(t, { CODE_HMAC_KEYS: `${TEST_HMAC_KEYS.k3},${TEST_HMAC_KEYS.k2}` });
      try {
        expect((await declare(dropped, alsoUnderK1, { kind: 'unknown' })).statusCode).toBe(403);
        expect((await declare(dropped, underK2, { kind: 'unknown' })).statusCode).toBe(201);
      } finally {
        await dropped.close();
      }
    } finally {
      await rotated.close();
    }
  });
});
