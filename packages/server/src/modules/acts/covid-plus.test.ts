import { professionals } from '@prostopcovid/psc-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfBlankText, pdfLayoutFaults, pdfText, renderPdfPage } from '../../testing/pdf-text.js';
import { createProfessional, createTestApp, declare, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';

let t: TestApp;
let pharmacist: SignedIn;
let doctor: SignedIn;
const patient = { familyName: 'Moreau', givenName: 'Inès', birthDate: '1975-09-30', sex: 'F' };

beforeAll(async () => {
  t = await createTestApp();
  pharmacist = await signIn(t, professionals.find((p) => p.exercices.length === 1 && p.exercices[0]!.codeProfession === '21')!);
  doctor = await signIn(t, createProfessional(t, { profession: '10' }));
});
afterAll(() => t?.close());

async function positiveTest(result = 'detected') {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/tests',
    headers: pharmacist.headers,
    payload: { patient, testType: 'antigen', sampledAt: new Date(t.clock.now().getTime() - 600_000).toISOString(), result, deviceId: '1232', place: 'Pharmacie du Marché' },
  });
  return response.json<{ id: string; retrievalCode: string }>();
}

async function covidPlus(testId: string, session = pharmacist) {
  return t.app.inject({ method: 'POST', url: `/api/tests/${testId}/covid-plus`, headers: session.headers });
}

async function longCodeOf(pdf: Buffer): Promise<string> {
  const text = await pdfText(pdf);
  const code = /\b([0-9A-Z]{4} [0-9A-Z]{4} [0-9A-Z]{4})\b/.exec(text)?.[1];
  if (!code) throw new Error(`no long code in the PDF text:\n${text}`);
  return code.replaceAll(' ', '');
}

describe('COVID+ document and its long code', () => {
  it('prints a French PDF with a 12-character code that the app redeems once through the declaration endpoint', async () => {
    const test = await positiveTest();
    const response = await covidPlus(test.id);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(response.rawPayload);
    expect(text).toContain("Document d'information COVID+");
    expect(text).toContain('Inès Moreau');
    expect(text).toContain('POSITIF');
    const code = await longCodeOf(response.rawPayload);

    expect((await declare(t.app, code, { kind: 'unknown' })).statusCode).toBe(201);
    expect((await declare(t.app, code, { kind: 'unknown' })).statusCode).toBe(403);
  });

  it('stops the long code once a doctor issues a 6-character code for that result', async () => {
    const test = await positiveTest();
    const code = await longCodeOf((await covidPlus(test.id)).rawPayload);
    const issued = await t.app.inject({
      method: 'POST',
      url: '/api/codes',
      headers: doctor.headers,
      payload: { caseKind: 'confirmed', qrCodeUnavailable: true, resultRetrievalCode: test.retrievalCode.toLowerCase() },
    });
    expect(issued.statusCode).toBe(201);
    expect((await declare(t.app, code, { kind: 'unknown' })).statusCode).toBe(403);
    expect((await declare(t.app, issued.json().code, { kind: 'unknown' })).statusCode).toBe(201);
  });

  it('refuses a reprint once a 6-character code was issued for the result (no double declaration)', async () => {
    const test = await positiveTest();
    await covidPlus(test.id);
    const issued = await t.app.inject({ method: 'POST', url: '/api/codes', headers: doctor.headers, payload: { caseKind: 'confirmed', qrCodeUnavailable: true, resultRetrievalCode: test.retrievalCode } });
    expect(issued.statusCode).toBe(201);
    const reprint = await covidPlus(test.id);
    expect(reprint.statusCode).toBe(409);
    expect(reprint.json().error.code).toBe('TESTS_COVID_PLUS_REPLACED');
  });

  it('prints names of any accepted script exactly as typed, and keeps its layout inside the page', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/tests',
      headers: pharmacist.headers,
      payload: {
        patient: { ...patient, familyName: 'Nguyễn-Łukasz Παπαδοπούλου', givenName: 'Ёлка Ağca', sex: 'F' },
        testType: 'antigen',
        sampledAt: new Date(t.clock.now().getTime() - 600_000).toISOString(),
        result: 'detected',
        deviceId: '1232',
        place: 'Pharmacie de la Grande Rue du Faubourg Saint-Antoine, Centre commercial régional',
      },
    });
    expect(response.statusCode).toBe(201);
    const pdf = (await covidPlus(response.json().id)).rawPayload;
    const text = await pdfText(pdf);
    expect(text).toContain('Ёлка Ağca Nguyễn-Łukasz Παπαδοπούλου, née le');
    expect(text).not.toContain('?');
    // The long device name and place used to run off the page, the title to cover the line above.
    expect(await pdfLayoutFaults(pdf)).toEqual([]);
    // Every letter drawn, not only present as text (a broken font subset keeps the text).
    expect(await pdfBlankText(pdf)).toEqual([]);
    const page = await renderPdfPage(pdf);
    const rightMargin = Math.floor(page.width * (1 - 36 / 595.28));
    let inkInMargin = 0;
    for (let y = 0; y < page.height; y++) for (let x = rightMargin; x < page.width; x++) if (page.ink(x, y)) inkInMargin++;
    expect(inkInMargin).toBe(0);
  });

  it('refuses at entry a name the certificate could not carry: other scripts, emoji, markup', async () => {
    for (const familyName of ['王', 'Dupont 😀', '<b>Dupont</b>', 'محمد']) {
      const refused = await t.app.inject({
        method: 'POST',
        url: '/api/tests',
        headers: pharmacist.headers,
        payload: { patient: { ...patient, familyName }, testType: 'antigen', sampledAt: new Date(t.clock.now().getTime() - 600_000).toISOString(), result: 'detected', deviceId: '1232', place: 'Pharmacie' },
      });
      expect(refused.statusCode, familyName).toBe(400);
      expect(refused.json().error.details[0]).toEqual({ path: '/patient/familyName', message: "n'a pas le format attendu" });
    }
  });

  it('replaces the long code on a reprint', async () => {
    const test = await positiveTest();
    const first = await longCodeOf((await covidPlus(test.id)).rawPayload);
    const second = await longCodeOf((await covidPlus(test.id)).rawPayload);
    expect(second).not.toBe(first);
    expect((await declare(t.app, first, { kind: 'unknown' })).statusCode).toBe(403);
    expect((await declare(t.app, second, { kind: 'unknown' })).statusCode).toBe(201);
  });

  it('refuses a negative result, another professional, an unknown test, and a wrong result code', async () => {
    const negative = await positiveTest('not-detected');
    expect((await covidPlus(negative.id)).json().error.code).toBe('TESTS_NOT_POSITIVE');
    const positive = await positiveTest();
    expect((await covidPlus(positive.id, doctor)).statusCode).toBe(404);
    expect((await covidPlus('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await covidPlus('not-a-uuid')).statusCode).toBe(400);
    expect((await covidPlus(`urn:uuid:${positive.id}`)).statusCode).toBe(400);
    const wrong = await t.app.inject({ method: 'POST', url: '/api/codes', headers: doctor.headers, payload: { caseKind: 'confirmed', qrCodeUnavailable: true, resultRetrievalCode: 'ZZZZ-ZZZZ-ZZZZ' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.code).toBe('CODES_RESULT_NOT_FOUND');
  });
});
