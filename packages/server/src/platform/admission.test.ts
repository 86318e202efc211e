import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '40', ADMISSION_RETRY_AFTER_SECONDS: '7' } });
});
afterAll(() => t?.close());

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: nothing else runs, as under a CPU-bound overload
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A saturated process: every turn of the event loop is late, until `done()` (at most 8 s). */
async function saturateUntil(done: () => boolean): Promise<void> {
  const until = Date.now() + 8000;
  while (!done()) {
    if (Date.now() > until) throw new Error('never overloaded');
    blockEventLoop(60);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

describe('admission control', () => {
  it('ignores one long block of the event loop (a slow query is not overload)', async () => {
    await waitFor(() => !t.app.isOverloaded());
    blockEventLoop(1500);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(t.app.isOverloaded()).toBe(false);
    expect((await t.app.inject({ method: 'GET', url: '/api/incidents/current' })).statusCode).toBe(200);
  });

  it('sheds requests with a French 503 and Retry-After while the event loop stays late, but still answers the probes', async () => {
    await saturateUntil(() => t.app.isOverloaded());
    const [shed, health] = await Promise.all([t.app.inject({ method: 'GET', url: '/api/incidents/current' }), t.app.inject({ method: 'GET', url: '/healthz' })]);
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('7');
    expect(shed.json().error).toMatchObject({ code: 'SERVICE_OVERLOADED', message: expect.stringContaining('très sollicité') });
    expect(health.statusCode).toBe(200);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/http_requests_shed_total\{reason="eventLoopDelay"\} [1-9]/);

    await waitFor(() => !t.app.isOverloaded());
    expect((await t.app.inject({ method: 'GET', url: '/api/incidents/current' })).statusCode).toBe(200);
  });
});
