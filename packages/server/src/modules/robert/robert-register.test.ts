import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEcdhKeyPair, leadingZeroBits, ntpSeconds, Phone, RobertApiError, solveCaptcha, toBase64, type RobertApi } from '@prostopcovid/phone';
import { MINUTE } from '../../platform/clock.js';
import { addDays, parisDate } from '../../platform/dates.js';
import { createProfessional, createTestApp, declare, issueTestCode, robertApi, signIn, type TestApp } from '../../testing/test-app.js';

let t: TestApp;
let api: RobertApi;
const logLines: string[] = [];

beforeAll(async () => {
  t = await createTestApp({
    env: { ROBERT_CAPTCHA: 'on', ROBERT_CAPTCHA_DIFFICULTY: '8', ROBERT_REGISTER_LIMIT_PER_ADDRESS: '8', ROBERT_WORKERS: '1', CODE_ISSUE_LIMIT_PER_HOUR: '100', LOG_LEVEL: 'debug' },
    logStream: { write: (line: string) => void logLines.push(line) },
  });
  api = robertApi(t.app);
});
afterAll(() => t?.close());

const now = () => ntpSeconds(t.clock.now());
const post = (url: string, payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: `/api/robert/v1/${url}`, payload });

describe('register with the proof of work switched on, and the limit per address', () => {
  it('requires a solved, unexpired, unused challenge; the phone library solves it', async () => {
    expect((await api.config()).captchaRequired).toBe(true);
    const key = toBase64((await generateEcdhKeyPair()).publicKeySpki);
    const missing = await post('register', { clientPublicECDHKey: key });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('ROBERT_CAPTCHA_REQUIRED');

    const challenge = await api.captcha();
    expect(challenge.difficulty).toBe(8);
    // An answer that does not meet the difficulty (the first one that misses it).
    let wrong = 0;
    while (leadingZeroBits(createHash('sha256').update(`${challenge.id}:${wrong.toString(36)}`).digest()) >= 8) wrong++;
    expect((await post('register', { clientPublicECDHKey: key, captchaId: challenge.id, captcha: wrong.toString(36) })).json().error.code).toBe('ROBERT_CAPTCHA_INVALID');
    // A forged challenge (its MAC does not verify).
    const forged = Buffer.from(challenge.id, 'base64url');
    forged[0]! ^= 1;
    const forgedId = forged.toString('base64url');
    expect((await post('register', { clientPublicECDHKey: key, captchaId: forgedId, captcha: await solveCaptcha(forgedId, 8) })).json().error.code).toBe('ROBERT_CAPTCHA_INVALID');

    const answer = await solveCaptcha(challenge.id, challenge.difficulty);
    expect((await post('register', { clientPublicECDHKey: key, captchaId: challenge.id, captcha: answer })).statusCode).toBe(201);
    // Single use.
    expect((await post('register', { clientPublicECDHKey: key, captchaId: challenge.id, captcha: answer })).json().error.code).toBe('ROBERT_CAPTCHA_INVALID');
    // Expired after 10 minutes.
    const late = await api.captcha();
    t.clock.advance(11 * MINUTE);
    expect((await post('register', { clientPublicECDHKey: key, captchaId: late.id, captcha: await solveCaptcha(late.id, 8) })).json().error.code).toBe('ROBERT_CAPTCHA_INVALID');
  });

  it('limits registrations per address and per hour, with Retry-After', async () => {
    t.clock.advance(60 * MINUTE);
    const attempts = [];
    for (let i = 0; i < 9; i++) attempts.push(await Phone.register(api, now()).catch((e: unknown) => e));
    expect(attempts.slice(0, 8).every((a) => a instanceof Phone)).toBe(true);
    const refused = attempts[8] as RobertApiError;
    expect(refused.info).toMatchObject({ status: 429, code: 'ROBERT_REGISTER_RATE_LIMITED' });
    expect(refused.info.retryAfterSeconds).toBeGreaterThan(0);
  });
});

describe('the report worker inside the server (ROBERT_WORKERS=1)', () => {
  it('scores a report by itself, woken as soon as it is queued', async () => {
    t.clock.advance(60 * MINUTE);
    const [kase, contact] = [await Phone.register(api, now()), await Phone.register(api, now())];
    for (let at = now() - 30 * 60; at <= now(); at += 10) kase.hear((await contact.hello(at))!, at, -45);
    const doctor = await signIn(t, createProfessional(t, { profession: '60' }));
    const declared = (await declare(t.app, await issueTestCode(t.app, doctor), { kind: 'unknown' })).json<{ uploadToken: string; window: { from: string; to: string } }>();
    expect(declared.window.to).toBe(parisDate(t.clock.now()));
    expect(declared.window.from).toBe(addDays(parisDate(t.clock.now()), -14));
    await kase.report(api, declared.uploadToken, declared.window, now());
    const queued = async () => (await t.database.db.selectFrom('robert_reports').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
    await expect.poll(queued, { timeout: 10_000, interval: 50 }).toBe(0);
    expect((await contact.checkStatus(api, now())).riskLevel).toBe(4);

    // Nothing in any log line ties a phone to an address, or names its identifiers.
    const everything = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(20);
    expect(everything).not.toContain('127.0.0.1');
    for (const phone of [kase, contact]) {
      for (const tuple of phone.state.tuples) expect(everything).not.toContain(tuple.key.ebid);
    }
    for (const heard of kase.state.heard.slice(0, 50)) expect(everything).not.toContain(heard.mac);
  });
});
