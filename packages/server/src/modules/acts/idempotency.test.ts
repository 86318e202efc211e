import { randomUUID } from 'node:crypto';
import { professionals } from '@prostopcovid/psc-sandbox';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parisDate } from '../../platform/dates.js';
import { buildSiblingApp, createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';

let t: TestApp;
let pharmacist: SignedIn;
let nurse: SignedIn;
const shipped = (code: string) => professionals.find((p) => p.exercices.length === 1 && p.exercices[0]!.codeProfession === code)!;

beforeAll(async () => {
  t = await createTestApp();
  [pharmacist, nurse] = await Promise.all([signIn(t, shipped('21')), signIn(t, shipped('60'))]);
});
afterAll(() => t?.close());

const patient = { familyName: 'Martin', givenName: 'Léa', birthDate: '1990-07-01', sex: 'F' };
/** An act as the browser outbox sends it: its own retrieval code and the time it was saved. */
let codes = 0;
/** A distinct valid retrieval code per act (codes are unique across acts). */
const nextCode = () => `ABCD-EFGH-${String(++codes).padStart(4, '0')}`;
const outboxTest = (overrides: Record<string, unknown> = {}) => ({
  retrievalCode: nextCode(),
  capturedAt: new Date(t.clock.now().getTime() - 3 * 3600_000).toISOString(),
  patient,
  testType: 'antigen',
  sampledAt: new Date(t.clock.now().getTime() - 3 * 3600_000 - 60_000).toISOString(),
  result: 'not-detected',
  deviceId: '1232',
  place: 'Pharmacie du Port, Brest',
  ...overrides,
});
const send = (app = t.app, key: string, payload: unknown, session = pharmacist, url = '/api/tests') =>
  app.inject({ method: 'POST', url, headers: { ...session.headers, 'idempotency-key': key }, payload: payload as Record<string, unknown> });
const storedWithKey = async (key: string, table: 'test_results' | 'vaccinations' = 'test_results') =>
  (await t.database.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).where('idempotency_key', '=', key).executeTakeFirstOrThrow()).n;

describe('acts sent from the outbox (Idempotency-Key)', () => {
  it('stores an act sent 5 times concurrently once, answering 201 once and 200 to the replays', async () => {
    const key = randomUUID();
    const act = outboxTest({ retrievalCode: 'QRST-VWXY-Z345' });
    const responses = await Promise.all(Array.from({ length: 5 }, () => send(t.app, key, act)));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
    const ids = new Set(responses.map((r) => r.json().id));
    expect(ids.size).toBe(1);
    for (const response of responses) {
      expect(response.json()).toMatchObject({ retrievalCode: 'QRST-VWXY-Z345', capturedAt: act.capturedAt });
    }
    expect(await storedWithKey(key)).toBe(1);
    const audits = await t.database.db.selectFrom('audit_log').selectAll().where('target_id', '=', [...ids][0]).execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]!.details).toMatchObject({ outbox: true, deferredMinutes: 180 });
  });

  it('stores each of 20 acts once when each is sent 5 times at once (same key, same retrieval code)', async () => {
    for (let round = 0; round < 20; round += 1) {
      const key = randomUUID();
      const act = outboxTest();
      const statuses = (await Promise.all(Array.from({ length: 5 }, () => send(t.app, key, act)))).map((r) => r.statusCode).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 201]);
      expect(await storedWithKey(key)).toBe(1);
    }
  });

  it('stores it once across a server restart (another process on the same database)', async () => {
    const key = randomUUID();
    const act = outboxTest();
    const first = await send(t.app, key, act);
    expect(first.statusCode).toBe(201);
    const restarted = await buildSiblingApp(t, {});
    try {
      const again = await Promise.all([send(restarted, key, act), send(restarted, key, act)]);
      expect(again.map((r) => r.statusCode)).toEqual([200, 200]);
      expect(again.map((r) => r.json().id)).toEqual([first.json().id, first.json().id]);
    } finally {
      await restarted.close();
    }
    expect(await storedWithKey(key)).toBe(1);
  });

  it('keeps both times: the act time from the outbox and the entry time', async () => {
    const key = randomUUID();
    const act = outboxTest();
    const response = await send(t.app, key, act);
    const row = await t.database.db.selectFrom('test_results').selectAll().where('id', '=', response.json().id).executeTakeFirstOrThrow();
    expect(row.captured_at?.toISOString()).toBe(act.capturedAt);
    expect(row.recorded_at.toISOString()).toBe(t.clock.now().toISOString());
    expect(response.json().recordedAt).toBe(t.clock.now().toISOString());
  });

  it('answers the same key with another act as a conflict and stores nothing more', async () => {
    const key = randomUUID();
    expect((await send(t.app, key, outboxTest())).statusCode).toBe(201);
    const other = await send(t.app, key, outboxTest({ result: 'detected' }));
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe('ACTS_IDEMPOTENCY_CONFLICT');
    expect(await storedWithKey(key)).toBe(1);
  });

  it('does not care about the order of the fields of a replay', async () => {
    const key = randomUUID();
    const act = outboxTest();
    expect((await send(t.app, key, act)).statusCode).toBe(201);
    const reordered = Object.fromEntries(Object.entries(act).reverse());
    expect((await send(t.app, key, reordered)).statusCode).toBe(200);
  });

  it('scopes keys to the professional: the same key from someone else is another act', async () => {
    const key = randomUUID();
    expect((await send(t.app, key, outboxTest(), pharmacist)).statusCode).toBe(201);
    expect((await send(t.app, key, outboxTest(), nurse)).statusCode).toBe(201);
    expect(await storedWithKey(key)).toBe(2);
  });

  it('refuses a retrieval code already given to another act with a 409', async () => {
    const act = outboxTest();
    expect((await send(t.app, randomUUID(), act)).statusCode).toBe(201);
    const clash = await send(t.app, randomUUID(), { ...act, patient: { ...patient, givenName: 'Inès' } });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.code).toBe('ACTS_RETRIEVAL_CODE_TAKEN');
  });

  it('does not resend a server-generated retrieval code on a replay', async () => {
    const key = randomUUID();
    const { retrievalCode: _omitted, ...act } = outboxTest();
    const first = await send(t.app, key, act);
    expect(first.json().retrievalCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const replay = await send(t.app, key, act);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).not.toHaveProperty('retrievalCode');
    expect(replay.json().replayed).toBe(true);
  });

  it('refuses a malformed key, retrieval code or capture time with a 400 and stores nothing', async () => {
    const before = (await t.database.db.selectFrom('test_results').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
    const badKey = await send(t.app, 'not-a-uuid', outboxTest());
    expect(badKey.statusCode).toBe(400);
    const badCode = await send(t.app, randomUUID(), outboxTest({ retrievalCode: 'ABCD-EFGH-IJKL-MNOP' }));
    expect(badCode.statusCode).toBe(400);
    expect(badCode.json().error.code).toBe('ACTS_RETRIEVAL_CODE_INVALID');
    const future = await send(t.app, randomUUID(), outboxTest({ capturedAt: new Date(t.clock.now().getTime() + 3600_000).toISOString() }));
    expect(future.json().error.code).toBe('ACTS_DATE_IN_FUTURE');
    const after = (await t.database.db.selectFrom('test_results').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
    expect(after).toBe(before);
  });

  it('stores a vaccination once too, and the patient gets the certificate with the code printed offline', async () => {
    const key = randomUUID();
    const vaccination = {
      retrievalCode: 'MNPQ-RSTV-WXYZ',
      capturedAt: new Date(t.clock.now().getTime() - 2 * 3600_000).toISOString(),
      patient,
      product: 'EU/1/20/1528',
      doseNumber: 2,
      seriesTotal: 2,
      vaccinatedOn: parisDate(t.clock.now()),
      lotNumber: 'FK8891',
      place: 'Centre de vaccination de Brest',
    };
    const responses = await Promise.all(Array.from({ length: 5 }, () => send(t.app, key, vaccination, nurse, '/api/vaccinations')));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(await storedWithKey(key, 'vaccinations')).toBe(1);
    const certificate = await t.app.inject({ method: 'POST', url: '/api/patient/v1/certificates', payload: { retrievalCode: 'mnpq rstv wxyz', birthDate: patient.birthDate } });
    expect(certificate.statusCode).toBe(200);
    expect(certificate.json()).toMatchObject({ kind: 'vaccination' });
  });

  // Last: moving the clock 40 days on ends every session opened before.
  it('answers a resend with its act even when it would now be refused as a new act', async () => {
    const key = randomUUID();
    const act = outboxTest();
    const first = await send(t.app, key, act);
    expect(first.statusCode).toBe(201);
    // 40 days later the act is too old to be entered, but it was entered: the resend gets it back.
    t.clock.advance(40 * 24 * 3600_000);
    try {
      const again = await send(t.app, key, act, await signIn(t, shipped('21')));
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ id: first.json().id, replayed: true });
    } finally {
      t.clock.advance(-40 * 24 * 3600_000);
    }
  });
});
