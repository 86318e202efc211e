import { driveLogin, professionals } from '@prostopcovid/psc-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../platform/clock.js';
import { beginSignIn, buildSiblingApp, createProfessional, createTestApp, deliverCallback, signIn, type TestApp } from '../../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    routes: (app) => {
      app.post('/api/test/needs-codes-issue', { config: { right: 'codes:issue' } }, async () => ({ ok: true }));
    },
  });
});
afterAll(() => t?.close());

const auditRows = (action: string) =>
  t.database.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id').execute();

const shipped = (code: string) => professionals.find((p) => p.exercices.some((e) => e.codeProfession === code))!;

describe('sign-in through Pro Santé Connect', () => {
  it('signs a GP in with a full OIDC round trip and answers /api/me', async () => {
    const gp = shipped('10');
    const session = await signIn(t, gp);
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } });
    expect(me.statusCode).toBe(200);
    const body = me.json();
    expect(body.idNatPs).toBe(gp.idNatPs);
    expect(body.familyName).toBe(gp.familyName);
    expect(body.professions).toContainEqual({ code: '10', label: 'Médecin' });
    expect(body.rights).toEqual(['codes:issue', 'tests:record', 'vaccinations:record']);
    expect(body.session.authMeans).toBe('CARTE_CPS');

    const stored = await t.database.db.selectFrom('professionals').selectAll().where('id_nat_ps', '=', gp.idNatPs).executeTakeFirstOrThrow();
    expect(stored.professions).toEqual(['10']);
    const audits = await auditRows('auth.sign_in');
    expect(audits.some((a) => a.outcome === 'success' && a.actor_id === stored.id)).toBe(true);
  });

  it('signs in with e-CPS and records the means', async () => {
    const session = await signIn(t, shipped('60'), 'MOBILE');
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } });
    expect(me.json().session.authMeans).toBe('MOBILE');
  });

  it('gives a pharmacist no codes:issue right', async () => {
    const session = await signIn(t, shipped('21'));
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } });
    expect(me.json().rights).toEqual(['tests:record', 'vaccinations:record']);
  });

  it('unions the rights of a professional with two exercices', async () => {
    const twoJobs = professionals.find((p) => new Set(p.exercices.map((e) => e.codeProfession)).size > 1)!;
    const session = await signIn(t, twoJobs);
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } });
    expect(me.json().professions).toHaveLength(2);
  });

  it('returns to the page asked for, and never to another site', async () => {
    for (const [returnTo, expected] of [
      ['/codes?x=1', '/codes?x=1'],
      ['//evil.example/', '/'],
      ['/\\evil.example/', '/'],
      ['/\\/evil.example/', '/'],
      ['/..//evil.example/phish', '/'],
      ['/.//evil.example', '/'],
      ['/%2e%2e//evil.example', '/'],
      ['/a/../b?c=1#d', '/b?c=1#d'],
    ]) {
      const { authorizationUrl, loginCookie } = await beginSignIn(t, returnTo);
      const callback = await deliverCallback(t, await driveLogin(authorizationUrl, { idNatPs: shipped('10').idNatPs }), loginCookie);
      expect(callback.statusCode).toBe(303);
      expect(callback.headers.location).toBe(expected);
    }
  });

  it('refuses a return path that is not a plain path of this site', async () => {
    for (const returnTo of ['https://evil.example/', '/\t/evil.example', '/\u0000', '/€', '/a b']) {
      const response = await t.app.inject({ method: 'GET', url: `/auth/login?returnTo=${encodeURIComponent(returnTo)}` });
      expect(response.statusCode).toBe(400);
      expect(response.headers.location).toBeUndefined();
    }
  });

  it('completes sign-ins started in two tabs of the same browser', async () => {
    const first = await beginSignIn(t);
    const response = await t.app.inject({ method: 'GET', url: '/auth/login', cookies: { pscv_login: first.loginCookie } });
    const secondUrl = response.headers.location as string;
    expect(response.cookies.find((c) => c.name === 'pscv_login')?.value).toBe(first.loginCookie);
    const secondCallback = await driveLogin(secondUrl, { idNatPs: shipped('10').idNatPs });
    const firstCallback = await driveLogin(first.authorizationUrl, { idNatPs: shipped('10').idNatPs });
    expect((await deliverCallback(t, firstCallback, first.loginCookie)).statusCode).toBe(303);
    expect((await deliverCallback(t, secondCallback, first.loginCookie)).statusCode).toBe(303);
  });

  it('replaces the browser\'s previous session on a new sign-in', async () => {
    const old = await signIn(t, shipped('10'));
    const { authorizationUrl, loginCookie } = await beginSignIn(t);
    const callbackUrl = new URL(await driveLogin(authorizationUrl, { idNatPs: shipped('60').idNatPs }));
    const callback = await t.app.inject({
      method: 'GET',
      url: callbackUrl.pathname + callbackUrl.search,
      cookies: { pscv_login: loginCookie, pscv_session: old.cookie.split('=')[1]! },
    });
    expect(callback.statusCode).toBe(303);
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: old.cookie } })).statusCode).toBe(401);
  });

  it('refuses an ID token without acr eidas1', async () => {
    const { authorizationUrl, loginCookie } = await beginSignIn(t);
    const callbackUrl = await driveLogin(authorizationUrl, { idNatPs: shipped('10').idNatPs, acr: 'aucun' });
    const callback = await deliverCallback(t, callbackUrl, loginCookie);
    expect(callback.statusCode).toBe(403);
    expect(callback.body).toContain('eIDAS');
    expect(callback.cookies.find((c) => c.name === 'pscv_session')).toBeUndefined();
    const audits = await auditRows('auth.sign_in');
    expect(audits.at(-1)).toMatchObject({ outcome: 'denied', details: { reason: 'AUTH_ACR_INSUFFICIENT' } });
  });

  it('refuses a callback whose state does not match the browser attempt', async () => {
    const first = await beginSignIn(t);
    const second = await beginSignIn(t);
    const callbackUrl = await driveLogin(first.authorizationUrl, { idNatPs: shipped('10').idNatPs });
    const callback = await deliverCallback(t, callbackUrl, second.loginCookie);
    expect(callback.statusCode).toBe(400);
    expect(callback.headers['content-type']).toContain('text/html');
    expect(callback.body).toContain('ne correspond pas');
  });

  it('refuses a callback without the browser-binding cookie, and a replayed one', async () => {
    const { authorizationUrl, loginCookie } = await beginSignIn(t);
    const callbackUrl = await driveLogin(authorizationUrl, { idNatPs: shipped('10').idNatPs });
    expect((await deliverCallback(t, callbackUrl, undefined)).statusCode).toBe(400);
    expect((await deliverCallback(t, callbackUrl, loginCookie)).statusCode).toBe(303);
    const replay = await deliverCallback(t, callbackUrl, loginCookie);
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('inconnue ou a expiré');
  });

  it('refuses an ID token whose nonce does not match', async () => {
    const { authorizationUrl, loginCookie } = await beginSignIn(t);
    // The attempt's nonce changes after the request left: PSC's ID token now carries another one.
    await t.database.db.updateTable('login_attempts').set({ nonce: 'another-nonce' }).execute();
    const callback = await deliverCallback(t, await driveLogin(authorizationUrl, { idNatPs: shipped('10').idNatPs }), loginCookie);
    expect(callback.statusCode).toBe(400);
    expect(callback.body).toContain('pas pu être validée');
  });

  it('reports a refusal from PSC clearly', async () => {
    const { authorizationUrl, loginCookie } = await beginSignIn(t);
    const state = new URL(authorizationUrl).searchParams.get('state');
    const callback = await deliverCallback(t, `http://app.test/auth/callback?error=access_denied&state=${state}`, loginCookie);
    expect(callback.statusCode).toBe(403);
  });

  it('answers bad callback input with 400, never 500', async () => {
    const tooLong = 'x'.repeat(3000);
    expect((await t.app.inject({ method: 'GET', url: `/auth/callback?code=${tooLong}` })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: `/auth/login?returnTo=${tooLong}` })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/auth/callback' })).statusCode).toBe(400);
  });
});

describe('sign-out', () => {
  it('still ends the PSC session when the local one has already expired', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: 'pscv_session=gone', accept: 'text/html' } });
    expect(response.statusCode).toBe(303);
    expect((response.headers.location as string).startsWith(t.sandbox.issuer)).toBe(true);
  });

  it('answers a browser form with a bad token with a French page', async () => {
    const nurse = await signIn(t, shipped('60'));
    const response = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie: nurse.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: '_csrf=wrong',
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('Rechargez la page');
  });
});

describe('protected routes', () => {
  it('keeps identity answers out of caches and sends security headers', async () => {
    const gp = await signIn(t, shipped('10'));
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: gp.cookie } });
    expect(me.headers['cache-control']).toBe('no-store');
    expect(me.headers['x-content-type-options']).toBe('nosniff');
    expect(me.headers['x-frame-options']).toBe('DENY');
  });

  it('answers 401 without a session, or with an unknown one', async () => {
    for (const headers of [{}, { cookie: 'pscv_session=forged' }]) {
      const response = await t.app.inject({ method: 'GET', url: '/api/me', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('AUTH_REQUIRED');
    }
  });

  it('answers 403 when the profession lacks the right, and audits it', async () => {
    const pharmacist = await signIn(t, shipped('21'));
    const refused = await t.app.inject({ method: 'POST', url: '/api/test/needs-codes-issue', headers: pharmacist.headers });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('AUTH_FORBIDDEN');
    const audits = await auditRows('auth.access_refused');
    expect(audits.at(-1)).toMatchObject({ outcome: 'denied', details: { reason: 'AUTH_FORBIDDEN', right: 'codes:issue' } });

    const doctor = await signIn(t, createProfessional(t, { profession: '10' }));
    const allowed = await t.app.inject({ method: 'POST', url: '/api/test/needs-codes-issue', headers: doctor.headers });
    expect(allowed.statusCode).toBe(200);
  });

  it('refuses a state-changing request without the CSRF token', async () => {
    const nurse = await signIn(t, shipped('60'));
    for (const token of [undefined, 'wrong-token']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: { cookie: nurse.cookie, ...(token ? { 'x-csrf-token': token } : {}) },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('AUTH_CSRF_INVALID');
    }
    // Still signed in: nothing happened.
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: nurse.cookie } })).statusCode).toBe(200);
  });

  it("keeps no session secret in clear: only the cookie's hash, the id_token sealed, no CSRF token", async () => {
    const nurse = await signIn(t, shipped('60'));
    const rows = JSON.stringify(await t.database.db.selectFrom('sessions').selectAll().execute());
    expect(rows).not.toContain(nurse.csrfToken);
    expect(rows).not.toContain(nurse.cookie.split('=')[1]);
    expect(rows).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/); // no JWT
    expect(rows).toMatch(/"id_token_sealed":"v1\./);
  });

  it('signs out (form post with the token) and sends the browser to PSC to end its session', async () => {
    const nurse = await signIn(t, shipped('60'));
    const response = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie: nurse.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(nurse.csrfToken)}`,
    });
    expect(response.statusCode).toBe(303);
    const target = new URL(response.headers.location as string);
    expect(target.href.startsWith(t.sandbox.issuer)).toBe(true);
    expect(target.searchParams.get('post_logout_redirect_uri')).toBe('http://app.test/');
    const idToken = target.searchParams.get('id_token_hint')!;
    expect(idToken.split('.')).toHaveLength(3); // the PSC id_token, recovered from its sealed form
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: nurse.cookie } })).statusCode).toBe(401);
    expect((await auditRows('auth.sign_out')).length).toBeGreaterThan(0);
  });

  it('expires an idle session', async () => {
    const gp = await signIn(t, shipped('10'));
    t.clock.advance(29 * MINUTE);
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: gp.cookie } })).statusCode).toBe(200);
    t.clock.advance(31 * MINUTE);
    const expired = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: gp.cookie } });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('AUTH_SESSION_EXPIRED');
    const audits = await auditRows('auth.access_refused');
    expect(audits.at(-1)).toMatchObject({ details: { reason: 'AUTH_SESSION_EXPIRED' } });
  });

  it('expires an active session at its absolute limit', async () => {
    const gp = await signIn(t, shipped('10'));
    for (let elapsed = 0; elapsed < 11 * HOUR; elapsed += 20 * MINUTE) {
      t.clock.advance(20 * MINUTE);
      expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: gp.cookie } })).statusCode).toBe(200);
    }
    t.clock.advance(HOUR);
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: gp.cookie } })).statusCode).toBe(401);
  });
});

describe('provider compatibility', () => {
  it('falls back to standard discovery when the wallet document is absent', async () => {
    const plain = await createTestApp({ walletDiscovery: false });
    try {
      const wallet = await fetch(`${plain.sandbox.issuer}/.well-known/wallet-openid-configuration`);
      expect(wallet.status).toBe(404);
      const session = await signIn(plain, shipped('10'));
      expect((await plain.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } })).statusCode).toBe(200);
    } finally {
      await plain.close();
    }
  });
});

describe('userinfo as a signed JWT', () => {
  it('signs in when PSC answers userinfo as application/jwt', async () => {
    const signed = await createTestApp({ clientOverrides: { userinfo_signed_response_alg: 'RS256' } });
    try {
      const session = await signIn(signed, shipped('50'));
      const me = await signed.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } });
      expect(me.json().professions).toContainEqual({ code: '50', label: 'Sage-Femme' });
    } finally {
      await signed.close();
    }
  });
});

describe('when PSC is down', () => {
  it('keeps open sessions working and answers new sign-ins with 503', { timeout: 40_000 }, async () => {
    const local = await createTestApp();
    try {
      const gp = await signIn(local, shipped('10'));
      await local.sandbox.close();
      expect((await local.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: gp.cookie } })).statusCode).toBe(200);
      // An instance that never reached PSC cannot even start a sign-in: a clear 503.
      const fresh = await buildSiblingApp(local, { PSC_ISSUER: local.sandbox.issuer });
      try {
        const login = await fresh.inject({ method: 'GET', url: '/auth/login' });
        expect(login.statusCode).toBe(503);
        expect(login.headers['retry-after']).toBeDefined();
        expect(login.body).toContain('Pro Santé Connect ne répond pas');
      } finally {
        await fresh.close();
      }
    } finally {
      await local.app.close();
      await local.database.close();
    }
  });
});

describe('sign-in on HTTPS', () => {
  let https: TestApp;
  beforeAll(async () => {
    https = await createTestApp({
      env: { PUBLIC_URL: 'https://app.test' },
      clientOverrides: { redirect_uris: ['https://app.test/auth/callback'], post_logout_redirect_uris: ['https://app.test/'] },
    });
  });
  afterAll(() => https?.close());

  it('uses __Host- cookies (Secure, Path=/, no Domain) and sends HSTS', async () => {
    const login = await https.app.inject({ method: 'GET', url: '/auth/login' });
    expect(login.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
    expect(login.cookies).toEqual([expect.objectContaining({ name: '__Host-pscv_login', secure: true, path: '/', httpOnly: true })]);
    expect(login.cookies[0]!.domain).toBeUndefined();
    const session = await signIn(https, shipped('10'));
    expect(session.cookie.startsWith('__Host-pscv_session=')).toBe(true);
    expect((await https.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } })).statusCode).toBe(200);
    // The unprefixed name is not read: a cookie planted by a sibling subdomain opens nothing.
    const planted = session.cookie.replace('__Host-', '');
    expect((await https.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: planted } })).statusCode).toBe(401);
  });
});

