import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProfessional, createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';

let t: TestApp;
let operator: SignedIn;
let labId: string;
let apiKey: string;
let keyId: string;

beforeAll(async () => {
  const operatorAccount = { idNatPs: '899900000001' };
  t = await createTestApp({ env: { OPERATOR_ID_NAT_PS: operatorAccount.idNatPs, LAB_BATCH_MAX_RESULTS: '50' } });
  const account = createProfessional(t, { profession: '10', familyName: 'ARS-OPERATRICE' });
  account.idNatPs = operatorAccount.idNatPs;
  operator = await signIn(t, account);
  const lab = await t.app.inject({ method: 'POST', url: '/api/admin/labs', headers: operator.headers, payload: { name: 'Laboratoire de biologie médicale Démoville', finess: '990000056' } });
  expect(lab.statusCode).toBe(201);
  labId = lab.json().id;
  const key = await t.app.inject({ method: 'POST', url: `/api/admin/labs/${labId}/keys`, headers: operator.headers });
  expect(key.statusCode).toBe(201);
  ({ apiKey, keyId } = key.json());
});
afterAll(() => t?.close());

const result = (sampleId: string, overrides: Record<string, unknown> = {}) => ({
  sampleId,
  patient: { familyName: 'Martin', givenName: 'Léo', birthDate: '1990-05-01', sex: 'M', phone: '+33 6 12 34 56 78' },
  sampledAt: new Date(t.clock.now().getTime() - 86_400_000).toISOString(),
  result: 'detected',
  ...overrides,
});
const send = (results: unknown, key = apiKey) =>
  t.app.inject({ method: 'POST', url: '/api/labs/v1/results', headers: { authorization: `Bearer ${key}` }, payload: { results } });
const countLabResults = async () =>
  (await t.database.db.selectFrom('test_results').select(sql<number>`count(*)::int`.as('n')).where('test_type', '=', 'rt-pcr').executeTakeFirstOrThrow()).n;

describe('laboratory interface', () => {
  it('records a batch once: sent twice, each result is stored once', async () => {
    const batch = [result('S-001'), result('S-002', { result: 'not-detected' }), result('S-003')];
    const first = await send(batch);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ created: 3, duplicates: 0 });
    expect(first.json().results.map((r: { status: string }) => r.status)).toEqual(['created', 'created', 'created']);
    const second = await send(batch);
    expect(second.json()).toMatchObject({ created: 0, duplicates: 3 });
    // A lost answer: the same batch again gets the same ids and retrieval codes back.
    expect(second.json().results).toEqual(first.json().results.map((r: object) => ({ ...r, status: 'duplicate' })));
    expect(await countLabResults()).toBe(3);
    const stored = await t.database.db.selectFrom('test_results').selectAll().where('lab_sample_id', '=', 'S-002').executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ test_type: 'rt-pcr', result: 'not-detected', place: 'Laboratoire de biologie médicale Démoville', professional_id: null, lab_id: labId });
  });

  it('counts a sample repeated inside one batch once', async () => {
    const response = await send([result('S-010'), result('S-010')]);
    expect(response.json()).toMatchObject({ created: 1, duplicates: 1 });
  });

  it('refuses a batch with a faulty result, naming it, and stores nothing of it', async () => {
    const before = await countLabResults();
    const response = await send([result('S-020'), result('S-021', { result: 'positive' }), result('S-022', { patient: { familyName: 'X' } }), result('S-023', { sampledAt: new Date(t.clock.now().getTime() + 3_600_000).toISOString() }), result('S-024', { sampledAt: '2021-06-30T23:59:60Z' }), result('S-025', { patient: { familyName: 'Mar\u0000tin', givenName: 'Léo', birthDate: '1990-05-01', sex: 'M' } })]);
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe('LABS_BATCH_INVALID');
    expect(body.error.message).toContain("aucun résultat n'a été enregistré");
    expect(body.error.details.map((d: { sampleId: string }) => d.sampleId)).toEqual(['S-021', 'S-022', 'S-023', 'S-024', 'S-025']);
    // Each problem in French, naming the value; never the schema's regular expression.
    const problems = body.error.details.flatMap((d: { problems: string[] }) => d.problems);
    expect(problems).toContain('/patient : doit avoir les propriétés requises givenName, birthDate, sex');
    expect(problems).toContain("/patient/familyName : n'a pas le format attendu");
    expect(problems.join('\n')).not.toMatch(/\bmust\b|\^/);
    expect(await countLabResults()).toBe(before);
  });

  it('refuses malformed and oversized batches with clear 4xx', async () => {
    expect((await send('not a list')).statusCode).toBe(400);
    expect((await send([])).statusCode).toBe(400);
    const tooMany = await send(Array.from({ length: 51 }, (_, i) => result(`B-${i}`)));
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().error.code).toBe('LABS_BATCH_TOO_LARGE');
  });

  it('refuses a missing, unknown or revoked key (and never asks PSC)', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/labs/v1/results', payload: { results: [result('K-1')] } })).statusCode).toBe(401);
    expect((await send([result('K-1')], `lbk_${'A'.repeat(43)}`)).statusCode).toBe(401);
    // Authentication comes before the body: no hint about the input without a key.
    expect((await t.app.inject({ method: 'POST', url: '/api/labs/v1/results', payload: { nonsense: true } })).statusCode).toBe(401);
    await t.sandbox.close(); // PSC down: laboratories carry on.
    expect((await send([result('K-2')])).statusCode).toBe(200);
    const revoked = await t.app.inject({ method: 'DELETE', url: `/api/admin/labs/${labId}/keys/${keyId}`, headers: operator.headers });
    expect(revoked.statusCode).toBe(204);
    expect((await send([result('K-3')])).statusCode).toBe(401);
    const audit = await t.database.db.selectFrom('audit_log').select('action').where('action', 'like', 'labs.%').execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['labs.create', 'labs.key_create', 'labs.results_batch', 'labs.key_revoke']));
  });

  it('lets only operators manage laboratories', async () => {
    const doctor = await signIn(t, createProfessional(t, { profession: '10' })).catch(() => null);
    // The sandbox was stopped above; an open operator session still works.
    expect(doctor).toBeNull();
    const list = await t.app.inject({ method: 'GET', url: '/api/admin/labs', headers: { cookie: operator.cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.json().labs[0].keys[0].revokedAt).not.toBeNull();
    expect(JSON.stringify(list.json())).not.toContain('lbk_');
  });
});
