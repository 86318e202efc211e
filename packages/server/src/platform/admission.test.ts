import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, type TestApp } from '../testing/test-app.js';
import { classifyRequest } from './admission.js';

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: nothing else runs, as under a CPU-bound overload
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await sleep(5);
  }
}

/** A saturated process: every turn of the event loop is late, until `done()` (at most 8 s). */
async function saturateUntil(done: () => boolean): Promise<void> {
  const until = Date.now() + 8000;
  while (!done()) {
    if (Date.now() > until) throw new Error('never overloaded');
    blockEventLoop(60);
    await sleep(0);
  }
}

/**
 * Takes every database connection (one on PGlite, the pool on PostgreSQL) until `release()`,
 * as a surge of slow statements would: a new request's query then waits for a connection.
 */
async function holdEveryConnection(t: TestApp): Promise<() => Promise<void>> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const holders: Array<Promise<unknown>> = [];
  while (t.database.pressure.waiting === 0) {
    if (holders.length > 64) throw new Error('the pool never filled');
    holders.push(t.database.db.connection().execute(() => gate));
    await sleep(20);
  }
  return async () => {
    release();
    await Promise.all(holders);
  };
}

function expectShed(response: LightMyRequestResponse, retryAfterSeconds: number): void {
  expect(response.statusCode).toBe(503);
  const retryAfter = Number(response.headers['retry-after']);
  // Spread over [n, 2n] so that clients do not all come back in the same second.
  expect(retryAfter).toBeGreaterThanOrEqual(retryAfterSeconds);
  expect(retryAfter).toBeLessThanOrEqual(2 * retryAfterSeconds);
  expect(response.json().error).toMatchObject({ code: 'SERVICE_OVERLOADED', message: expect.stringContaining('très sollicité'), retryAfterSeconds: retryAfter });
}

const SESSION = 'pscv_session';

describe('request priorities', () => {
  const headers = (extra: Record<string, string> = {}) => ({ 'user-agent': 'test', ...extra });
  it.each([
    ['GET', '/healthz', {}, 'exempt'],
    ['GET', '/metrics', {}, 'exempt'],
    ['GET', '/auth/callback?code=x&state=y', {}, 'critical'],
    ['POST', '/api/labs/v1/results', { authorization: 'Bearer lbk_x' }, 'critical'],
    ['POST', '/api/labs/v1/long-codes', { authorization: 'Bearer lbk_x' }, 'normal'],
    ['POST', '/api/tests', { cookie: `${SESSION}=abc`, 'idempotency-key': 'k' }, 'critical'],
    ['POST', '/api/tests', { cookie: `${SESSION}=abc` }, 'normal'],
    ['GET', '/api/codes', { cookie: `other=1; ${SESSION}=abc` }, 'normal'],
    // An Idempotency-Key without a session buys nothing: the act would be refused anyway.
    ['POST', '/api/tests', { 'idempotency-key': 'k' }, 'low'],
    ['GET', '/api/incidents/current', {}, 'low'],
    ['POST', '/api/robert/v1/status', {}, 'low'],
    ['GET', '/healthzz', {}, 'low'],
  ])('%s %s %o is %s', (method, url, extra, priority) => {
    expect(classifyRequest(method, url, headers(extra), SESSION)).toBe(priority);
  });
});

describe('admission control on the event-loop delay', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '40', ADMISSION_RETRY_AFTER_SECONDS: '7' } });
  });
  afterAll(() => t?.close());

  it('ignores one long block of the event loop (a slow query is not overload)', async () => {
    await waitFor(() => !t.app.isOverloaded());
    blockEventLoop(1500);
    await sleep(1200);
    expect(t.app.isOverloaded()).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: '/api/incidents/current' })).statusCode).toBe(200);
  });

  it('sheds normal and low requests while the event loop stays late, but still answers the probes and critical requests', async () => {
    await saturateUntil(() => t.app.isOverloaded());
    const [shed, health, callback] = await Promise.all([
      t.app.inject({ method: 'GET', url: '/api/incidents/current' }),
      t.app.inject({ method: 'GET', url: '/healthz' }),
      t.app.inject({ method: 'GET', url: '/auth/callback?code=x&state=y' }),
    ]);
    expectShed(shed, 7);
    expect(health.statusCode).toBe(200);
    // Admitted, then refused on its merits (no sign-in in progress): not a 503.
    expect(callback.statusCode).toBeLessThan(500);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/http_requests_shed_total\{reason="eventLoopDelay",priority="low"\} [1-9]/);

    await waitFor(() => !t.app.isOverloaded());
    expect((await t.app.inject({ method: 'GET', url: '/api/incidents/current' })).statusCode).toBe(200);
  });
});

// Anonymous requests that need the database on every call: a wrong declaration code.
const lowRequest = (t: TestApp) =>
  t.app.inject({ method: 'POST', url: '/api/app/v1/declarations', headers: { 'x-device-id': 'admission-test-device' }, payload: { code: 'ABCDEF', onset: { kind: 'unknown' } } });
// The laboratory API: critical, and it needs the database to check the key.
const labRequest = (t: TestApp) =>
  t.app.inject({ method: 'POST', url: '/api/labs/v1/results', headers: { authorization: `Bearer lbk_${'A'.repeat(43)}` }, payload: { results: [] } });

describe('admission control on the database queue', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMISSION_MAX_QUEUE_MS: '300', ADMISSION_RETRY_AFTER_SECONDS: '3' } });
  });
  afterAll(() => t?.close());

  it('sheds anonymous requests once the oldest caller has waited half the budget for a connection, and lets critical ones queue', async () => {
    const release = await holdEveryConnection(t);
    const queued = lowRequest(t); // admitted: the queue is young
    await sleep(200); // the oldest waiter is now past 150 ms (low) but under 300 ms (critical)
    const [shed, lab] = [await lowRequest(t), labRequest(t)];
    expectShed(shed, 3);
    await release();
    expect((await queued).statusCode).not.toBe(503);
    expect((await lab).statusCode).toBe(401);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/http_requests_shed_total\{reason="poolWait",priority="low"\} 1\b/);
    expect(metrics.body).toMatch(/db_pool_wait_seconds_count [1-9]/);
  });

  it('sheds a request that waited past its budget before its handler', async () => {
    const release = await holdEveryConnection(t);
    // A signed-in request's session is read before its handler: it waits there.
    const waiting = t.app.inject({ method: 'GET', url: '/api/codes', headers: { cookie: `${t.config.session.cookies.session}=${'x'.repeat(43)}` } });
    await sleep(400);
    await release();
    const answer = await waiting;
    expectShed(answer, 3);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/http_requests_shed_total\{reason="queueTime",priority="normal"\} 1\b/);
  });
});

describe('admission control on requests in flight', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMISSION_MAX_IN_FLIGHT: '4' } });
  });
  afterAll(() => t?.close());

  it('keeps half the slots for signed-in and critical requests', async () => {
    const release = await holdEveryConnection(t);
    const admitted = [lowRequest(t), lowRequest(t)];
    await waitFor(() => t.app.inFlight() === 2);
    expectShed(await lowRequest(t), 5);
    // Normal requests use up to 3 of 4 slots, critical ones all 4.
    const normal = t.app.inject({ method: 'GET', url: '/api/codes', headers: { cookie: `${t.config.session.cookies.session}=${'x'.repeat(43)}` } });
    await waitFor(() => t.app.inFlight() === 3);
    const lab = labRequest(t);
    await waitFor(() => t.app.inFlight() === 4);
    expectShed(await labRequest(t), 5);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await release();
    for (const answer of await Promise.all([...admitted, normal, lab])) expect(answer.statusCode).not.toBe(503);
    await waitFor(() => t.app.inFlight() === 0);
  });
});

describe('admission control over HTTP (before Fastify routes the request)', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { ADMISSION_MAX_IN_FLIGHT: '2', ADMISSION_RETRY_AFTER_SECONDS: '4' } });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => t?.close());

  it('answers a shed request with the catalogue’s 503 (JSON, or a French page for a browser) and still serves the probes', async () => {
    const release = await holdEveryConnection(t);
    const declare = () => fetch(`${base}/api/app/v1/declarations`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-device-id': 'admission-http-device' }, body: JSON.stringify({ code: 'ABCDEF', onset: { kind: 'unknown' } }) });
    const admitted = declare(); // low priority: one slot of two
    await waitFor(() => t.app.inFlight() === 1);
    const shed = await declare();
    expect(shed.status).toBe(503);
    const retryAfter = Number(shed.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(4);
    expect(retryAfter).toBeLessThanOrEqual(8);
    expect(shed.headers.get('cache-control')).toBe('no-store');
    const body = (await shed.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ code: 'SERVICE_OVERLOADED', message: expect.stringContaining('très sollicité'), retryAfterSeconds: retryAfter });
    expect(shed.headers.get('x-request-id')).toBe(body.error.requestId);

    const page = await fetch(`${base}/auth/login`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Service indisponible');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    await release();
    expect((await admitted).status).not.toBe(503);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_shed_total\{reason="inFlight",priority="low"\} 2\b/);
  });
});
