import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from './clock.js';
import { buildSiblingApp, createProfessional, createTestApp, signIn, type TestApp } from '../testing/test-app.js';

// Two server processes on one database: `t.app` (A) and `b` (B), each with its own caches
// (sessions, incidents: 5 s), breaker and listening connection. The clock is manual and never
// moves past a cache's lifetime here, so only the change feed can make B see A's changes.
const OPERATOR = '899900000001';
const ENV = { OPERATOR_ID_NAT_PS: OPERATOR, PSC_FAILURE_THRESHOLD: '2', PSC_PROBE_SECONDS: '30' };

let t: TestApp;
let b: FastifyInstance;
beforeAll(async () => {
  t = await createTestApp({ env: ENV });
  b = await buildSiblingApp(t, ENV);
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

/** Polls for at most one second: far below the caches' five, so "at once" is what is proven. */
async function within1s(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('not seen within 1 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('caches shared across processes through LISTEN/NOTIFY', () => {
  it('a sign-out on A is refused on B at once, although B had the session cached', async () => {
    const gp = await signIn(t, createProfessional(t, { profession: '10' }));
    const onB = () => b.inject({ method: 'GET', url: '/api/codes', headers: { cookie: gp.cookie } });
    expect((await onB()).statusCode).toBe(200); // B now holds the session in its cache
    const out = await t.app.inject({ method: 'POST', url: '/auth/logout', headers: { ...gp.headers, accept: 'application/json' } });
    expect(out.statusCode).toBeLessThan(400);
    await within1s(async () => (await onB()).statusCode === 401);
  });

  it('an incident declared on A shows on B at once', async () => {
    const account = createProfessional(t, { profession: '10', familyName: 'ARS-OPERATRICE' });
    account.idNatPs = OPERATOR;
    const operator = await signIn(t, account);
    const current = async (app: FastifyInstance) => (await app.inject({ method: 'GET', url: '/api/incidents/current' })).json<{ incidents: Array<{ component: string }> }>().incidents;
    expect(await current(b)).toEqual([]); // B now holds the empty list in its cache
    const declared = await t.app.inject({ method: 'POST', url: '/api/incidents', headers: operator.headers, payload: { component: 'tests-portal', message: 'SI-DEP saturé' } });
    expect(declared.statusCode).toBe(201);
    await within1s(async () => (await current(b)).some((incident) => incident.component === 'tests-portal'));
  });

  it('one PSC breaker per deployment: B refuses sign-ins as soon as A opened it, and reopens them when it closes', { timeout: 30_000 }, async () => {
    await t.sandbox.close();
    t.clock.advance(2 * MINUTE); // past the discovery's trusted age: sign-ins reach PSC and find it down
    for (let i = 0; i < 2; i++) expect((await t.app.inject({ method: 'GET', url: '/auth/login' })).statusCode).toBe(503);
    expect(t.app.pscBreaker.state).toBe('open');
    await within1s(async () => b.pscBreaker.state === 'open');
    const refused = await b.inject({ method: 'GET', url: '/auth/login' });
    expect(refused.statusCode).toBe(503);
    expect(refused.body).toContain('connexion de secours');

    await t.sandbox.restart();
    t.clock.advance(MINUTE);
    expect(await t.app.pscBreaker.probe()).toBe(true);
    await within1s(async () => b.pscBreaker.state === 'closed');
    expect((await b.inject({ method: 'GET', url: '/auth/login' })).statusCode).toBe(302);
  });
});
