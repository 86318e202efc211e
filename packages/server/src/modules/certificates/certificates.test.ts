import { professionals } from '@prostopcovid/psc-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parisDate } from '../../platform/dates.js';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';
import { pdfText } from '../../testing/pdf-text.js';
import { validateDccSchema } from './dcc-schema.js';

let t: TestApp;
let pharmacist: SignedIn;
let nurse: SignedIn;
const shipped = (code: string) => professionals.find((p) => p.exercices.length === 1 && p.exercices[0]!.codeProfession === code)!;
const patient = { familyName: 'Dupont-Lefèvre', givenName: 'Zoé', birthDate: '1984-03-12', sex: 'F' };

beforeAll(async () => {
  t = await createTestApp({ env: { RETRIEVAL_LIMIT_PER_ADDRESS: '12' } });
  [pharmacist, nurse] = await Promise.all([signIn(t, shipped('21')), signIn(t, shipped('60'))]);
});
afterAll(() => t?.close());

const retrieve = (retrievalCode: string, birthDate = patient.birthDate) =>
  t.app.inject({ method: 'POST', url: '/api/patient/v1/certificates', payload: { retrievalCode, birthDate } });
const verify = (hc1: string) => t.app.inject({ method: 'POST', url: '/api/verifier/v1/verify', payload: { hc1 } });

describe('certificates from recorded acts', () => {
  it('a positive antigen test recorded by a pharmacist gives a signed test certificate the verifier accepts', async () => {
    const recorded = await t.app.inject({
      method: 'POST',
      url: '/api/tests',
      headers: pharmacist.headers,
      payload: { patient, testType: 'antigen', sampledAt: new Date(t.clock.now().getTime() - 600_000).toISOString(), result: 'detected', deviceId: '1232', place: 'Pharmacie de la Gare' },
    });
    const { retrievalCode } = recorded.json();
    expect(retrievalCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);

    // Typed by the patient: lower case, spaces instead of dashes.
    const response = await retrieve(retrievalCode.toLowerCase().replaceAll('-', ' '));
    expect(response.statusCode).toBe(200);
    const certificate = response.json();
    expect(certificate.kind).toBe('test');
    expect(certificate.hc1).toMatch(/^HC1:[0-9A-Z $%*+\-./:]+$/);
    expect(certificate.qrSvg).toContain('<svg');
    expect(certificate.summary.details).toContainEqual({ label: 'Résultat', value: 'Positif (SARS-CoV-2 détecté)' });

    const verdict = (await verify(certificate.hc1)).json();
    expect(verdict.valid).toBe(true);
    expect(verdict.certificate.kind).toBe('test');
    expect(validateDccSchema(verdict.certificate.dcc)).toBe(true);
    expect(verdict.certificate.dcc.t[0]).toMatchObject({ tt: 'LP217198-3', ma: '1232', tr: '260373001', ci: certificate.uvci });
    expect(verdict.certificate.dcc.nam).toMatchObject({ fn: 'Dupont-Lefèvre', fnt: 'DUPONT<LEFEVRE', gnt: 'ZOE' });
  });

  it('a vaccination recorded by a nurse gives a vaccination certificate', async () => {
    const recorded = await t.app.inject({
      method: 'POST',
      url: '/api/vaccinations',
      headers: nurse.headers,
      payload: { patient, product: 'EU/1/20/1528', doseNumber: 2, seriesTotal: 2, vaccinatedOn: parisDate(t.clock.now()), lotNumber: 'FK8891', place: 'Centre de vaccination' },
    });
    const certificate = (await retrieve(recorded.json().retrievalCode)).json();
    expect(certificate.kind).toBe('vaccination');
    const verdict = (await verify(certificate.hc1)).json();
    expect(verdict.valid).toBe(true);
    expect(verdict.certificate.dcc.v[0]).toMatchObject({ mp: 'EU/1/20/1528', ma: 'ORG-100030215', vp: '1119349007', dn: 2, sd: 2 });

    const pdf = await t.app.inject({ method: 'POST', url: '/api/patient/v1/certificates/pdf', payload: { retrievalCode: recorded.json().retrievalCode, birthDate: patient.birthDate } });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = pdfText(pdf.rawPayload);
    expect(text).toContain('Certificat de vaccination');
    expect(text).toContain('Comirnaty');
    expect(text).toContain('2/2');
  });

  it('refuses a test certificate once its validity after the sample has passed', async () => {
    const recorded = await t.app.inject({
      method: 'POST',
      url: '/api/tests',
      headers: pharmacist.headers,
      payload: { patient, testType: 'antigen', sampledAt: new Date(t.clock.now().getTime() - 73 * 3_600_000).toISOString(), result: 'not-detected', deviceId: '1232', place: 'Pharmacie' },
    });
    const response = await retrieve(recorded.json().retrievalCode);
    expect(response.statusCode).toBe(410);
    expect(response.json().error.code).toBe('CERTIFICATES_EXPIRED');
  });

  it('answers a wrong code or a wrong date of birth alike, and limits attempts per address', async () => {
    const recorded = await t.app.inject({
      method: 'POST',
      url: '/api/tests',
      headers: pharmacist.headers,
      payload: { patient, testType: 'antigen', sampledAt: new Date(t.clock.now().getTime() - 600_000).toISOString(), result: 'not-detected', deviceId: '1232', place: 'Pharmacie' },
    });
    const { retrievalCode } = recorded.json();
    const answers = [await retrieve(retrievalCode, '1984-03-13'), await retrieve('ZZZZ-ZZZZ-ZZZZ'), await retrieve('not a code')];
    for (const answer of answers) {
      expect(answer.statusCode).toBe(404);
      expect(answer.json().error.code).toBe('CERTIFICATES_NOT_FOUND');
    }
    let last = await retrieve('ZZZZ-ZZZZ-ZZZZ');
    for (let i = 0; i < 12 && last.statusCode !== 429; i++) last = await retrieve('ZZZZ-ZZZZ-ZZZZ');
    expect(last.statusCode).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('verifier', () => {
  it('says why a text is not a valid certificate', async () => {
    const notPrefixed = (await verify('NCF...')).json();
    expect(notPrefixed).toMatchObject({ valid: false, reason: { step: 'unprefix' } });
    expect(notPrefixed.reason.message).toContain('HC1:');
    const garbage = (await verify('HC1:%%%%')).json();
    expect(garbage.valid).toBe(false);
    expect((await t.app.inject({ method: 'POST', url: '/api/verifier/v1/verify', payload: {} })).statusCode).toBe(400);
  });
});
