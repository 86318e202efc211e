import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSiblingApp, createProfessional, createTestApp, signIn, type SignedIn, type TestApp } from '../testing/test-app.js';

const OPERATOR = '899900000001';
const LIMITS = { PRO_REQUESTS_PER_MINUTE: '10', LAB_KEY_REQUESTS_PER_MINUTE: '3', OPERATOR_ID_NAT_PS: OPERATOR };

let t: TestApp;
/** A second process on the same database: its own memory, its own leases. */
let sibling: FastifyInstance;
beforeAll(async () => {
  t = await createTestApp({ env: LIMITS });
  sibling = await buildSiblingApp(t, LIMITS);
});
afterAll(async () => {
  await sibling?.close();
  await t?.close();
});

const history = (app: FastifyInstance, session: SignedIn) => app.inject({ method: 'GET', url: '/api/codes', headers: { cookie: session.cookie } });

/** Requests alternately on both processes until one is refused; how many passed. */
async function admittedUntilRefused(session: SignedIn, apps: FastifyInstance[], max = 200): Promise<number> {
  for (let i = 0; i < max; i++) {
    const answer = await history(apps[i % apps.length]!, session);
    if (answer.statusCode === 429) {
      expect(answer.json().error).toMatchObject({ code: 'CLIENT_RATE_LIMITED', message: expect.stringContaining('Trop de requêtes') });
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(answer.headers['retry-after'])).toBeLessThanOrEqual(60);
      return i;
    }
    expect(answer.statusCode).toBe(200);
  }
  throw new Error('never refused');
}

describe('per-professional limit', () => {
  it('holds across processes: ten requests a minute in all, then 429 on both, other professionals unaffected, again the next minute', async () => {
    // Start of a minute, so the whole test runs in one window.
    t.clock.set(new Date(Math.ceil(t.clock.now().getTime() / 60_000) * 60_000 + 1000));
    const gp = await signIn(t, createProfessional(t, { profession: '10' })); // GET /api/me: the first of ten
    expect(await admittedUntilRefused(gp, [t.app, sibling])).toBe(9);
    expect((await history(t.app, gp)).statusCode).toBe(429);
    expect((await history(sibling, gp)).statusCode).toBe(429);

    const nurse = await signIn(t, createProfessional(t, { profession: '60' }));
    expect((await history(sibling, nurse)).statusCode).toBe(200);

    t.clock.advance(60_000);
    expect((await history(t.app, gp)).statusCode).toBe(200);
  });

  it('leases tokens in blocks yet never admits more than the limit across processes', async () => {
    const app = await buildSiblingApp(t, { ...LIMITS, PRO_REQUESTS_PER_MINUTE: '100' });
    const other = await buildSiblingApp(t, { ...LIMITS, PRO_REQUESTS_PER_MINUTE: '100' });
    try {
      t.clock.set(new Date(Math.ceil(t.clock.now().getTime() / 60_000) * 60_000 + 1000));
      const professional = createProfessional(t, { profession: '10' });
      const gp = await signIn(t, professional);
      // Sign-in's GET /api/me counted one (t.app leases one at a time: its limit is 10).
      expect((await history(app, gp)).statusCode).toBe(200); // leases a block of 5, spends 1
      expect(await admittedUntilRefused(gp, [other])).toBe(94); // the rest of the hundred
      expect(await admittedUntilRefused(gp, [app])).toBe(4); // what was left of the first block
      // The shared count was written once per block, not once per request.
      const { rows } = await sql<{ hits: number }>`select hits from rate_limit_hits where key = ${`pro:${professional.idNatPs}`}`.execute(t.database.db);
      expect(rows.at(-1)?.hits).toBeGreaterThanOrEqual(100);
    } finally {
      await app.close();
      await other.close();
    }
  });

  it('fails closed: when the count cannot be read, the request is refused with a 503, not admitted', async () => {
    const app = await buildSiblingApp(t, LIMITS);
    try {
      t.clock.set(new Date(Math.ceil(t.clock.now().getTime() / 60_000) * 60_000 + 1000));
      const gp = await signIn(t, createProfessional(t, { profession: '10' }));
      t.clock.advance(60_000);
      // The counter refuses every write. (Not a renamed table: other test files introspect the
      // database's tables meanwhile, on PostgreSQL, and a table renamed under them fails them.)
      await sql`alter table rate_limit_hits add constraint refuse_all check (false) not valid`.execute(t.database.db);
      try {
        const answer = await history(app, gp);
        expect(answer.statusCode).toBe(503);
        expect(answer.json().error.code).toBe('SERVICE_UNAVAILABLE');
      } finally {
        await sql`alter table rate_limit_hits drop constraint refuse_all`.execute(t.database.db);
      }
      expect((await history(app, gp)).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('per-API-key limit (laboratories)', () => {
  it('refuses a key past its limit with 429, before reading the batch; another key is unaffected', async () => {
    t.clock.set(new Date(Math.ceil(t.clock.now().getTime() / 60_000) * 60_000 + 1000));
    const account = createProfessional(t, { profession: '10', familyName: 'ARS-OPERATRICE' });
    account.idNatPs = OPERATOR;
    const operator = await signIn(t, account);
    const lab = await t.app.inject({ method: 'POST', url: '/api/admin/labs', headers: operator.headers, payload: { name: 'Laboratoire Démoville' } });
    const newKey = async () => (await t.app.inject({ method: 'POST', url: `/api/admin/labs/${lab.json().id}/keys`, headers: operator.headers })).json<{ apiKey: string }>().apiKey;
    const [first, second] = [await newKey(), await newKey()];
    const batch = (app: FastifyInstance, key: string) =>
      app.inject({ method: 'POST', url: '/api/labs/v1/results', headers: { authorization: `Bearer ${key}` }, payload: { results: [] } });
    const statuses = [];
    for (const app of [t.app, sibling, t.app, sibling]) statuses.push((await batch(app, first)).statusCode);
    expect(statuses.slice(0, 3).every((status) => status !== 429)).toBe(true);
    expect(statuses[3]).toBe(429);
    expect((await batch(t.app, second)).statusCode).not.toBe(429);
  });
});
