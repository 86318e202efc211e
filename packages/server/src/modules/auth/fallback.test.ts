import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../../platform/clock.js';
import { buildSiblingApp, createProfessional, createTestApp, signIn, TEST_PUBLIC_URL, type TestApp } from '../../testing/test-app.js';

const PASSWORD = 'cheval-batterie-agrafe';
// OpenIncidents caches for 5 s per process: moving the clock past that makes the app re-read.
const PAST_INCIDENT_CACHE = 6_000;

const codeAt = (secret: string, at: Date) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at.getTime() });

const gp = (t: TestApp) => createProfessional(t, { profession: '10' });

/** Signs in through PSC and enrolls; returns the TOTP secret as the authenticator app holds it. */
async function enroll(t: TestApp, professional: ReturnType<typeof gp>) {
  const session = await signIn(t, professional);
  const started = await t.app.inject({ method: 'POST', url: '/api/fallback-account/enrollment', headers: session.headers });
  expect(started.statusCode).toBe(201);
  const { secret, otpauthUri } = started.json<{ secret: string; otpauthUri: string }>();
  expect(otpauthUri).toContain(`otpauth://totp/ProStopCovid:${professional.idNatPs}?`);
  expect(otpauthUri).toContain(`secret=${secret}`);
  const activated = await t.app.inject({
    method: 'POST',
    url: '/api/fallback-account',
    headers: session.headers,
    payload: { password: PASSWORD, totpCode: codeAt(secret, t.clock.now()) },
  });
  expect(activated.statusCode).toBe(200);
  expect(activated.json().enrolled).toBe(true);
  // The confirming code counts as used: sign-ins take the next one.
  t.clock.advance(30_000);
  return { secret, session };
}

async function openPscIncident(t: TestApp): Promise<void> {
  const now = t.clock.now();
  await t.database.db
    .insertInto('incidents')
    .values({ component: 'psc', started_at: new Date(now.getTime() - MINUTE), source: 'operator', updated_at: now })
    .execute();
  t.clock.advance(PAST_INCIDENT_CACHE);
}

async function closeIncidents(t: TestApp): Promise<void> {
  await t.database.db.updateTable('incidents').set({ ended_at: t.clock.now(), updated_at: t.clock.now() }).where('ended_at', 'is', null).execute();
  t.clock.advance(PAST_INCIDENT_CACHE);
}

const credentials = (t: TestApp, idNatPs: string, secret: string, overrides: Record<string, string> = {}) => ({
  idNatPs,
  password: PASSWORD,
  totpCode: codeAt(secret, t.clock.now()),
  ...overrides,
});

function postFallback(t: TestApp, payload: Record<string, string>, options: { remoteAddress?: string } = {}) {
  return t.app.inject({ method: 'POST', url: '/auth/fallback', payload, ...options });
}

const sessionCookie = (response: { cookies: Array<{ name: string; value: string }> }) => {
  const value = response.cookies.find((c) => c.name === 'pscv_session')?.value;
  if (!value) throw new Error('no session cookie');
  return `pscv_session=${value}`;
};

const auditRows = (t: TestApp, action: string) => t.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();

describe('second sign-in channel (mode "incident")', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('is refused while no psc incident is open, and audited', async () => {
    const pro = gp(t);
    const { secret } = await enroll(t, pro);
    const status = await t.app.inject({ method: 'GET', url: '/api/auth/fallback/status' });
    expect(status.json()).toEqual({ open: false, mode: 'incident' });

    const refused = await postFallback(t, credentials(t, pro.idNatPs, secret));
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('AUTH_FALLBACK_DISABLED');
    expect(refused.json().error.message).toContain("n'est ouverte que pendant un incident Pro Santé Connect");
    expect(refused.cookies.find((c) => c.name === 'pscv_session')).toBeUndefined();
    const denied = (await auditRows(t, 'auth.fallback.sign_in')).filter((row) => row.outcome === 'denied');
    expect(denied.at(-1)?.details).toMatchObject({ reason: 'AUTH_FALLBACK_DISABLED', idNatPs: pro.idNatPs });
  });

  it('signs in while a psc incident is open; the session carries the stored professions', async () => {
    const pro = createProfessional(t, { profession: '21' });
    const { secret } = await enroll(t, pro);
    await openPscIncident(t);
    try {
      expect((await t.app.inject({ method: 'GET', url: '/api/auth/fallback/status' })).json()).toEqual({ open: true, mode: 'incident' });
      const response = await postFallback(t, credentials(t, pro.idNatPs, secret, { returnTo: '/tests' }));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ ok: true, returnTo: '/tests' });
      const cookieAttributes = response.cookies.find((c) => c.name === 'pscv_session')!;
      expect(cookieAttributes).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(cookieAttributes.maxAge).toBeUndefined();

      const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: sessionCookie(response) } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ idNatPs: pro.idNatPs, rights: ['tests:record', 'vaccinations:record'], session: { authMeans: 'fallback-totp' } });

      const stored = await t.database.db
        .selectFrom('sessions')
        .innerJoin('professionals', 'professionals.id', 'sessions.professional_id')
        .select(['sessions.channel', 'sessions.id_token_sealed', 'sessions.acr', 'professionals.id as professionalId'])
        .where('professionals.id_nat_ps', '=', pro.idNatPs)
        .where('sessions.channel', '=', 'fallback')
        .execute();
      expect(stored).toEqual([{ channel: 'fallback', id_token_sealed: null, acr: 'fallback', professionalId: stored[0]!.professionalId }]);
      const success = (await auditRows(t, 'auth.fallback.sign_in')).filter((row) => row.outcome === 'success');
      expect(success.at(-1)).toMatchObject({ actor_id: stored[0]!.professionalId, target_id: stored[0]!.professionalId });
    } finally {
      await closeIncidents(t);
    }
  });

  it('answers a form post with a redirect and replaces the browser’s previous session', async () => {
    const pro = gp(t);
    const { secret, session: pscSession } = await enroll(t, pro);
    await openPscIncident(t);
    try {
      const ok = await t.app.inject({
        method: 'POST',
        url: '/auth/fallback',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pscSession.cookie },
        payload: new URLSearchParams({ ...credentials(t, pro.idNatPs, secret), returnTo: '/..//evil.example/phish' }).toString(),
      });
      // Never to another site: a path that would leave it becomes the home page.
      expect(ok.statusCode).toBe(303);
      expect(ok.headers.location).toBe('/');
      expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: sessionCookie(ok) } })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: pscSession.cookie } })).statusCode).toBe(401);
    } finally {
      await closeIncidents(t);
    }
  });

  it('gives one answer for an unknown account, a wrong password and a wrong code', async () => {
    const pro = gp(t);
    const { secret } = await enroll(t, pro);
    await openPscIncident(t);
    try {
      const good = codeAt(secret, t.clock.now());
      const wrongCode = good === '000000' ? '111111' : '000000';
      const attempts = [
        credentials(t, '812345678901', secret),
        credentials(t, pro.idNatPs, secret, { password: `${PASSWORD}!` }),
        credentials(t, pro.idNatPs, secret, { totpCode: wrongCode }),
      ];
      const bodies = [];
      for (const attempt of attempts) {
        const response = await postFallback(t, attempt);
        expect(response.statusCode).toBe(401);
        const { code, message } = response.json().error;
        bodies.push({ code, message });
      }
      expect(bodies).toEqual(Array(3).fill({ code: 'AUTH_FALLBACK_INVALID', message: 'Identifiant, mot de passe ou code à 6 chiffres incorrect.' }));
      const reasons = (await auditRows(t, 'auth.fallback.sign_in')).filter((row) => row.outcome === 'failure').map((row) => (row.details as { reason: string }).reason);
      expect(reasons.slice(-3)).toEqual(['unknown_account', 'wrong_password', 'wrong_code']);
    } finally {
      await closeIncidents(t);
    }
  });

  it('refuses a sign-in posted from another site, whichever header says so', async () => {
    const pro = gp(t);
    const { secret } = await enroll(t, pro);
    await openPscIncident(t);
    try {
      for (const headers of [
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { origin: 'http://app.test.evil.example' },
        { referer: 'https://evil.example/phish' },
        { referer: 'not a url' },
        { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' },
      ]) {
        const response = await t.app.inject({ method: 'POST', url: '/auth/fallback', headers, payload: credentials(t, pro.idNatPs, secret) });
        expect(response.statusCode, JSON.stringify(headers)).toBe(403);
        expect(response.json().error.code).toBe('AUTH_CSRF_INVALID');
        expect(response.cookies).toEqual([]);
      }
      const sameSite = { 'sec-fetch-site': 'same-origin', origin: 'http://app.test', referer: 'http://app.test/connexion' };
      expect((await t.app.inject({ method: 'POST', url: '/auth/fallback', headers: sameSite, payload: credentials(t, pro.idNatPs, secret) })).statusCode).toBe(200);
    } finally {
      await closeIncidents(t);
    }
  });

  it('accepts a code once', async () => {
    const pro = gp(t);
    const { secret } = await enroll(t, pro);
    await openPscIncident(t);
    try {
      const body = credentials(t, pro.idNatPs, secret);
      expect((await postFallback(t, body)).statusCode).toBe(200);
      const replay = await postFallback(t, body);
      expect(replay.statusCode).toBe(401);
      expect(replay.json().error.code).toBe('AUTH_FALLBACK_INVALID');
      // An earlier step's code (still within the ±1 window) is as used as this one.
      expect((await postFallback(t, { ...body, totpCode: codeAt(secret, new Date(t.clock.now().getTime() - 30_000)) })).statusCode).toBe(401);
      t.clock.advance(30_000);
      expect((await postFallback(t, credentials(t, pro.idNatPs, secret))).statusCode).toBe(200);
    } finally {
      await closeIncidents(t);
    }
  });

  it('limits guesses per account and address, without letting a stranger lock the professional out', async () => {
    const pro = gp(t);
    const { secret } = await enroll(t, pro);
    await openPscIncident(t);
    try {
      const attacker = { remoteAddress: '203.0.113.7' };
      const wrong = credentials(t, pro.idNatPs, secret, { password: 'pas-le-bon-mot-de-passe' });
      for (let i = 0; i < 5; i += 1) expect((await postFallback(t, wrong, attacker)).statusCode).toBe(401);
      const sixth = await postFallback(t, wrong, attacker);
      expect(sixth.statusCode).toBe(429);
      expect(sixth.json().error.code).toBe('RATE_LIMITED');
      expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
      // The same answer for an account that does not exist: nothing tells them apart.
      const unknown = credentials(t, '899999999999', secret);
      for (let i = 0; i < 5; i += 1) expect((await postFallback(t, unknown, attacker)).statusCode).toBe(401);
      expect((await postFallback(t, unknown, attacker)).json().error.code).toBe('RATE_LIMITED');

      // The professional, from their own workstation, still signs in.
      expect((await postFallback(t, credentials(t, pro.idNatPs, secret), { remoteAddress: '198.51.100.20' })).statusCode).toBe(200);
      const account = await t.database.db
        .selectFrom('fallback_accounts')
        .innerJoin('professionals', 'professionals.id', 'fallback_accounts.professional_id')
        .select(['failed_attempts', 'locked_until', 'last_used_at'])
        .where('id_nat_ps', '=', pro.idNatPs)
        .executeTakeFirstOrThrow();
      expect(account).toMatchObject({ failed_attempts: 0, locked_until: null, last_used_at: t.clock.now() });
    } finally {
      await closeIncidents(t);
    }
  });

  it('refuses enrollment, changes and removal from a fallback session', async () => {
    const pro = gp(t);
    const { secret } = await enroll(t, pro);
    await openPscIncident(t);
    try {
      const response = await postFallback(t, credentials(t, pro.idNatPs, secret));
      const cookie = sessionCookie(response);
      const csrfToken = (await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).json().csrfToken;
      const headers = { cookie, 'x-csrf-token': csrfToken };
      for (const [method, url, payload] of [
        ['POST', '/api/fallback-account/enrollment', undefined],
        ['POST', '/api/fallback-account', { password: 'un-autre-mot-de-passe', totpCode: '123456' }],
        ['DELETE', '/api/fallback-account', undefined],
      ] as const) {
        const refused = await t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
        expect(refused.statusCode).toBe(403);
        expect(refused.json().error.code).toBe('AUTH_FALLBACK_PSC_REQUIRED');
      }
      // Reading the status is fine.
      expect((await t.app.inject({ method: 'GET', url: '/api/fallback-account', headers })).json().enrolled).toBe(true);
      expect((await auditRows(t, 'auth.fallback.enrollment_start')).some((row) => row.outcome === 'denied')).toBe(true);
      expect((await auditRows(t, 'auth.fallback.remove')).some((row) => row.outcome === 'denied')).toBe(true);

      // Signing out does not send the browser to PSC (no id_token, and PSC may be down).
      const logout = await t.app.inject({ method: 'POST', url: '/auth/logout', headers });
      expect(logout.statusCode).toBe(303);
      expect(logout.headers.location).toBe(`${TEST_PUBLIC_URL}/`);
    } finally {
      await closeIncidents(t);
    }
  });

  it('validates enrollment: password length, the code, a pending enrollment; nothing stored on failure', async () => {
    const pro = gp(t);
    const session = await signIn(t, pro);
    const status = async () => (await t.app.inject({ method: 'GET', url: '/api/fallback-account', headers: session.headers })).json();
    expect(await status()).toMatchObject({ enrolled: false, enrolledAt: null, lastUsedAt: null });

    const noPending = await t.app.inject({ method: 'POST', url: '/api/fallback-account', headers: session.headers, payload: { password: PASSWORD, totpCode: '123456' } });
    expect(noPending.statusCode).toBe(400);
    expect(noPending.json().error.code).toBe('AUTH_FALLBACK_ENROLLMENT_UNKNOWN');

    const { secret } = (await t.app.inject({ method: 'POST', url: '/api/fallback-account/enrollment', headers: session.headers })).json();
    const short = await t.app.inject({ method: 'POST', url: '/api/fallback-account', headers: session.headers, payload: { password: 'court-11car', totpCode: codeAt(secret, t.clock.now()) } });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.message).toBe('Le mot de passe doit comporter au moins 12 caractères.');
    const good = codeAt(secret, t.clock.now());
    const mismatch = await t.app.inject({ method: 'POST', url: '/api/fallback-account', headers: session.headers, payload: { password: PASSWORD, totpCode: good === '000000' ? '111111' : '000000' } });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error.code).toBe('AUTH_FALLBACK_CODE_MISMATCH');
    const malformed = await t.app.inject({ method: 'POST', url: '/api/fallback-account', headers: session.headers, payload: { password: PASSWORD, totpCode: '12345a' } });
    expect(malformed.statusCode).toBe(400);
    expect((await status()).enrolled).toBe(false);

    // Without the CSRF token nothing happens either.
    const noCsrf = await t.app.inject({ method: 'POST', url: '/api/fallback-account', headers: { cookie: session.cookie }, payload: { password: PASSWORD, totpCode: good } });
    expect(noCsrf.statusCode).toBe(403);

    const activated = await t.app.inject({ method: 'POST', url: '/api/fallback-account', headers: session.headers, payload: { password: PASSWORD, totpCode: good } });
    expect(activated.statusCode).toBe(200);
    expect(await status()).toMatchObject({ enrolled: true, enrolledAt: t.clock.now().toISOString(), signInMode: 'incident' });
    // The pending secret is gone; the stored one is encrypted, the password hashed.
    expect(await t.database.db.selectFrom('fallback_enrollments').selectAll().execute()).toEqual([]);
    const stored = await t.database.db
      .selectFrom('fallback_accounts')
      .innerJoin('professionals', 'professionals.id', 'fallback_accounts.professional_id')
      .select(['password_hash', 'totp_secret'])
      .where('id_nat_ps', '=', pro.idNatPs)
      .executeTakeFirstOrThrow();
    expect(stored.totp_secret).not.toContain(secret);
    expect(stored.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored.password_hash).not.toContain(PASSWORD);
    expect((await auditRows(t, 'auth.fallback.activate')).map((row) => row.outcome)).toEqual(expect.arrayContaining(['failure', 'success']));
  });

  it('removes the account and ends the sessions it opened', async () => {
    const pro = gp(t);
    const { secret, session } = await enroll(t, pro);
    await openPscIncident(t);
    try {
      const fallbackCookie = sessionCookie(await postFallback(t, credentials(t, pro.idNatPs, secret)));
      const removed = await t.app.inject({ method: 'DELETE', url: '/api/fallback-account', headers: session.headers });
      expect(removed.statusCode).toBe(204);
      expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: fallbackCookie } })).statusCode).toBe(401);
      expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } })).statusCode).toBe(200);
      t.clock.advance(30_000);
      expect((await postFallback(t, credentials(t, pro.idNatPs, secret))).statusCode).toBe(401);
      const again = await t.app.inject({ method: 'DELETE', url: '/api/fallback-account', headers: session.headers });
      expect(again.statusCode).toBe(404);
      expect((await auditRows(t, 'auth.fallback.remove')).some((row) => row.outcome === 'success')).toBe(true);
    } finally {
      await closeIncidents(t);
    }
  });

  it('refuses malformed sign-in input with a 400', async () => {
    for (const payload of [
      { idNatPs: 'abc', password: PASSWORD, totpCode: '123456' },
      { idNatPs: '812345678901', password: PASSWORD, totpCode: '12 34 56' },
      { idNatPs: '812345678901', password: PASSWORD },
      { idNatPs: '812345678901', password: PASSWORD, totpCode: '123456', extra: 'x' },
    ]) {
      expect((await postFallback(t, payload as Record<string, string>)).statusCode).toBe(400);
    }
  });

  it('limits attempts per address, across accounts (password spraying)', async () => {
    const body = { idNatPs: '812345678901', password: PASSWORD, totpCode: '123456' };
    const remoteAddress = '203.0.113.77';
    // The channel is closed here, so each attempt is cheap; the limit counts them all.
    for (let i = 0; i < 60; i += 1) {
      const sprayed = { ...body, idNatPs: `81234567${String(i).padStart(4, '0')}` };
      expect((await postFallback(t, sprayed, { remoteAddress })).statusCode).toBe(403);
    }
    const limited = await postFallback(t, body, { remoteAddress });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await postFallback(t, body, { remoteAddress: '203.0.113.78' })).statusCode).toBe(403);
  });
});

describe('second sign-in channel while PSC is down', () => {
  it('signs in and the session works with the sandbox stopped', { timeout: 40_000 }, async () => {
    const local = await createTestApp();
    try {
      const pro = createProfessional(local, { profession: '10' });
      const { secret } = await enroll(local, pro);
      await openPscIncident(local);
      await local.sandbox.close();
      const response = await postFallback(local, credentials(local, pro.idNatPs, secret));
      expect(response.statusCode).toBe(200);
      const cookie = sessionCookie(response);
      const me = await local.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ idNatPs: pro.idNatPs, rights: ['codes:issue', 'tests:record', 'vaccinations:record'] });
      const csrfToken = me.json().csrfToken;
      const logout = await local.app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie, 'x-csrf-token': csrfToken } });
      expect(logout.headers.location).toBe(`${TEST_PUBLIC_URL}/`);
    } finally {
      await local.close();
    }
  });
});

describe('second sign-in channel, configured always or never', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t?.close());

  it('is open without any incident with FALLBACK_SIGN_IN=always, and closed even during one with never', async () => {
    const pro = createProfessional(t, { profession: '10' });
    const { secret, session: pscSession } = await enroll(t, pro);
    const always = await buildSiblingApp(t, { FALLBACK_SIGN_IN: 'always' });
    const never = await buildSiblingApp(t, { FALLBACK_SIGN_IN: 'never' });
    try {
      expect((await always.inject({ method: 'GET', url: '/api/auth/fallback/status' })).json()).toEqual({ open: true, mode: 'always' });
      const ok = await always.inject({ method: 'POST', url: '/auth/fallback', payload: credentials(t, pro.idNatPs, secret) });
      expect(ok.statusCode).toBe(200);

      await openPscIncident(t);
      t.clock.advance(30_000);
      expect((await never.inject({ method: 'GET', url: '/api/auth/fallback/status' })).json()).toEqual({ open: false, mode: 'never' });
      const refused = await never.inject({ method: 'POST', url: '/auth/fallback', payload: credentials(t, pro.idNatPs, secret) });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('AUTH_FALLBACK_DISABLED');
      // The same instant, the 'incident' instance accepts the same credentials.
      expect((await postFallback(t, credentials(t, pro.idNatPs, secret))).statusCode).toBe(200);

      const session = await signIn(t, createProfessional(t, { profession: '10' }));
      const enrollOnNever = await never.inject({ method: 'POST', url: '/api/fallback-account/enrollment', headers: session.headers });
      expect(enrollOnNever.statusCode).toBe(403);
      expect(enrollOnNever.json().error.code).toBe('AUTH_FALLBACK_NOT_OFFERED');
      // An account made earlier can still be removed.
      expect((await never.inject({ method: 'DELETE', url: '/api/fallback-account', headers: pscSession.headers })).statusCode).toBe(204);
    } finally {
      await always.close();
      await never.close();
    }
  });
});

