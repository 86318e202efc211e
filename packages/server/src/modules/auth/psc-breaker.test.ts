import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { MINUTE } from '../../platform/clock.js';
import { beginSignIn, createProfessional, createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';
import { PscBreaker } from './psc-breaker.js';

const outage = () => new AppError('AUTH_PROVIDER_UNAVAILABLE');
const isOutage = (error: unknown) => error instanceof AppError && error.code === 'AUTH_PROVIDER_UNAVAILABLE';

function breaker(threshold = 3, incident = { open: false }) {
  const events: string[] = [];
  const gauge = { value: -1, set(value: number) { this.value = value; } };
  const b = new PscBreaker(
    {
      failureThreshold: threshold,
      probeSeconds: 3600,
      gauge,
      onOpen: async () => void events.push('open'),
      onClose: async () => void events.push('close'),
      incidentOpen: async () => incident.open,
    },
    isOutage,
  );
  return { b, events, gauge, incident };
}
const fail = (b: PscBreaker, error: Error = outage()) => b.call(() => Promise.reject(error)).catch((e: unknown) => e);

describe('PSC circuit breaker', () => {
  it('opens after the threshold of consecutive outages, then refuses at once with Retry-After', async () => {
    const { b, events, gauge, incident } = breaker(3, { open: true });
    // A success ends an automatic incident another process (perhaps gone since) left open.
    await b.call(async () => 'ok');
    expect(events).toEqual(['close']);
    incident.open = false;
    await b.call(async () => 'ok');
    expect(events).toEqual(['close']);
    await fail(b);
    await fail(b);
    expect(b.state).toBe('closed');
    expect(await fail(b)).toMatchObject({ code: 'AUTH_PROVIDER_UNAVAILABLE' });
    expect(b.state).toBe('open');
    expect(gauge.value).toBe(1);
    expect(events).toEqual(['close', 'open']);

    let called = false;
    const refused = await b.call(async () => (called = true)).catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(refused).toMatchObject({ code: 'AUTH_PROVIDER_CIRCUIT_OPEN', statusCode: 503, retryAfterSeconds: 3600 });
    expect((refused as AppError).userMessage).toContain('connexion de secours');
    b.stop();
  });

  it('counts only outages, and only consecutive ones: an answer from PSC, even a refusal, resets the count', async () => {
    const { b, events } = breaker(2);
    await fail(b);
    await fail(b, new AppError('AUTH_TOKEN_INVALID'));
    await fail(b);
    expect(b.state).toBe('closed');
    await b.call(async () => 1);
    await fail(b);
    expect(b.state).toBe('closed');
    await fail(b);
    expect(b.state).toBe('open');
    expect(events).toEqual(['open']);
    b.stop();
  });

  it('stays open while the probe fails and closes on the first probe that succeeds', async () => {
    const { b, events, gauge } = breaker(1);
    let pscUp = false;
    b.setProbe(async () => {
      if (!pscUp) throw outage();
    });
    await fail(b);
    expect(b.state).toBe('open');
    expect(await b.probe()).toBe(false);
    expect(b.state).toBe('open');
    pscUp = true;
    expect(await b.probe()).toBe(true);
    expect(b.state).toBe('closed');
    expect(gauge.value).toBe(0);
    expect(events).toEqual(['open', 'close']);
    expect(await b.call(async () => 'again')).toBe('again');
    b.stop();
  });

  it('logs a failing side effect without failing the call', async () => {
    const logged: unknown[] = [];
    const b = new PscBreaker(
      {
        failureThreshold: 1,
        probeSeconds: 3600,
        log: { info: () => {}, warn: () => {}, error: (...args: unknown[]) => void logged.push(args) },
        onOpen: async () => {
          throw new Error('database down too');
        },
      },
      isOutage,
    );
    expect(await fail(b)).toMatchObject({ code: 'AUTH_PROVIDER_UNAVAILABLE' });
    expect(b.state).toBe('open');
    expect(logged).toHaveLength(1);
    b.stop();
  });
});

describe('when PSC goes down and comes back', () => {
  let t: TestApp;
  let gp: SignedIn;
  const threshold = 3;

  beforeAll(async () => {
    t = await createTestApp({ env: { PSC_FAILURE_THRESHOLD: String(threshold), PSC_PROBE_SECONDS: '30' } });
    gp = await signIn(t, createProfessional(t, { profession: '10' }));
  });
  afterAll(() => t?.close());

  const login = () => t.app.inject({ method: 'GET', url: '/auth/login' });
  const currentIncidents = async () => (await t.app.inject({ method: 'GET', url: '/api/incidents/current' })).json().incidents as Array<Record<string, unknown>>;

  it('opens an automatic incident after repeated failures, refuses sign-ins at once, and closes it when a probe reaches PSC again', { timeout: 60_000 }, async () => {
    await t.sandbox.close();
    // Past the discovery's trusted age: sign-ins check PSC again, and find it down.
    t.clock.advance(2 * MINUTE);
    for (let i = 0; i < threshold; i += 1) {
      const response = await login();
      expect(response.statusCode).toBe(503);
      expect(response.body).toContain('Pro Santé Connect ne répond pas');
    }
    expect(t.app.pscBreaker.state).toBe('open');
    const refused = await login();
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('30');
    expect(refused.body).toContain('connexion de secours');

    const incidents = await currentIncidents();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ component: 'psc', componentLabel: 'Pro Santé Connect', source: 'automatic', endedAt: null, testAttestationHours: 12 });
    // The open session keeps working, and the incident keeps it alive for hours.
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: gp.cookie } });
    expect(me.statusCode).toBe(200);
    expect(Date.parse(me.json().session.idleExpiresAt) - t.clock.now().getTime()).toBeGreaterThan(60 * MINUTE);
    const metrics = await t.app.metrics.registry.getSingleMetricAsString('psc_circuit_open');
    expect(metrics).toMatch(/psc_circuit_open 1/);

    expect(await t.app.pscBreaker.probe()).toBe(false);
    expect(t.app.pscBreaker.state).toBe('open');

    const restarted = await t.sandbox.restart();
    try {
      t.clock.advance(MINUTE);
      expect(await t.app.pscBreaker.probe()).toBe(true);
      expect(t.app.pscBreaker.state).toBe('closed');
      expect(await currentIncidents()).toEqual([]);
      const rows = await t.database.db.selectFrom('incidents').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.ended_at!.getTime()).toBe(t.clock.now().getTime());
      const audit = await t.database.db.selectFrom('audit_log').select(['action', 'actor_type']).where('target_id', '=', rows[0]!.id).orderBy('id').execute();
      expect(audit).toEqual([
        { action: 'incidents.open_automatic', actor_type: 'system' },
        { action: 'incidents.close_automatic', actor_type: 'system' },
      ]);
      // Sign-ins work again, against the restarted PSC (new signing keys).
      expect((await beginSignIn(t)).authorizationUrl).toContain(restarted.issuer);
      await signIn(t, createProfessional(t, { profession: '60' }));
    } finally {
      await restarted.close();
    }
  });

  it('notices an outage with no traffic: while closed, PSC is checked every watchSeconds', async () => {
    vi.useFakeTimers();
    try {
      const events: string[] = [];
      let pscUp = true;
      const b = new PscBreaker(
        { failureThreshold: 2, probeSeconds: 60, watchSeconds: 10, onOpen: async () => void events.push('open'), onClose: async () => void events.push('close') },
        isOutage,
      );
      b.setProbe(async () => {
        if (!pscUp) throw outage();
      });
      b.watch();
      await vi.advanceTimersByTimeAsync(30_000);
      expect(b.state).toBe('closed');
      pscUp = false;
      await vi.advanceTimersByTimeAsync(20_000);
      expect(b.state).toBe('open');
      expect(events).toEqual(['open']);
      pscUp = true;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(b.state).toBe('closed');
      expect(events).toEqual(['open', 'close']);
      b.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
