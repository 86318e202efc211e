import { professionals } from '@prostopcovid/psc-sandbox';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, parisDate } from '../../platform/dates.js';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';

let t: TestApp;
let pharmacist: SignedIn;
let nurse: SignedIn;
let physio: SignedIn;
const shipped = (code: string) => professionals.find((p) => p.exercices.length === 1 && p.exercices[0]!.codeProfession === code)!;

beforeAll(async () => {
  t = await createTestApp();
  [pharmacist, nurse, physio] = await Promise.all([signIn(t, shipped('21')), signIn(t, shipped('60')), signIn(t, shipped('70'))]);
});
afterAll(() => t?.close());

const patient = { familyName: 'Dupont-Lefèvre', givenName: 'Zoé', birthDate: '1984-03-12', sex: 'F', email: 'zoe@example.fr' };
const antigenTest = () => ({
  patient,
  testType: 'antigen',
  sampledAt: new Date(t.clock.now().getTime() - 15 * 60_000).toISOString(),
  result: 'detected',
  deviceId: '1232', // Abbott Panbio
  place: 'Pharmacie de la Gare, Nantes',
});
const vaccination = () => ({
  patient,
  product: 'EU/1/20/1528',
  doseNumber: 1,
  seriesTotal: 2,
  vaccinatedOn: parisDate(t.clock.now()),
  lotNumber: 'fk8891',
  place: 'Centre de vaccination de Démoville',
});
const count = async (table: 'test_results' | 'vaccinations') =>
  (await t.database.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;

describe('reference lists', () => {
  it('lists the EU rapid antigen tests and the vaccines with derived codes', async () => {
    const devices = (await t.app.inject({ method: 'GET', url: '/api/reference/test-devices', headers: { cookie: pharmacist.cookie } })).json().devices;
    expect(devices).toHaveLength(126);
    expect(devices).toContainEqual({ id: '1232', name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test', active: true });
    const products = (await t.app.inject({ method: 'GET', url: '/api/reference/vaccines', headers: { cookie: nurse.cookie } })).json().products;
    expect(products).toContainEqual({ id: 'EU/1/20/1528', name: 'Comirnaty', manufacturerId: 'ORG-100030215', manufacturerName: 'Biontech Manufacturing GmbH', prophylaxis: '1119349007' });
    expect((await t.app.inject({ method: 'GET', url: '/api/reference/vaccines' })).statusCode).toBe(401);
  });
});

describe('recording tests', () => {
  it('records a positive antigen test by a pharmacist, with the device and an audit row without the result', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/tests', headers: pharmacist.headers, payload: antigenTest() });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.device).toEqual({ id: '1232', name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test', active: true });
    expect(body.warnings).toEqual([]);
    const stored = await t.database.db.selectFrom('test_results').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ family_name: 'Dupont-Lefèvre', birth_date: '1984-03-12', result: 'detected', device_id: '1232', test_type: 'antigen' });
    const audit = await t.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'tests.record').executeTakeFirstOrThrow();
    expect(audit.target_id).toBe(body.id);
    expect(JSON.stringify(audit)).not.toContain('detected');
    expect(JSON.stringify(audit)).not.toContain('Dupont');
  });

  it('warns when the device is no longer active in the EU list', async () => {
    const devices = (await t.app.inject({ method: 'GET', url: '/api/reference/test-devices', headers: { cookie: pharmacist.cookie } })).json().devices;
    const inactive = devices.find((d: { active: boolean }) => !d.active);
    const response = await t.app.inject({ method: 'POST', url: '/api/tests', headers: pharmacist.headers, payload: { ...antigenTest(), deviceId: inactive.id } });
    expect(response.statusCode).toBe(201);
    expect(response.json().warnings[0]).toContain("n'est plus actif");
  });

  it('refuses bad input with clear 4xx and stores nothing', async () => {
    const before = await count('test_results');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ deviceId: '999999' }, 'TESTS_DEVICE_UNKNOWN'],
      [{ sampledAt: new Date(t.clock.now().getTime() + 3_600_000).toISOString() }, 'ACTS_DATE_IN_FUTURE'],
      [{ sampledAt: new Date(t.clock.now().getTime() - 40 * 86_400_000).toISOString() }, 'ACTS_DATE_TOO_OLD'],
      [{ patient: { ...patient, birthDate: addDays(parisDate(t.clock.now()), 1) } }, 'ACTS_BIRTH_DATE_INVALID'],
      [{ patient: { ...patient, birthDate: '1984-02-30' } }, 'ACTS_BIRTH_DATE_INVALID'],
      [{ patient: { ...patient, familyName: '   ' } }, 'REQUEST_INVALID'],
      [{ patient: { ...patient, familyName: 'Du\u0000pont' } }, 'REQUEST_INVALID'],
      [{ place: 'Pharmacie\nde la Gare' }, 'REQUEST_INVALID'],
      [{ place: 'x'.repeat(81) }, 'REQUEST_INVALID'],
      // Broken text: a lone surrogate half, and U+FFFD (what invalid UTF-8 bytes decode to).
      [{ place: 'Pharmacie \ud800' }, 'REQUEST_INVALID'],
      [{ place: 'Pharmacie \ufffd' }, 'REQUEST_INVALID'],
      [{ patient: { ...patient, givenName: 'Zo\ud83d' } }, 'REQUEST_INVALID'],
      [{ patient: { ...patient, email: 'not-an-email' } }, 'REQUEST_INVALID'],
      [{ result: 'positive' }, 'REQUEST_INVALID'],
      [{ testType: 'rt-pcr' }, 'REQUEST_INVALID'],
      // Years without four digits once passed (0001, read back as 2001) or answered 500 (0000).
      [{ sampledAt: '0001-01-01T12:00:00Z' }, 'REQUEST_INVALID'],
      [{ sampledAt: '0000-01-01T00:00:00Z' }, 'REQUEST_INVALID'],
      [{ sampledAt: '2026-02-30T10:00:00Z' }, 'REQUEST_INVALID'],
      [{ capturedAt: '0000-01-01T00:00:00Z' }, 'REQUEST_INVALID'],
      [{ patient: { ...patient, birthDate: '0001-01-01' } }, 'ACTS_BIRTH_DATE_INVALID'],
    ];
    for (const [override, code] of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/api/tests', headers: pharmacist.headers, payload: { ...antigenTest(), ...override } });
      expect(response.statusCode, code).toBe(400);
      expect(response.json().error.code, JSON.stringify(override)).toBe(code);
    }
    expect(await count('test_results')).toBe(before);
  });
});

describe('recording vaccinations', () => {
  it('records a vaccination by a nurse, with manufacturer and prophylaxis derived from the product', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/vaccinations', headers: nurse.headers, payload: vaccination() });
    expect(response.statusCode).toBe(201);
    expect(response.json().product).toEqual({ id: 'EU/1/20/1528', name: 'Comirnaty', manufacturerName: 'Biontech Manufacturing GmbH' });
    const stored = await t.database.db.selectFrom('vaccinations').selectAll().where('id', '=', response.json().id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ manufacturer: 'ORG-100030215', prophylaxis: '1119349007', dose_number: 1, series_total: 2, lot_number: 'FK8891' });
  });

  it('refuses a physiotherapist (403) but lets them record tests', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/vaccinations', headers: physio.headers, payload: vaccination() })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/tests', headers: physio.headers, payload: antigenTest() })).statusCode).toBe(201);
  });

  it('refuses an unknown product, an impossible dose, a future date, a bad lot number; stores nothing', async () => {
    const before = await count('vaccinations');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ product: 'EU/1/99/9999' }, 'VACCINATIONS_PRODUCT_UNKNOWN'],
      [{ doseNumber: 3, seriesTotal: 2 }, 'VACCINATIONS_DOSE_INVALID'],
      [{ doseNumber: 0 }, 'REQUEST_INVALID'],
      [{ vaccinatedOn: addDays(parisDate(t.clock.now()), 1) }, 'ACTS_DATE_IN_FUTURE'],
      [{ vaccinatedOn: '2026-13-01' }, 'REQUEST_INVALID'],
      [{ lotNumber: 'a' }, 'REQUEST_INVALID'],
      [{ lotNumber: 'FK 8891; drop' }, 'REQUEST_INVALID'],
    ];
    for (const [override, code] of cases) {
      const response = await t.app.inject({ method: 'POST', url: '/api/vaccinations', headers: nurse.headers, payload: { ...vaccination(), ...override } });
      expect(response.statusCode, JSON.stringify(override)).toBe(400);
      expect(response.json().error.code, JSON.stringify(override)).toBe(code);
    }
    expect(await count('vaccinations')).toBe(before);
  });
});
