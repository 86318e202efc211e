import { randomUUID } from 'node:crypto';
import type { Statistics } from '@prostopcovid/contracts/statistics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCodes, insertDeclarations, insertTests, insertVaccinations } from '../../testing/act-factories.js';
import { buildSiblingApp, createProfessional, createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';
import { departments } from '../../platform/territories.js';
import { refreshStatistics, suppress, suppressParts } from './statistics.service.js';

const DGS = '899700100012';
const ARS_NA = '899700100013';

let t: TestApp;
let dgs: SignedIn;
let ars: SignedIn;
let pharmacist: SignedIn;
let pharmacistId: string;

/** 12:00 in Paris on a day of the seeded week (UTC+1 in December). */
const at = (day: string, hour = 12) => new Date(`${day}T${String(hour - 1).padStart(2, '0')}:00:00Z`);

const read = async (session: SignedIn, query = '') => t.app.inject({ method: 'GET', url: `/api/statistics?from=2026-11-30&to=2026-12-06${query}`, headers: { cookie: session.cookie } });
const figures = async (session: SignedIn, query = '') => {
  const response = await read(session, query);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Statistics>();
};
const series = (stats: Statistics, key: string) => {
  const found = stats.series.find((s) => s.key === key);
  if (!found) throw new Error(`no series ${key}`);
  return Object.fromEntries(stats.days.map((day, i) => [day, found.values[i]]));
};
const line = (stats: Statistics, code: string) => stats.byDepartment.find((d) => d.code === code);

beforeAll(async () => {
  t = await createTestApp({ env: { OPERATOR_ID_NAT_PS: `${DGS},${ARS_NA}:75` } });
  dgs = await signIn(t, t.professionals.find((p) => p.idNatPs === DGS)!);
  ars = await signIn(t, t.professionals.find((p) => p.idNatPs === ARS_NA)!);
  const bordeaux = createProfessional(t, { workplaces: [{ profession: '21', postcode: '33000' }] });
  pharmacist = await signIn(t, bordeaux);
  pharmacistId = (await t.database.db.selectFrom('professionals').select('id').where('id_nat_ps', '=', bordeaux.idNatPs).executeTakeFirstOrThrow()).id;

  // A hand-built week, 30 November to 6 December 2026, seen on 7 December.
  const db = t.database.db;
  const gironde = { department: '33', profession: '21', professional_id: pharmacistId };
  // 2 December: Gironde 30 antigen tests (12 positive) and 5 positive RT-PCR from a lab;
  // Rhône 20 antigen tests (11 positive); 3 December: Landes 8 antigen tests.
  await insertTests(db, 12, { ...gironde, sampled_at: at('2026-12-02'), result: 'detected' });
  await insertTests(db, 18, { ...gironde, sampled_at: at('2026-12-02') });
  await insertTests(db, 5, { department: '33', test_type: 'rt-pcr', sampled_at: at('2026-12-02'), result: 'detected' });
  await insertTests(db, 11, { department: '69', profession: '21', sampled_at: at('2026-12-02'), result: 'detected' });
  await insertTests(db, 9, { department: '69', profession: '21', sampled_at: at('2026-12-02') });
  await insertTests(db, 8, { department: '40', profession: '21', sampled_at: at('2026-12-03') });
  // 5 December, during the incident: 12 tests saved in the outbox at 08:00, entered at 11:00.
  await insertTests(db, 12, { ...gironde, sampled_at: at('2026-12-05', 8), captured_at: at('2026-12-05', 8), recorded_at: at('2026-12-05', 11) });
  // 4 December: 15 first doses and 3 second doses in Gironde.
  await insertVaccinations(db, 15, { ...gironde, vaccinated_on: '2026-12-04', recorded_at: at('2026-12-04') });
  await insertVaccinations(db, 3, { ...gironde, vaccinated_on: '2026-12-04', recorded_at: at('2026-12-04'), dose_number: 2 });
  // 1 December: 12 short codes issued in Gironde, 11 used (with a declaration), 1 expired.
  const used = await insertCodes(db, 11, { department: '33', profession: '10', issued_at: at('2026-12-01', 9), expires_at: at('2026-12-01', 10), consumed_at: at('2026-12-01', 9) });
  await insertCodes(db, 1, { department: '33', profession: '10', issued_at: at('2026-12-01', 9), expires_at: at('2026-12-01', 10) });
  await insertDeclarations(db, used, at('2026-12-01', 9));
  // And 12 long codes made in advance for a Gironde laboratory, valid 15 days.
  await insertCodes(db, 12, { kind: 'long', case_kind: 'confirmed', department: '33', lab_batch_id: randomUUID(), issued_at: at('2026-12-01', 2), expires_at: at('2026-12-16', 2) });
  await db.insertInto('robert_counters').values({ day: '2026-12-01', name: 'reports_received', value: 11 }).execute();
  await db.insertInto('incidents').values({ component: 'psc', started_at: at('2026-12-05', 6), ended_at: at('2026-12-05', 12), source: 'operator', message: null, declared_by: null, updated_at: at('2026-12-05', 12) }).execute();

  t.clock.set(at('2026-12-07', 12));
  await refreshStatistics(db, t.clock.now());
});
afterAll(() => t?.close());

describe('suppression', () => {
  it('hides counts from 1 to 10, and one more part when a single part is hidden beside its total', () => {
    expect([0, 1, 10, 11].map(suppress)).toEqual([0, null, null, 11]);
    expect(suppressParts([50, 0, 5])).toEqual([null, 0, null]);
    expect(suppressParts([50, 30, 5])).toEqual([50, null, null]);
    expect(suppressParts([50, 3, 5])).toEqual([50, null, null]);
    expect(suppressParts([50, 30, 0])).toEqual([50, 30, 0]);
  });
});

describe('GET /api/statistics (national operator)', () => {
  it('gives the daily tests by type with small counts suppressed, the total, and the positivity rate', async () => {
    const stats = await figures(dgs);
    expect(stats.days).toHaveLength(7);
    expect(series(stats, 'tests.all')['2026-12-02']).toBe(55);
    // RT-PCR (5) is suppressed; antigen (50) too, or 55 - 50 would give it back.
    expect(series(stats, 'tests.rt-pcr')['2026-12-02']).toBeNull();
    expect(series(stats, 'tests.antigen')['2026-12-02']).toBeNull();
    expect(series(stats, 'tests.supervised-self-test')['2026-12-02']).toBe(0);
    expect(series(stats, 'positives.all')['2026-12-02']).toBe(28);
    expect(series(stats, 'positivity')['2026-12-02']).toBe(50.9);
    // 8 tests on 3 December: suppressed, with no rate.
    expect(series(stats, 'tests.all')['2026-12-03']).toBeNull();
    expect(series(stats, 'positivity')['2026-12-03']).toBeNull();
    expect(series(stats, 'tests.all')['2026-12-01']).toBe(0);
    // The period's total (75, the table's total line) minus the days shown would give the
    // 3 December's 8 back: the smallest other day (12 on 5 December) is hidden too.
    expect(series(stats, 'tests.all')['2026-12-05']).toBeNull();
    expect(line(stats, 'total')!.tests).toBe(75);
  });

  it('gives vaccinations by dose and product, codes by kind, declarations and ROBERT reports', async () => {
    const stats = await figures(dgs);
    expect(series(stats, 'vaccinations.all')['2026-12-04']).toBe(18);
    expect(series(stats, 'vaccinations.dose1')['2026-12-04']).toBeNull();
    expect(series(stats, 'vaccinations.dose2')['2026-12-04']).toBeNull();
    expect(stats.vaccinationsByProduct).toEqual([{ product: 'EU/1/20/1528', label: expect.stringContaining('Comirnaty'), count: 18 }]);
    expect(series(stats, 'codes.issued.short')['2026-12-01']).toBe(12);
    expect(series(stats, 'codes.issued.lab')['2026-12-01']).toBe(12);
    expect(series(stats, 'codes.issued.long')['2026-12-01']).toBe(0);
    expect(series(stats, 'codes.issued.all')['2026-12-01']).toBe(24);
    expect(series(stats, 'codes.used.short')['2026-12-01']).toBe(11);
    expect(series(stats, 'codes.expired.short')['2026-12-01']).toBeNull();
    expect(series(stats, 'declarations')['2026-12-01']).toBe(11);
    const robert = stats.series.find((s) => s.key === 'robert.reports_received')!;
    expect(robert.national).toBe(true);
    expect(series(stats, 'robert.reports_received')['2026-12-01']).toBe(11);
  });

  it('counts the acts entered late by delay, and shows the incident on the same days', async () => {
    const stats = await figures(dgs);
    expect(series(stats, 'late.all')['2026-12-05']).toBe(12);
    expect(stats.lateDelays.find((d) => d.bucket === '1-6h')).toMatchObject({ tests: 12, vaccinations: 0 });
    expect(stats.incidents).toEqual([expect.objectContaining({ component: 'psc', startedAt: at('2026-12-05', 6).toISOString(), endedAt: at('2026-12-05', 12).toISOString() })]);
  });

  it('gives a line per department and the total, with each column suppressed beside it', async () => {
    const stats = await figures(dgs);
    expect(stats.byDepartment).toHaveLength(stats.options.departments.length + 1);
    expect(line(stats, '33')).toMatchObject({ name: 'Gironde (33)', tests: 47, positives: 17, positivity: 36.2, vaccinations: 18, codesIssued: 24, codesUsed: 11, declarations: 11, lateActs: 12 });
    // Landes: 8 tests, hidden; and so is Rhône's 20, the smallest other, or the total would give 8 back.
    expect(line(stats, '40')!.tests).toBeNull();
    expect(line(stats, '69')!.tests).toBeNull();
    expect(line(stats, 'total')).toMatchObject({ tests: 75, positives: 28 });
  });

  it('filters by department, region and profession', async () => {
    const rhone = await figures(dgs, '&departments=69');
    expect(rhone.departments).toEqual(['69']);
    expect(series(rhone, 'tests.all')['2026-12-02']).toBe(20);
    expect(rhone.byDepartment.map((d) => d.code)).toEqual(['69', 'total']);
    const region = await figures(dgs, '&region=75');
    expect(region.departments).toContain('33');
    expect(region.departments).not.toContain('69');
    // Pharmacists only: the laboratory's RT-PCR results have no profession.
    const pharmacists = await figures(dgs, '&profession=21&departments=33');
    expect(series(pharmacists, 'tests.all')['2026-12-02']).toBe(30);
    expect(series(pharmacists, 'tests.rt-pcr')['2026-12-02']).toBe(0);
  });

  it('audits each reading, without figures', async () => {
    await figures(dgs, '&departments=33');
    const audit = await t.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'statistics.read').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.details).toEqual({ from: '2026-11-30', to: '2026-12-06', departments: '33', profession: null });
  });

  it('is the same after the rollup is rebuilt again', async () => {
    const before = await figures(dgs);
    await refreshStatistics(t.database.db, t.clock.now());
    const after = await figures(dgs);
    expect(after.series).toEqual(before.series);
    expect(after.byDepartment).toEqual(before.byDepartment);
  });
});

describe('GET /api/statistics (regional operator)', () => {
  it('sees its region only', async () => {
    const stats = await figures(ars);
    expect(stats.scope).toEqual({ kind: 'regional', region: '75', regionName: 'Nouvelle-Aquitaine' });
    expect(stats.byDepartment.map((d) => d.code)).not.toContain('69');
    expect(stats.options.departments.every((d) => d.region === '75')).toBe(true);
    // Gironde 35 + Landes 8 on 2 and 3 December; Rhône's 20 are not counted.
    expect(series(stats, 'tests.all')['2026-12-02']).toBe(35);
  });

  it('is refused another region or one of its departments', async () => {
    for (const query of ['&departments=69', '&region=84', '&departments=33,69']) {
      const response = await read(ars, query);
      expect(response.statusCode, query).toBe(403);
      expect(response.json().error.code).toBe('STATS_OUT_OF_SCOPE');
    }
  });
});

describe('the department an act counts under', () => {
  it('is the recording professional’s activity, and the laboratory’s from its FINESS number', async () => {
    t.clock.set(new Date());
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/tests',
      headers: pharmacist.headers,
      payload: {
        patient: { familyName: 'Martin', givenName: 'Léa', birthDate: '1990-02-03', sex: 'F' },
        testType: 'antigen',
        sampledAt: new Date(t.clock.now().getTime() - 60_000).toISOString(),
        result: 'not-detected',
        deviceId: '1232',
        place: 'Pharmacie des Chartrons',
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    const row = await t.database.db.selectFrom('test_results').select(['department', 'profession']).where('id', '=', response.json().id).executeTakeFirstOrThrow();
    expect(row).toEqual({ department: '33', profession: '21' });

    const lab = await t.app.inject({ method: 'POST', url: '/api/admin/labs', headers: dgs.headers, payload: { name: 'Laboratoire de Bordeaux', finess: '330781196' } });
    expect(lab.json()).toMatchObject({ department: '33' });
    const overseas = await t.app.inject({ method: 'POST', url: '/api/admin/labs', headers: dgs.headers, payload: { name: 'Laboratoire de Fort-de-France', finess: '970211207', department: '972' } });
    expect(overseas.json()).toMatchObject({ department: '972' });
    const unknown = await t.app.inject({ method: 'POST', url: '/api/admin/labs', headers: dgs.headers, payload: { name: 'Laboratoire', department: '96' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('LABS_DEPARTMENT_UNKNOWN');
  });
});

describe('bad input', () => {
  it.each([
    ['from after to', '/api/statistics?from=2026-12-06&to=2026-12-01', 400, 'STATS_PERIOD_INVALID'],
    ['a period over 366 days', '/api/statistics?from=2025-01-01&to=2026-12-06', 400, 'STATS_PERIOD_TOO_LONG'],
    ['an impossible date', '/api/statistics?from=2026-02-30&to=2026-03-01', 400, undefined],
    ['an unknown department', '/api/statistics?departments=00', 400, 'STATS_ZONE_UNKNOWN'],
    ['an unknown region', '/api/statistics?region=99', 400, 'STATS_ZONE_UNKNOWN'],
    ['a malformed department list', '/api/statistics?departments=33,,40', 400, 'REQUEST_INVALID'],
    ['a profession without acts', '/api/statistics?profession=99', 400, 'STATS_PROFESSION_UNKNOWN'],
    ['an unknown parameter', '/api/statistics?limit=5', 400, 'REQUEST_INVALID'],
  ])('%s: a clear 4xx', async (_name, url, status, code) => {
    const response = await t.app.inject({ method: 'GET', url, headers: { cookie: dgs.cookie } });
    expect(response.statusCode).toBe(status);
    if (code) expect(response.json().error.code).toBe(code);
    expect(response.json().error.message).toMatch(/\S/);
  });

  it('is refused to a professional who is not an operator, and to no one signed in', async () => {
    expect((await read(pharmacist)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/statistics' })).statusCode).toBe(401);
  });
});

describe('open data (sp-pos-quot-dep)', () => {
  it('gives P and T per department, closed day and age class, with small counts empty', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/public/open-data/sp-pos-quot-dep.csv' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['x-data-through']).toBe('2026-12-06');
    const lines = response.body.trimEnd().split('\n');
    expect(lines[0]).toBe('dep;jour;P;T;cl_age90');
    // From the first day with a test (2 December) to the last closed day (6 December), every
    // department, all ages (0) then ten classes.
    expect(lines).toHaveLength(1 + 5 * departments.length * 11);
    // The seeded patients were born in 1980: 46 years old, class 49.
    expect(lines).toContain('33;2026-12-02;17;35;0');
    expect(lines).toContain('33;2026-12-02;17;35;49');
    expect(lines).toContain('33;2026-12-02;0;0;9');
    expect(lines).toContain('69;2026-12-02;11;20;49');
    // Landes, 8 tests: suppressed, in the class and the total.
    expect(lines).toContain('40;2026-12-03;0;;0');
    expect(lines).toContain('40;2026-12-03;0;;49');
    // The department of an act is known: nothing under an empty one.
    expect(lines.some((l) => l.startsWith(';'))).toBe(false);
    const again = await t.app.inject({ method: 'GET', url: '/api/public/open-data/sp-pos-quot-dep.csv', headers: { 'if-none-match': response.headers.etag as string } });
    expect(again.statusCode).toBe(304);
  });
});

describe('KPIs with an operator API key (GET /api/kpi/v1/codes)', () => {
  it('gives codes generated, used and expired per kind and day, national or the key’s region', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/admin/api-keys', headers: dgs.headers, payload: { label: 'Tableau de bord DGS' } });
    expect(created.statusCode, created.body).toBe(201);
    const { apiKey, key } = created.json<{ apiKey: string; key: { id: string; region: string | null } }>();
    expect(key.region).toBeNull();
    const kpi = await t.app.inject({ method: 'GET', url: '/api/kpi/v1/codes?fromDate=2026-12-01&toDate=2026-12-02', headers: { authorization: `Bearer ${apiKey}` } });
    expect(kpi.statusCode, kpi.body).toBe(200);
    expect(kpi.json()).toEqual([
      // The laboratory's long codes count as long codes, as in submission-code-server.
      { date: '2026-12-01', nbShortCodesGenerated: 12, nbLongCodesGenerated: 12, nbShortCodesUsed: 11, nbLongCodesUsed: 0, nbShortExpiredCodes: null, nbLongExpiredCodes: 0 },
      { date: '2026-12-02', nbShortCodesGenerated: 0, nbLongCodesGenerated: 0, nbShortCodesUsed: 0, nbLongCodesUsed: 0, nbShortExpiredCodes: 0, nbLongExpiredCodes: 0 },
    ]);

    // An ARS key reads its region: Gironde's codes are in Nouvelle-Aquitaine.
    const regional = (await t.app.inject({ method: 'POST', url: '/api/admin/api-keys', headers: ars.headers, payload: { label: 'ARS' } })).json<{ apiKey: string; key: { region: string } }>();
    expect(regional.key.region).toBe('75');
    const regionalKpi = await t.app.inject({ method: 'GET', url: '/api/kpi/v1/codes?fromDate=2026-12-01&toDate=2026-12-01', headers: { authorization: `Bearer ${regional.apiKey}` } });
    expect(regionalKpi.json()[0]).toMatchObject({ nbShortCodesGenerated: 12 });
    // The ARS lists and revokes its own keys only.
    const listed = (await t.app.inject({ method: 'GET', url: '/api/admin/api-keys', headers: { cookie: ars.cookie } })).json<{ keys: Array<{ id: string }> }>();
    expect(listed.keys.map((k) => k.id)).not.toContain(key.id);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/admin/api-keys/${key.id}`, headers: ars.headers })).statusCode).toBe(404);
    // The DGS sees every key, the ARS's too.
    const all = (await t.app.inject({ method: 'GET', url: '/api/admin/api-keys', headers: { cookie: dgs.cookie } })).json<{ keys: Array<{ region: string | null }> }>();
    expect(all.keys.map((k) => k.region)).toEqual(expect.arrayContaining([null, '75']));
    // A key stops working once its maker is no longer an operator with that scope.
    const reconfigured = await buildSiblingApp(t, { OPERATOR_ID_NAT_PS: `${DGS},${ARS_NA}:84` });
    try {
      const stale = await reconfigured.inject({ method: 'GET', url: '/api/kpi/v1/codes?fromDate=2026-12-01&toDate=2026-12-01', headers: { authorization: `Bearer ${regional.apiKey}` } });
      expect(stale.statusCode).toBe(401);
      const still = await reconfigured.inject({ method: 'GET', url: '/api/kpi/v1/codes?fromDate=2026-12-01&toDate=2026-12-01', headers: { authorization: `Bearer ${apiKey}` } });
      expect(still.statusCode).toBe(200);
    } finally {
      await reconfigured.close();
    }

    expect((await t.app.inject({ method: 'DELETE', url: `/api/admin/api-keys/${key.id}`, headers: dgs.headers })).statusCode).toBe(204);
    const revoked = await t.app.inject({ method: 'GET', url: '/api/kpi/v1/codes?fromDate=2026-12-01&toDate=2026-12-01', headers: { authorization: `Bearer ${apiKey}` } });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error.code).toBe('OPERATOR_KEY_INVALID');
  });

  it('refuses a missing key, a session instead of a key, and a bad range with a clear 4xx', async () => {
    const url = '/api/kpi/v1/codes?fromDate=2026-12-01&toDate=2026-12-01';
    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url, headers: { cookie: dgs.cookie } })).statusCode).toBe(401);
    const { apiKey } = (await t.app.inject({ method: 'POST', url: '/api/admin/api-keys', headers: dgs.headers, payload: { label: 'Essai' } })).json<{ apiKey: string }>();
    const authorization = `Bearer ${apiKey}`;
    for (const [query, code] of [
      ['fromDate=2026-12-02&toDate=2026-12-01', 'STATS_PERIOD_INVALID'],
      ['fromDate=2026-12-01', 'REQUEST_INVALID'],
      ['fromDate=2026-13-01&toDate=2026-12-01', 'REQUEST_INVALID'],
      ['fromDate=2020-01-01&toDate=2026-12-01', 'STATS_PERIOD_TOO_LONG'],
    ] as const) {
      const response = await t.app.inject({ method: 'GET', url: `/api/kpi/v1/codes?${query}`, headers: { authorization } });
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code, query).toBe(code);
    }
    const badLabel = await t.app.inject({ method: 'POST', url: '/api/admin/api-keys', headers: dgs.headers, payload: { label: 'a\u0000b' } });
    expect(badLabel.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/admin/api-keys', headers: pharmacist.headers, payload: { label: 'x' } })).statusCode).toBe(403);
  });
});

describe('closing a day', () => {
  it('rebuilds yesterday until 10 minutes past midnight, so an act committed just after midnight counts', async () => {
    const fresh = await createTestApp({ env: { OPERATOR_ID_NAT_PS: DGS } });
    try {
      const db = fresh.database.db;
      const paris = (iso: string) => new Date(`${iso}+01:00`);
      await insertTests(db, 20, { department: '33', sampled_at: paris('2026-12-02T12:00:00') });
      await refreshStatistics(db, paris('2026-12-03T00:01:00'));
      expect((await db.selectFrom('stats_state').select('day').executeTakeFirstOrThrow()).day).toBe('2026-12-01');
      // Recorded at 23:59:50, committed after the 00:01 run.
      await insertTests(db, 15, { department: '33', sampled_at: paris('2026-12-02T23:59:00'), recorded_at: paris('2026-12-02T23:59:50') });
      await refreshStatistics(db, paris('2026-12-03T00:20:00'));
      expect((await db.selectFrom('stats_state').select('day').executeTakeFirstOrThrow()).day).toBe('2026-12-02');
      const total = await db.selectFrom('stats_daily').select((eb) => eb.fn.sum<string>('count').as('n')).where('metric', '=', 'tests').where('day', '=', '2026-12-02').where('department', '=', '*').where('profession', '=', '*').executeTakeFirstOrThrow();
      expect(Number(total.n)).toBe(35);
      // Closed: a later run does not rebuild it again.
      expect(await refreshStatistics(db, paris('2026-12-03T01:00:00'))).toEqual(['2026-12-03']);
    } finally {
      await fresh.close();
    }
  });
});
