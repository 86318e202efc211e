import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../platform/clock.js';
import { createProfessional, createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';
import { closeAutomaticIncident, openAutomaticIncident } from './incidents.service.js';

let t: TestApp;
let operator: SignedIn;
let doctor: SignedIn;

beforeAll(async () => {
  const operatorId = '899900000002';
  t = await createTestApp({ env: { OPERATOR_ID_NAT_PS: operatorId, PROVISIONAL_TEST_HOURS: '24', SESSION_IDLE_MINUTES: '1440' } });
  const account = createProfessional(t, { profession: '10', familyName: 'ARS-OPERATEUR' });
  account.idNatPs = operatorId;
  operator = await signIn(t, account);
  doctor = await signIn(t, createProfessional(t, { profession: '10' }));
});
afterAll(() => t?.close());

const iso = (offsetMs: number) => new Date(t.clock.now().getTime() + offsetMs).toISOString();
const current = async () => (await t.app.inject({ method: 'GET', url: '/api/incidents/current' })).json().incidents as Array<Record<string, unknown>>;
const declare = (payload: Record<string, unknown>, session = operator) => t.app.inject({ method: 'POST', url: '/api/incidents', headers: session.headers, payload });
const close = (id: string, payload: Record<string, unknown> = {}) =>
  t.app.inject({ method: 'POST', url: `/api/incidents/${id}/close`, headers: operator.headers, payload });
const incidentRows = () => t.database.db.selectFrom('incidents').selectAll().execute();

describe('incidents declared by operators', () => {
  it('shows a declared incident in everyone\'s banner, with the default attestation validity, until it is closed', async () => {
    expect(await current()).toEqual([]);
    const declared = await declare({ component: 'tests-portal', startedAt: iso(-2 * HOUR), message: 'Saisie SI-DEP indisponible : remettez une attestation provisoire.' });
    expect(declared.statusCode).toBe(201);
    const incident = declared.json();
    expect(incident).toMatchObject({ component: 'tests-portal', componentLabel: 'Saisie des tests (SI-DEP)', endedAt: null, testAttestationHours: 24, source: 'operator' });

    // Public: no session needed (patients see it too).
    const banner = await current();
    expect(banner).toHaveLength(1);
    expect(banner[0]).toMatchObject({ id: incident.id, message: 'Saisie SI-DEP indisponible : remettez une attestation provisoire.', startedAt: iso(-2 * HOUR) });

    const closed = await close(incident.id);
    expect(closed.statusCode).toBe(200);
    expect(closed.json().endedAt).toBe(iso(0));
    expect(await current()).toEqual([]);

    // An ended incident's window is what verifiers relied on: it cannot be closed again.
    const again = await close(incident.id);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('INCIDENTS_ALREADY_ENDED');
    const audit = await t.database.db.selectFrom('audit_log').selectAll().where('target_id', '=', incident.id).orderBy('id').execute();
    expect(audit.map((a) => [a.action, a.actor_type])).toEqual([
      ['incidents.declare', 'professional'],
      ['incidents.close', 'professional'],
    ]);
  });

  it('changes the attestation validity and message of an open incident, and ends it at a chosen time', async () => {
    const { id } = (await declare({ component: 'vaccination-portal', testAttestationHours: 6 })).json();
    t.clock.advance(HOUR);
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/incidents/${id}`, headers: operator.headers, payload: { testAttestationHours: 12, message: 'Notez le numéro de lot.' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ testAttestationHours: 12, message: 'Notez le numéro de lot.', endedAt: null });
    expect((await current()).find((i) => i.id === id)).toMatchObject({ testAttestationHours: 12 });

    const cleared = await t.app.inject({ method: 'PATCH', url: `/api/incidents/${id}`, headers: operator.headers, payload: { message: null } });
    expect(cleared.json().message).toBeNull();

    const ended = await close(id, { endedAt: iso(-30 * MINUTE) });
    expect(ended.statusCode).toBe(200);
    expect(ended.json().endedAt).toBe(iso(-30 * MINUTE));
    expect((await current()).some((i) => i.id === id)).toBe(false);
  });

  it('refuses impossible windows and bad input with a clear 4xx, storing nothing', async () => {
    const before = (await incidentRows()).length;
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ component: 'psc', startedAt: iso(-31 * 24 * HOUR) }, 400, 'INCIDENTS_START_INVALID'],
      [{ component: 'psc', startedAt: iso(HOUR) }, 400, 'INCIDENTS_START_INVALID'],
      [{ component: 'psc', startedAt: iso(-HOUR), endedAt: iso(-2 * HOUR) }, 400, 'INCIDENTS_END_INVALID'],
      [{ component: 'psc', startedAt: iso(-HOUR), endedAt: iso(-HOUR) }, 400, 'INCIDENTS_END_INVALID'],
      [{ component: 'psc', startedAt: '2021-08-13T23:59:60Z' }, 400, 'REQUEST_INVALID'],
      [{ component: 'psc', testAttestationHours: 73 }, 400, 'REQUEST_INVALID'],
      [{ component: 'psc', testAttestationHours: 0 }, 400, 'REQUEST_INVALID'],
      [{ component: 'dns' }, 400, 'REQUEST_INVALID'],
      [{ component: 'psc', message: '   ' }, 400, 'REQUEST_INVALID'],
      [{ component: 'psc', message: 'ligne\nsuivante' }, 400, 'REQUEST_INVALID'],
      [{ component: 'psc', source: 'automatic' }, 400, 'REQUEST_INVALID'],
      [{ component: 'psc', startedAt: 'hier' }, 400, 'REQUEST_INVALID'],
    ];
    for (const [payload, status, code] of cases) {
      const response = await declare(payload);
      expect([JSON.stringify(payload), response.statusCode, response.json().error.code]).toEqual([JSON.stringify(payload), status, code]);
    }
    const { id } = (await declare({ component: 'psc', startedAt: iso(-HOUR) })).json();
    const endBeforeStart = await close(id, { endedAt: iso(-2 * HOUR) });
    expect(endBeforeStart.statusCode).toBe(400);
    expect(endBeforeStart.json().error.message).toContain('postérieure à sa date de début');
    const unknown = await close('00000000-0000-4000-8000-000000000000');
    expect(unknown.statusCode).toBe(404);
    const emptyPatch = await t.app.inject({ method: 'PATCH', url: `/api/incidents/${id}`, headers: operator.headers, payload: {} });
    expect(emptyPatch.statusCode).toBe(400);
    expect((await incidentRows()).length).toBe(before + 1);
    // "End it now" needs no body at all.
    const bare = await t.app.inject({ method: 'POST', url: `/api/incidents/${id}/close`, headers: operator.headers });
    expect(bare.statusCode).toBe(200);
  });

  it('starts an incident declared without a start at the beginning of the current minute, so a test sampled in that minute falls inside', async () => {
    // Mid-minute: a test sampled now is entered as hh:mm, i.e. hh:mm:00.
    const now = t.clock.now().getTime();
    t.clock.advance(Math.floor(now / MINUTE) * MINUTE + MINUTE + 42_500 - now);
    const declared = await declare({ component: 'tests-portal' });
    expect(declared.statusCode).toBe(201);
    const minute = new Date(Math.floor(t.clock.now().getTime() / MINUTE) * MINUTE).toISOString();
    expect(declared.json().startedAt).toBe(minute);
    expect((await current()).some((incident) => incident.id === declared.json().id)).toBe(true);
    expect((await close(declared.json().id)).statusCode).toBe(200);
  });

  it('lets only operators see the history and declare or close incidents (with the CSRF token)', async () => {
    expect((await declare({ component: 'psc' }, doctor)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/incidents', headers: { cookie: doctor.cookie } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/incidents' })).statusCode).toBe(401);
    const noCsrf = await t.app.inject({ method: 'POST', url: '/api/incidents', headers: { cookie: operator.cookie }, payload: { component: 'psc' } });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.code).toBe('AUTH_CSRF_INVALID');
  });

  it('lists the history most recent first, with who declared each incident', async () => {
    const history = await t.app.inject({ method: 'GET', url: '/api/incidents', headers: { cookie: operator.cookie } });
    expect(history.statusCode).toBe(200);
    const incidents = history.json().incidents as Array<{ startedAt: string; declaredBy: unknown; component: string }>;
    expect(incidents.length).toBeGreaterThanOrEqual(3);
    const starts = incidents.map((i) => i.startedAt);
    expect([...starts].sort().reverse()).toEqual(starts);
    expect(incidents[0]!.declaredBy).toEqual({ givenName: 'Camille', familyName: 'ARS-OPERATEUR' });

    const since = await t.app.inject({ method: 'GET', url: `/api/incidents?since=${encodeURIComponent(iso(-10 * MINUTE))}`, headers: { cookie: operator.cookie } });
    expect(since.json().incidents.length).toBeLessThan(incidents.length);
    expect((await t.app.inject({ method: 'GET', url: '/api/incidents?since=hier', headers: { cookie: operator.cookie } })).statusCode).toBe(400);
  });
});

describe('automatic incidents (the PSC circuit breaker)', () => {
  it('opens one automatic incident per component however many processes ask, and closes it', async () => {
    const now = t.clock.now();
    const first = await openAutomaticIncident(t.database.db, 'psc', now, 12);
    const second = await openAutomaticIncident(t.database.db, 'psc', now, 12);
    expect(first).toMatchObject({ component: 'psc', source: 'automatic', testAttestationHours: 12 });
    expect(second).toBeNull();
    const open = (await incidentRows()).filter((row) => row.source === 'automatic' && row.ended_at === null);
    expect(open).toHaveLength(1);

    // Closed in the same instant it opened: the window still is not empty.
    const closed = await closeAutomaticIncident(t.database.db, 'psc', now);
    expect(closed?.id).toBe(first!.id);
    expect(Date.parse(closed!.endedAt!)).toBeGreaterThan(Date.parse(closed!.startedAt));
    expect(Date.parse(closed!.endedAt!)).toBeGreaterThanOrEqual(now.getTime());
    // It starts at the beginning of the minute, like the test times professionals enter (hh:mm).
    expect(first!.startedAt).toBe(new Date(Math.floor(now.getTime() / MINUTE) * MINUTE).toISOString());
    expect(await closeAutomaticIncident(t.database.db, 'psc', now)).toBeNull();

    const audit = await t.database.db.selectFrom('audit_log').selectAll().where('target_id', '=', first!.id).orderBy('id').execute();
    expect(audit.map((a) => [a.action, a.actor_type, a.actor_id])).toEqual([
      ['incidents.open_automatic', 'system', null],
      ['incidents.close_automatic', 'system', null],
    ]);
    // A new outage opens a new one.
    expect(await openAutomaticIncident(t.database.db, 'psc', new Date(now.getTime() + MINUTE))).not.toBeNull();
    await closeAutomaticIncident(t.database.db, 'psc', new Date(now.getTime() + 2 * MINUTE));
  });
});

describe('open sessions during a PSC incident', () => {
  let s: TestApp;
  let operatorAccount: ReturnType<typeof createProfessional>;
  let ops: SignedIn;
  beforeAll(async () => {
    s = await createTestApp({ env: { OPERATOR_ID_NAT_PS: '899900000003', SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '12', INCIDENT_SESSION_IDLE_HOURS: '4' } });
    operatorAccount = createProfessional(s, { profession: '10' });
    operatorAccount.idNatPs = '899900000003';
    ops = await signIn(s, operatorAccount);
  });
  afterAll(() => s?.close());

  const me = (session: SignedIn) => s.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } });
  const idleLeft = async (session: SignedIn) => Date.parse((await me(session)).json().session.idleExpiresAt) - s.clock.now().getTime();
  /** Time passes; the operator keeps working (a fresh session when theirs reaches its absolute timeout). */
  const idle = async (ms: number) => {
    s.clock.advance(ms);
    if ((await me(ops)).statusCode !== 200) ops = await signIn(s, operatorAccount);
  };
  const declare = async (component: string) => {
    const response = await s.app.inject({ method: 'POST', url: '/api/incidents', headers: ops.headers, payload: { component } });
    expect(response.statusCode).toBe(201);
    return response.json().id as string;
  };

  it('keeps idle sessions alive for hours while PSC is down, then back to the normal idle timeout', async () => {
    const gp = await signIn(s, createProfessional(s, { profession: '10' }));
    const idler = await signIn(s, createProfessional(s, { profession: '10' }));
    expect(await idleLeft(gp)).toBe(30 * MINUTE);
    const incidentId = await declare('psc');
    expect(await idleLeft(gp)).toBe(4 * HOUR);

    await idle(3 * HOUR);
    expect((await me(gp)).statusCode).toBe(200);
    await idle(3 * HOUR + 50 * MINUTE);
    expect((await me(gp)).statusCode).toBe(200);
    // Longer, not endless: 4 hours without a request end the session even now.
    expect((await me(idler)).statusCode).toBe(401);

    const closed = await s.app.inject({ method: 'POST', url: `/api/incidents/${incidentId}/close`, headers: ops.headers });
    expect(closed.statusCode).toBe(200);
    // Still extended for two hours after the end, so that sessions do not all expire together.
    expect(await idleLeft(gp)).toBe(4 * HOUR);
    await idle(90 * MINUTE);
    expect((await me(gp)).statusCode).toBe(200);
    await idle(29 * MINUTE);
    expect((await me(gp)).statusCode).toBe(200);
    // Past the grace: the normal idle timeout again.
    await idle(2 * MINUTE);
    expect(await idleLeft(gp)).toBe(30 * MINUTE);
    await idle(20 * MINUTE);
    await idle(11 * MINUTE);
    const expired = await me(gp);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('AUTH_SESSION_EXPIRED');
  });

  it('still ends a session at its absolute timeout', async () => {
    const gp = await signIn(s, createProfessional(s, { profession: '10' }));
    const incidentId = await declare('psc');
    for (let hours = 3; hours < 12; hours += 3) {
      await idle(3 * HOUR);
      expect((await me(gp)).statusCode).toBe(200);
    }
    expect(await idleLeft(gp)).toBe(3 * HOUR); // capped by the absolute timeout, not 4 h
    await idle(3 * HOUR);
    expect((await me(gp)).statusCode).toBe(401);
    expect((await s.app.inject({ method: 'POST', url: `/api/incidents/${incidentId}/close`, headers: ops.headers })).statusCode).toBe(200);
  });

  it('does not stretch sessions for incidents of other components', async () => {
    await idle(2 * HOUR + MINUTE); // past the grace of the psc incident closed above
    const nurse = await signIn(s, createProfessional(s, { profession: '60' }));
    await declare('tests-portal');
    expect(await idleLeft(nurse)).toBe(30 * MINUTE);
    await idle(31 * MINUTE);
    expect((await me(nurse)).statusCode).toBe(401);
  });
});
