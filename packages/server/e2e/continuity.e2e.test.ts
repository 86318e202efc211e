import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { PDFDocument } from 'pdf-lib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { pdfBlankText, pdfLayoutFaults, pdfText } from '../src/testing/pdf-text.js';
import { launchChromium, signInAs, startSystem, type RunningSystem } from './harness.js';

/**
 * Issue 5, end to end: the pharmacist keeps working while the server is gone (service worker,
 * outbox, documents printed from local data), and everything is recorded once when it returns.
 */
const PHARMACIST = '899700100003';
let system: RunningSystem;
let browser: Browser;

beforeAll(async () => {
  // The pharmacist is also an authority operator here, to declare the incident the documents refer to.
  system = await startSystem({ OPERATOR_ID_NAT_PS: PHARMACIST });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function api(page: Page, method: 'GET' | 'POST', path: string, data?: unknown) {
  const me = await (await page.request.get(`${system.url}/api/me`)).json();
  const response = await page.request.fetch(`${system.url}${path}`, { method, headers: { 'x-csrf-token': me.csrfToken }, ...(data ? { data } : {}) });
  return { status: response.status(), body: await response.json().catch(() => null) };
}

async function download(page: Page, testId: string): Promise<Buffer> {
  const saved = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  return readFileSync(await (await saved).path());
}

async function fillPatient(page: Page, familyName: string, givenName: string, birthDate: string) {
  await page.getByLabel('Nom', { exact: true }).fill(familyName);
  await page.getByLabel('Prénom', { exact: true }).fill(givenName);
  await page.getByLabel('Date de naissance').fill(birthDate);
  await page.getByLabel('Femme', { exact: true }).check();
}

interface Printed {
  retrievalCode: string;
  birthDate: string;
  signedText: string | undefined;
}

describe('continuity through an outage, in a real browser', () => {
  it('records tests and a vaccination offline, prints their documents, and sends each once when the server returns', async () => {
    const context: BrowserContext = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true });
    const page = await context.newPage();
    await signInAs(page, system.url, /Pharmacienne/);

    // The authority declares the incident: its policy sets the validity of provisional attestations.
    // It started a little earlier, as the authority learns of an outage after it began.
    const declared = await api(page, 'POST', '/api/incidents', {
      component: 'tests-portal',
      startedAt: new Date(Date.now() - 30 * 60_000).toISOString(),
      testAttestationHours: 12,
      message: 'SI-DEP indisponible',
    });
    expect(declared.status).toBe(201);
    await page.reload();
    await page.getByTestId('incident-banner').getByText('Incident en cours').waitFor();

    // Online once: the service worker installs, the lists are cached, the browser's key is enrolled.
    await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 30_000 });
    await page.getByRole('link', { name: 'Vaccinations', exact: true }).click();
    await page.getByLabel('Vaccin', { exact: true }).locator('option', { hasText: 'Comirnaty' }).first().waitFor({ state: 'attached' });
    await page.getByRole('link', { name: 'Tests', exact: true }).click();
    await page.getByRole('combobox', { name: /Test utilisé/ }).waitFor();
    await expect.poll(async () => (await api(page, 'GET', '/api/attestation-keys')).body?.keys?.length ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);

    // The server goes away (with PSC, which it embeds).
    await system.stop({ keepData: true });

    const printed: Printed[] = [];
    const patients = [
      ['Lefèvre', 'Anaïs', '1984-03-12'],
      ['Moreau', 'Chloé', '1991-07-30'],
      ['Garnier', 'Inès', '1975-12-01'],
    ] as const;
    for (const [index, [familyName, givenName, birthDate]] of patients.entries()) {
      if (index > 0) await page.getByRole('button', { name: 'Enregistrer un autre test' }).click();
      await fillPatient(page, familyName, givenName, birthDate);
      await page.getByLabel('Test antigénique', { exact: true }).check();
      await page.getByRole('combobox', { name: /Test utilisé/ }).fill('panbio');
      await page.getByRole('option', { name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test' }).click();
      await page.getByLabel(index === 1 ? 'Positif (détecté)' : 'Négatif (non détecté)').check();
      await page.getByLabel('Lieu').fill('Pharmacie du Port, Brest');
      await page.getByRole('button', { name: 'Enregistrer le test' }).click();
      await page.getByTestId('act-recorded').getByRole('heading', { name: 'Test enregistré sur cet appareil' }).waitFor();
      expect(await page.getByTestId('send-status').getAttribute('data-status')).toBe('pending');
      const retrievalCode = (await page.getByTestId('retrieval-code').locator('strong').textContent())!.trim();

      const pdf = await download(page, 'print-provisional');
      const text = await pdfText(pdf);
      expect(await pdfLayoutFaults(pdf)).toEqual([]);
      expect(await pdfBlankText(pdf)).toEqual([]);
      expect(text).toContain('ATTESTATION PROVISOIRE');
      expect(text).toContain(familyName.toUpperCase());
      expect(text).toContain('Marque du test : Abbott Rapid Diagnostics');
      expect(text).toContain('Référence du test : Panbio COVID-19 Ag Rapid Test');
      expect(text).toMatch(/12 heures après le prélèvement, soit jusqu'au \d{2}\/\d{2}\/\d{4} à \d{2}:\d{2}/);
      expect(text).toContain(retrievalCode);
      expect(text).toContain('RPPS/ADELI 899700100003');
      const signedText = (await PDFDocument.load(pdf)).getKeywords();
      expect(signedText).toMatch(/^PSCV1:/);
      printed.push({ retrievalCode, birthDate, signedText });
    }
    await page.screenshot({ path: 'test-results/continuity-offline-test.png', fullPage: true });

    // A vaccination too, and its information note.
    await page.getByRole('link', { name: 'Vaccinations', exact: true }).click();
    await fillPatient(page, 'Roux', 'Léa', '1968-05-04');
    const product = page.getByLabel('Vaccin', { exact: true });
    await product.selectOption({ label: (await product.locator('option', { hasText: 'Comirnaty' }).first().textContent())! });
    await page.getByLabel('Numéro de lot').fill('FK5127');
    await page.getByLabel('Lieu').fill('Pharmacie du Port, Brest');
    await page.getByRole('button', { name: 'Enregistrer la vaccination' }).click();
    await page.getByTestId('act-recorded').getByRole('heading', { name: 'Vaccination enregistrée sur cet appareil' }).waitFor();
    const vaccinationCode = (await page.getByTestId('retrieval-code').locator('strong').textContent())!.trim();
    const notePdf = await download(page, 'print-information-note');
    expect(await pdfLayoutFaults(notePdf)).toEqual([]);
    const note = await pdfText(notePdf);
    expect(note).toContain("CE DOCUMENT N'EST PAS UNE ATTESTATION DE VACCINATION.");
    expect(note).toContain('Numéro de lot : FK5127');
    expect(note).toContain('Comirnaty');
    expect(note).toContain('Dose : 1 sur 2');

    // Reloaded while the server is still gone: the service worker serves the portal, the acts are still queued.
    await page.reload();
    await page.getByTestId('outbox-waiting').getByText('4 en attente').waitFor({ timeout: 20_000 });
    // The banner too, from the last answer kept on the device.
    await page.getByTestId('incident-banner').getByText(/serveur injoignable/).waitFor();
    await page.getByTestId('outbox-link').click();
    await page.getByTestId('outbox-summary').getByText('4 actes en attente d’envoi.').waitFor();
    expect(await page.getByTestId('outbox-table').locator('tbody tr[data-status="pending"]').count()).toBe(4);
    await page.screenshot({ path: 'test-results/continuity-outbox-offline.png', fullPage: true });

    // The server returns. Nobody clicks anything: the first tab retries on its backoff timer, a
    // second tab sends the same outbox at start; each act is still stored once.
    system = await startSystem(system.restartOptions.env, system.restartOptions);
    const secondTab = await context.newPage();
    await secondTab.goto(`${system.url}/envois`);
    await page.getByTestId('outbox-summary').getByText('Aucun acte en attente d’envoi.').waitFor({ timeout: 60_000 });
    await secondTab.getByTestId('outbox-summary').getByText('Aucun acte en attente d’envoi.').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('outbox-table').locator('tbody tr[data-status="sent"]').count()).toBe(4);
    await page.screenshot({ path: 'test-results/continuity-outbox-sent.png', fullPage: true });

    // A verifier checks a provisional attestation: a test made during the declared incident.
    const verification = await (await page.request.post(`${system.url}/api/verifier/provisional`, { data: { text: printed[0]!.signedText } })).json();
    expect(verification).toMatchObject({ status: 'valid', claims: { patient: { familyName: 'Lefèvre' } } });

    // The patients get their real certificates with the codes printed offline.
    const patientPage = await (await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' })).newPage();
    for (const { retrievalCode, birthDate } of [...printed, { retrievalCode: vaccinationCode, birthDate: '1968-05-04' }]) {
      const response = await patientPage.request.post(`${system.url}/api/patient/v1/certificates`, { data: { retrievalCode, birthDate } });
      expect(response.status()).toBe(200);
    }
    await patientPage.goto(`${system.url}/patient`);
    await patientPage.getByTestId('incident-banner').getByText('Service perturbé').waitFor();
    await patientPage.getByLabel('Code figurant sur votre document').fill(printed[1]!.retrievalCode);
    await patientPage.getByLabel('Date de naissance').fill(printed[1]!.birthDate);
    await patientPage.getByRole('button', { name: 'Récupérer mon certificat' }).click();
    await patientPage.getByRole('heading', { name: 'Résultat de test antigénique : positif' }).waitFor();
    expect(await patientPage.getByTestId('certificate').textContent()).toContain('Positif');
    await patientPage.screenshot({ path: 'test-results/continuity-patient-certificate.png', fullPage: true });
    await context.close();

    // Exactly once, in the database itself.
    await system.stop({ keepData: true });
    const database = await openDatabase({ url: undefined, dataDir: system.restartOptions.dataDir });
    try {
      const count = async (table: 'test_results' | 'vaccinations') =>
        (await database.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).where('idempotency_key', 'is not', null).executeTakeFirstOrThrow()).n;
      expect(await count('test_results')).toBe(3);
      expect(await count('vaccinations')).toBe(1);
      const times = await database.db.selectFrom('test_results').select(['captured_at', 'recorded_at']).where('idempotency_key', 'is not', null).execute();
      for (const row of times) expect(row.recorded_at.getTime()).toBeGreaterThan(row.captured_at!.getTime());
    } finally {
      await database.close();
    }
    system = await startSystem(system.restartOptions.env, system.restartOptions);
  });
});
