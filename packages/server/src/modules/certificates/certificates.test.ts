import { professionals } from '@prostopcovid/psc-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, parisDate } from '../../platform/dates.js';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';
import { pdfBlankText, pdfLayoutFaults, pdfText } from '../../testing/pdf-text.js';
import { validateCurrentSchema } from '@prostopcovid/dcc';

let t: TestApp;
let pharmacist: SignedIn;
let nurse: SignedIn;
const shipped = (code: string) => professionals.find((p) => p.exercices.length === 1 && p.exercices[0]!.codeProfession === code)!;
const patient = { familyName: 'Dupont-Lefèvre', givenName: 'Zoé', birthDate: '1984-03-12', sex: 'F' };

beforeAll(async () => {
  t = await createTestApp({ env: { RETRIEVAL_LIMIT_PER_ADDRESS: '30' } });
  [pharmacist, nurse] = await Promise.all([signIn(t, shipped('21')), signIn(t, shipped('60'))]);
});
afterAll(() => t?.close());

const retrieve = (retrievalCode: string, birthDate = patient.birthDate, kind?: string) =>
  t.app.inject({ method: 'POST', url: '/api/patient/v1/certificates', payload: { retrievalCode, birthDate, ...(kind && { kind }) } });
const verify = (hc1: string) => t.app.inject({ method: 'POST', url: '/api/verifier/v1/verify', payload: { hc1 } });

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const recordTest = async (hoursAgo: number, result: 'detected' | 'not-detected') => {
  const recorded = await t.app.inject({
    method: 'POST',
    url: '/api/tests',
    headers: pharmacist.headers,
    payload: { patient, testType: 'antigen', sampledAt: new Date(t.clock.now().getTime() - hoursAgo * HOUR_MS).toISOString(), result, deviceId: '1232', place: 'Pharmacie de la Gare' },
  });
  expect(recorded.statusCode).toBe(201);
  return recorded.json().retrievalCode as string;
};
const verifyAt = (hc1: string, validationClock: Date) =>
  t.app.inject({ method: 'POST', url: '/api/verifier/v1/verify', payload: { hc1, validationClock: validationClock.toISOString() } });

describe('certificates from recorded acts', () => {
  it('a positive antigen test gives a signed result that is not a pass, and no recovery certificate before day 11', async () => {
    const retrievalCode = await recordTest(0.2, 'detected');
    expect(retrievalCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);

    // Typed by the patient: lower case, spaces instead of dashes.
    const response = await retrieve(retrievalCode.toLowerCase().replaceAll('-', ' '));
    expect(response.statusCode).toBe(200);
    const certificate = response.json();
    expect(certificate.kind).toBe('test');
    expect(certificate.hc1).toMatch(/^HC1:[0-9A-Z $%*+\-./:]+$/);
    expect(certificate.qrSvg).toContain('<svg');
    expect(certificate.summary.title).toBe('Résultat de test antigénique : positif');
    expect(certificate.summary.details).toContainEqual({ label: 'Résultat', labelEn: 'Test result', value: 'Positif (SARS-CoV-2 détecté)', valueEn: 'Positive (detected)' });
    // A result, not a pass; what it will be worth, and when the recovery certificate comes.
    expect(certificate.worth.valid).toBe(false);
    expect(certificate.worth.message).toMatch(/^Résultat positif : ce certificat n'est pas un passe\. Il vaudra preuve de rétablissement à partir du /);
    expect(certificate.worth.reason).toMatch(/^Un test positif n'est pas un passe/);
    const sampleDay = parisDate(new Date(t.clock.now().getTime() - 0.2 * HOUR_MS));
    expect(certificate.others).toEqual([{ kind: 'recovery', title: 'Certificat de rétablissement', availableFrom: addDays(sampleDay, 11) }]);

    const verdict = (await verify(certificate.hc1)).json();
    expect(verdict).toMatchObject({ valid: false, status: 'invalid', country: 'FR', reason: { step: 'rules', rule: { identifier: 'TR-FR-0006' } } });
    expect(verdict.steps).toMatchObject({ verify: 'passed', expirationCheck: 'passed', schemaValidation: 'passed', rules: 'failed' });
    expect(validateCurrentSchema(verdict.certificate.dcc)).toEqual({ valid: true });
    expect(verdict.certificate.dcc.t[0]).toMatchObject({ tt: 'LP217198-3', ma: '1232', tr: '260373001', ci: certificate.uvci });
    expect(verdict.certificate.dcc.nam).toMatchObject({ fn: 'Dupont-Lefèvre', fnt: 'DUPONT<LEFEVRE', gnt: 'ZOE' });
    expect(verdict.holder).toEqual({ familyName: 'Dupont-Lefèvre', givenName: 'Zoé', birthDate: '1984-03-12' });
    // From day 11 the same signed result counts as proof of recovery (French rule).
    const day11 = new Date(t.clock.now().getTime() - 0.2 * HOUR_MS + 11 * DAY_MS + 60_000);
    const atDay11 = (await verifyAt(certificate.hc1, day11)).json();
    expect(atDay11.reason).toBeUndefined();
    expect(atDay11.status).toBe('valid');

    const early = await retrieve(retrievalCode, patient.birthDate, 'recovery');
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({ code: 'CERTIFICATES_RECOVERY_NOT_YET', details: { availableFrom: addDays(sampleDay, 11) } });
    expect((await retrieve(retrievalCode, patient.birthDate, 'vaccination')).statusCode).toBe(404);
  });

  it('from day 11 after a positive test, the patient gets a recovery certificate, always the same one', async () => {
    const retrievalCode = await recordTest(12 * 24, 'detected');
    const first = (await retrieve(retrievalCode)).json();
    expect(first.kind).toBe('recovery');
    expect(first.summary.title).toBe('Certificat de rétablissement');
    expect(first.worth).toMatchObject({ valid: true, message: expect.stringMatching(/^Passe valide aujourd'hui selon les règles françaises jusqu'au /) });
    expect(first.others).toEqual([{ kind: 'test', title: 'Certificat de test' }]);
    const verdict = (await verify(first.hc1)).json();
    expect(verdict).toMatchObject({ valid: true, status: 'valid', certificate: { kind: 'recovery', issuer: 'FR', signer: { origin: 'own' } } });
    const sampleDay = parisDate(new Date(t.clock.now().getTime() - 12 * DAY_MS));
    expect(verdict.certificate.dcc.r[0]).toEqual({
      tg: '840539006',
      fr: sampleDay,
      co: 'FR',
      is: 'Ministère des Solidarités et de la Santé',
      df: addDays(sampleDay, 11),
      du: addDays(sampleDay, 180),
      ci: first.uvci,
    });
    expect(validateCurrentSchema(verdict.certificate.dcc)).toEqual({ valid: true });
    expect(first.uvci).not.toBe((await retrieve(retrievalCode, patient.birthDate, 'test')).json().uvci);
    const again = await Promise.all([retrieve(retrievalCode), retrieve(retrievalCode)]);
    expect(again.map((r) => r.json().uvci)).toEqual([first.uvci, first.uvci]);
  });

  it('a negative test is a pass for 24 hours after the sample, then not', async () => {
    const retrievalCode = await recordTest(2, 'not-detected');
    const certificate = (await retrieve(retrievalCode)).json();
    expect(certificate.summary.title).toBe('Certificat de test antigénique négatif');
    const sampledAt = new Date(t.clock.now().getTime() - 2 * HOUR_MS);
    expect(certificate.worth).toMatchObject({ valid: true, validUntil: new Date(Math.floor(sampledAt.getTime() / 1000) * 1000 + DAY_MS).toISOString() });
    expect(certificate.others).toEqual([]);
    expect((await verify(certificate.hc1)).json()).toMatchObject({ status: 'valid', valid: true, rules: expect.arrayContaining([expect.objectContaining({ identifier: 'TR-FR-0005', result: 'passed' })]) });
    const late = (await verifyAt(certificate.hc1, new Date(sampledAt.getTime() + DAY_MS + 60_000))).json();
    expect(late).toMatchObject({ status: 'invalid', reason: { rule: { identifier: 'TR-FR-0005' }, message: "Un test négatif n'est valable que 24 heures après le prélèvement." } });
  });

  it('a vaccination recorded by a nurse gives a vaccination certificate, a pass 7 days after the last dose', async () => {
    // Yesterday: between 00:00 and 01:00 in Paris, today's date is still ahead of UTC, and
    // the EU rules (dates at midnight UTC) would call the vaccination "in the future".
    const vaccinatedOn = addDays(parisDate(t.clock.now()), -1);
    const recorded = await t.app.inject({
      method: 'POST',
      url: '/api/vaccinations',
      headers: nurse.headers,
      payload: { patient, product: 'EU/1/20/1528', doseNumber: 2, seriesTotal: 2, vaccinatedOn, lotNumber: 'FK8891', place: 'Centre de vaccination' },
    });
    const certificate = (await retrieve(recorded.json().retrievalCode)).json();
    expect(certificate.kind).toBe('vaccination');
    // Fixed when the vaccination was recorded, not moved by each retrieval.
    t.clock.advance(3 * DAY_MS);
    expect((await retrieve(recorded.json().retrievalCode)).json().expiresAt).toBe(certificate.expiresAt);
    t.clock.advance(-3 * DAY_MS);
    expect(certificate.worth).toMatchObject({ valid: false, reason: "Le schéma vaccinal n'est reconnu que 7 jours après la dernière injection." });
    expect(certificate.worth.message).toMatch(/^Pas encore un passe valide : il le sera à partir du /);
    expect(certificate.worth.validFrom).toBe(new Date(Date.parse(`${vaccinatedOn}T00:00:00Z`) + 7 * DAY_MS).toISOString());
    const verdict = (await verify(certificate.hc1)).json();
    expect(verdict).toMatchObject({ valid: false, reason: { rule: { identifier: 'VR-FR-0006' } } });
    expect(verdict.certificate.dcc.v[0]).toMatchObject({ mp: 'EU/1/20/1528', ma: 'ORG-100030215', vp: '1119349007', dn: 2, sd: 2 });
    expect((await verifyAt(certificate.hc1, new Date(t.clock.now().getTime() + 8 * DAY_MS))).json()).toMatchObject({ status: 'valid' });

    const pdf = await t.app.inject({ method: 'POST', url: '/api/patient/v1/certificates/pdf', payload: { retrievalCode: recorded.json().retrievalCode, birthDate: patient.birthDate } });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = await pdfText(pdf.rawPayload);
    expect(await pdfLayoutFaults(pdf.rawPayload)).toEqual([]);
    expect(await pdfBlankText(pdf.rawPayload)).toEqual([]);
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
    for (let i = 0; i < 30 && last.statusCode !== 429; i++) last = await retrieve('ZZZZ-ZZZZ-ZZZZ');
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

describe('certificate PDF', () => {
  it('is bilingual, French and English, as the EU model, and says a positive result is not a pass', async () => {
    const retrievalCode = await recordTest(1, 'detected');
    // Another address than the tests above, which use up the retrieval limit of theirs.
    const pdf = await t.app.inject({ method: 'POST', url: '/api/patient/v1/certificates/pdf', remoteAddress: '192.0.2.80', payload: { retrievalCode, birthDate: patient.birthDate } });
    expect(pdf.statusCode).toBe(200);
    const text = await pdfText(pdf.rawPayload);
    for (const expected of [
      "Certificat COVID numérique de l'UE / EU Digital COVID Certificate",
      'Résultat de test antigénique : positif',
      'Rapid antigen test result: positive',
      "Ce résultat n'est pas un passe. / This result is not a pass.",
      'Nom / Surname(s)',
      'Dupont-Lefèvre',
      'Prénom(s) / Forename(s)',
      'Date de naissance / Date of birth',
      '12/03/1984',
      'Résultat / Test result',
      'Positive (detected)',
      'Identifiant unique du certificat / Unique certificate identifier',
      'Émetteur / Certificate issuer',
    ]) {
      expect(text).toContain(expected);
    }
  });
});
