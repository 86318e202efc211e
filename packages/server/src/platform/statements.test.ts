import { randomUUID } from 'node:crypto';
import { Phone, ntpSeconds } from '@prostopcovid/phone';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProfessional, createTestApp, declare, issueTestCode, robertApi, signIn, type SignedIn, type TestApp } from '../testing/test-app.js';

/** Counts the SQL statements the app sends (transaction BEGIN/COMMIT aside: the driver sends those). */
class StatementCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

const counter = new StatementCounter();
let t: TestApp;
let gp: SignedIn;
let pharmacist: SignedIn;
beforeAll(async () => {
  t = await createTestApp({ wrapDatabase: (db) => db.withPlugin(counter) });
  gp = await signIn(t, createProfessional(t, { profession: '10' }));
  pharmacist = await signIn(t, createProfessional(t, { profession: '21' }));
  // The sessions are now in the per-process cache, as for every request but a professional's first.
  await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: gp.cookie } });
  await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: pharmacist.cookie } });
});
afterAll(() => t?.close());

async function statementsOf(run: () => Promise<{ statusCode: number }>, status: number): Promise<number> {
  const before = counter.count;
  const response = await run();
  expect(response.statusCode).toBe(status);
  return counter.count - before;
}

// Each hot route's statements, pinned: a change that adds one to a route run by the million
// must say so here. The per-professional limit leases a block of tokens now and then (one
// statement per block), so each route is measured on a request that spends a leased token.
describe('statements per request on the hot routes', () => {
  it('issuing a code: one statement (counter, code and audit row in one data-modifying CTE)', async () => {
    await issueTestCode(t.app, gp); // leases the GP's block of tokens
    expect(await statementsOf(() => t.app.inject({ method: 'POST', url: '/api/codes', headers: gp.headers, payload: { caseKind: 'probable', qrCodeUnavailable: true } }), 201)).toBe(1);
  });

  it('redeeming a code in the app: one statement', async () => {
    const code = await issueTestCode(t.app, gp);
    expect(await statementsOf(() => declare(t.app, code, { kind: 'unknown' }), 201)).toBe(1);
  });

  it('recording a test from the outbox (Idempotency-Key): three statements', async () => {
    const act = (code: string) => ({
      retrievalCode: code,
      capturedAt: new Date(t.clock.now().getTime() - 3_600_000).toISOString(),
      patient: { familyName: 'Martin', givenName: 'Léa', birthDate: '1990-07-01', sex: 'F' },
      testType: 'antigen',
      sampledAt: new Date(t.clock.now().getTime() - 3_660_000).toISOString(),
      result: 'not-detected',
      deviceId: '1232',
      place: 'Pharmacie du Port, Brest',
    });
    const send = (key: string, code: string) => t.app.inject({ method: 'POST', url: '/api/tests', headers: { ...pharmacist.headers, 'idempotency-key': key }, payload: act(code) });
    await send(randomUUID(), 'BCDE-FGHJ-0001');
    expect(await statementsOf(() => send(randomUUID(), 'BCDE-FGHJ-0002'), 201)).toBe(3);
  });

  it('a ROBERT status request: two statements', async () => {
    const api = robertApi(t.app);
    const phone = await Phone.register(api, ntpSeconds(t.clock.now()));
    const before = counter.count;
    await phone.checkStatus(api, ntpSeconds(t.clock.now()));
    expect(counter.count - before).toBe(2);
  });
});
