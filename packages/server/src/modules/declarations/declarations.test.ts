import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../../platform/clock.js';
import { addDays, parisDate } from '../../platform/dates.js';
import { createProfessional, createTestApp, declare, issueTestCode, newDeviceId, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';

let t: TestApp;
let doctor: SignedIn;
beforeAll(async () => {
  t = await createTestApp({ env: { CODE_ISSUE_LIMIT_PER_HOUR: '1000', REDEEM_LIMIT_PER_ADDRESS: '100000', REDEEM_LIMIT_PER_DEVICE: '5' } });
  doctor = await signIn(t, createProfessional(t, { profession: '10' }));
});
afterAll(() => t?.close());

const today = () => parisDate(t.clock.now());
const daysAgo = (n: number) => addDays(today(), -n);
/** Re-signs in when the manual clock has run past the doctor's idle timeout. */
async function freshCode(): Promise<string> {
  doctor = await signIn(t, createProfessional(t, { profession: '10' }));
  return issueTestCode(t.app, doctor);
}
describe('declaring with a code', () => {
  it('consumes the code and answers an upload token with the window from the symptom onset', async () => {
    const code = await freshCode();
    const response = await declare(t.app, code.toLowerCase().replace(/^(...)/, '$1-'), { kind: 'symptoms', date: daysAgo(3) });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.window).toEqual({ from: daysAgo(5), to: today() });
    expect(body.uploadToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(body.tokenExpiresAt)).toBeGreaterThan(t.clock.now().getTime());
    const audit = await t.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'declarations.redeem').where('outcome', '=', 'success').execute();
    expect(audit).toHaveLength(1);
  });

  it('answers a wrong, an expired and a used code with one and the same answer', async () => {
    const used = await freshCode();
    expect((await declare(t.app, used, { kind: 'unknown' })).statusCode).toBe(201);
    const expired = await freshCode();
    const answers = [await declare(t.app, 'ZZZZZZ', { kind: 'unknown' }), await declare(t.app, used, { kind: 'unknown' })];
    t.clock.advance(61 * MINUTE);
    answers.push(await declare(t.app, expired, { kind: 'unknown' }));
    answers.push(await declare(t.app, 'not a code at all', { kind: 'unknown' }));
    const shapes = answers.map((a) => {
      const { requestId, ...rest } = a.json().error;
      expect(requestId).toBeTruthy();
      return { status: a.statusCode, rest, headerNames: Object.keys(a.headers).filter((h) => !['x-request-id', 'date', 'content-length'].includes(h)).sort() };
    });
    expect(shapes[0]).toEqual({ status: 403, rest: { code: 'CODE_INVALID', message: 'Ce code est invalide, expiré ou déjà utilisé.' }, headerNames: shapes[0]!.headerNames });
    for (const shape of shapes) expect(shape).toEqual(shapes[0]);
  });

  it('lets exactly one of 100 concurrent redemptions of a code succeed', async () => {
    const code = await freshCode();
    const answers = await Promise.all(Array.from({ length: 100 }, () => declare(t.app, code, { kind: 'unknown' })));
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(99);
  });

  it('refuses onset dates in the future, older than 14 days, or not real, before touching the code', async () => {
    const code = await freshCode();
    for (const onset of [
      { kind: 'symptoms', date: addDays(today(), 1) },
      { kind: 'test', date: daysAgo(15) },
      { kind: 'symptoms', date: '2026-02-30' },
      { kind: 'symptoms', date: '22/11/2026' },
      { kind: 'symptoms' },
      { kind: 'maybe' },
    ]) {
      const response = await declare(t.app, code, onset as Record<string, string>);
      expect(response.statusCode).toBe(400);
    }
    expect((await declare(t.app, code, { kind: 'test', date: daysAgo(14) })).statusCode).toBe(201);
  });

  it('requires a device id', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/app/v1/declarations', payload: { code: 'ZZZZZZ', onset: { kind: 'unknown' } } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('DECLARATION_DEVICE_REQUIRED');
  });
});

describe('rate limits on redemption', () => {
  it('limits attempts per device, with Retry-After, whatever their outcome', async () => {
    const device = newDeviceId();
    for (let i = 0; i < 5; i++) expect((await declare(t.app, 'ZZZZZZ', { kind: 'unknown' }, device)).statusCode).toBe(403);
    const limited = await declare(t.app, await freshCode(), { kind: 'unknown' }, device);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another device is not affected.
    expect((await declare(t.app, 'ZZZZZZ', { kind: 'unknown' })).statusCode).toBe(403);
    const audit = await t.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'declarations.rate_limited').execute();
    expect(audit).toHaveLength(1);
  });

  it('limits attempts per address across devices', async () => {
    const strict = await createTestApp({ env: { REDEEM_LIMIT_PER_ADDRESS: '3', REDEEM_LIMIT_PER_DEVICE: '100' } });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await declare(strict.app, 'ZZZZZZ', { kind: 'unknown' })).statusCode);
      expect(statuses).toEqual([403, 403, 403, 429, 429]);
      strict.clock.advance(61 * MINUTE);
      expect((await declare(strict.app, 'ZZZZZZ', { kind: 'unknown' })).statusCode).toBe(403);
    } finally {
      await strict.close();
    }
  });
});
