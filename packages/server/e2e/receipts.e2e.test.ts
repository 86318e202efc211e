import { readFileSync } from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousViolations, signInAs, useSystemAndBrowser } from './harness.js';

/**
 * The confirmation of an act: the provisional document (test attestation,
 * vaccination information note) is offered only while the act waits on the device or a
 * declared incident covers it, since a verifier refuses an attestation for a test outside an
 * incident; otherwise the page says why none is needed. The patient's line agrees with their
 * sex, and each identifier is shown once.
 */
const GP = '899700100001';
// The GP records both kinds of act and, as an operator, declares the incidents.
const harness = useSystemAndBrowser({ OPERATOR_ID_NAT_PS: GP });

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/receipts-${name}.png`, fullPage: true });

async function api(page: Page, method: 'GET' | 'POST', path: string, body?: unknown) {
  const me = await (await page.request.get(`${harness.system().url}/api/me`)).json();
  const response = await page.request.fetch(`${harness.system().url}${path}`, { method, headers: { 'x-csrf-token': me.csrfToken }, data: body });
  return { status: response.status(), body: await response.json().catch(() => null) };
}

type Sex = 'Femme' | 'Homme' | 'Non précisé';

async function fillPatient(page: Page, familyName: string, givenName: string, sex: Sex) {
  await page.getByLabel('Nom', { exact: true }).fill(familyName);
  await page.getByLabel('Prénom', { exact: true }).fill(givenName);
  await page.getByLabel('Date de naissance').fill('1990-01-02');
  await page.getByLabel(sex, { exact: true }).check();
}

async function recordTest(page: Page, familyName: string, sex: Sex): Promise<void> {
  await page.goto(`${harness.system().url}/tests`);
  await fillPatient(page, familyName, 'Camille', sex);
  await page.getByLabel('Test antigénique', { exact: true }).check();
  await page.getByRole('combobox', { name: /Test utilisé/ }).fill('panbio');
  await page.getByRole('option', { name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test' }).click();
  await page.getByLabel('Négatif (non détecté)').check();
  await page.getByLabel('Lieu').fill('Cabinet médical, Lorient');
  await page.getByRole('button', { name: 'Enregistrer le test' }).click();
  await page.getByTestId('act-recorded').waitFor();
}

async function recordVaccination(page: Page, familyName: string, sex: Sex): Promise<void> {
  await page.goto(`${harness.system().url}/vaccinations`);
  await fillPatient(page, familyName, 'Dominique', sex);
  const product = page.getByLabel('Vaccin', { exact: true });
  await product.locator('option', { hasText: 'Comirnaty' }).first().waitFor({ state: 'attached' });
  await product.selectOption({ label: (await product.locator('option', { hasText: 'Comirnaty' }).first().textContent())! });
  await page.getByLabel('Numéro de lot').fill('FK5127');
  await page.getByLabel('Lieu').fill('Cabinet médical, Lorient');
  await page.getByRole('button', { name: 'Enregistrer la vaccination' }).click();
  await page.getByTestId('act-recorded').waitFor();
}

const sent = (page: Page) => page.getByTestId('send-status').and(page.locator('[data-status="sent"]')).waitFor({ timeout: 20_000 });

const occurrences = (text: string, part: string) => text.split(part).length - 1;


describe('act confirmations', () => {
  it('offers the provisional document only while the act waits or an incident covers it, and says why not otherwise', async () => {
    // No service worker: the test cuts the network of one request with page.route, which a worker would bypass.
    const context = await harness.browser().newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true, serviceWorkers: 'block' });
    const page = await context.newPage();
    await signInAs(page, harness.system().url, /Médecin généraliste/);

    // 1. No incident, server reachable: the test is on the server, no attestation is offered.
    await recordTest(page, 'Lambert', 'Femme');
    await sent(page);
    const confirmation = page.getByTestId('act-recorded');
    expect(await page.getByTestId('print-provisional').count()).toBe(0);
    const why = page.getByTestId('no-provisional-document');
    expect(await why.textContent()).toContain("Aucune attestation provisoire n'est nécessaire");
    expect(await why.textContent()).toContain('/patient');
    // "née" for a woman; the retrieval code and the registration number once each.
    const details = (await page.getByTestId('recorded-details').textContent())!;
    expect(details).toContain('LAMBERT Camille, née le 02/01/1990');
    const text = (await confirmation.textContent())!;
    const code = (await page.getByTestId('retrieval-code').locator('strong').textContent())!.trim();
    expect(occurrences(text, code)).toBe(1);
    const number = (await page.getByTestId('record-number').textContent())!.trim();
    expect(number).toMatch(/^[0-9a-f-]{36}$/);
    expect(occurrences(text, number)).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, '01-test-sent-no-incident');

    // A man, then a patient whose sex is not given: "né", then a neutral form.
    await recordVaccination(page, 'Bernard', 'Homme');
    await sent(page);
    expect(await page.getByTestId('recorded-details').textContent()).toContain('BERNARD Dominique, né le 02/01/1990');
    expect(await page.getByTestId('print-information-note').count()).toBe(0);
    expect(await page.getByTestId('no-provisional-document').textContent()).toContain("Aucune note d'information n'est nécessaire");
    await shot(page, '02-vaccination-sent-no-incident');
    await recordTest(page, 'Petit', 'Non précisé');
    await sent(page);
    const neutral = (await page.getByTestId('recorded-details').textContent())!;
    expect(neutral).toContain('PETIT Camille, date de naissance : 02/01/1990');
    expect(neutral).not.toMatch(/né\(e\)|née le|né le/);

    // 2. The server cannot be reached for this act: it waits on the device, and the patient needs the attestation.
    await page.route('**/api/tests', (route) => route.abort('internetdisconnected'));
    await recordTest(page, 'Moreau', 'Femme');
    expect(await page.getByTestId('send-status').getAttribute('data-status')).toBe('pending');
    await page.getByTestId('print-provisional').waitFor();
    expect(await page.getByTestId('no-provisional-document').count()).toBe(0);
    await shot(page, '03-test-pending');
    // Once it is sent, the button goes and the reason appears.
    await page.unroute('**/api/tests');
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await sent(page);
    await page.getByTestId('no-provisional-document').waitFor();
    expect(await page.getByTestId('print-provisional').count()).toBe(0);

    // The outbox keeps the duplicate: sent acts outside incidents carry no document button either.
    await page.getByTestId('outbox-link').click();
    const table = page.getByTestId('outbox-table');
    await table.waitFor();
    expect(await table.locator('tbody tr[data-status="sent"]').count()).toBe(4);
    expect(await table.getByTestId('reprint').count()).toBe(0);
    expect(await table.getByTestId('no-provisional-document').count()).toBe(4);
    const rows = (await table.textContent())!;
    expect(rows).not.toContain('né(e)');
    expect(rows).toContain('née le 02/01/1990');
    expect(rows).toContain('né le 02/01/1990');
    expect(rows).toContain('date de naissance : 02/01/1990');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, '04-outbox-sent');

    // 3. A tests-portal incident covers the test: the attestation is offered, and the verifier accepts it.
    await expect.poll(async () => (await api(page, 'GET', '/api/attestation-keys')).body?.keys?.length ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
    const startedAt = new Date(Date.now() - 30 * 60_000).toISOString();
    expect((await api(page, 'POST', '/api/incidents', { component: 'tests-portal', startedAt, testAttestationHours: 12 })).status).toBe(201);
    await recordTest(page, 'Garnier', 'Femme');
    await sent(page);
    const saved = page.waitForEvent('download');
    await page.getByTestId('print-provisional').click();
    const signedText = (await PDFDocument.load(readFileSync(await (await saved).path()))).getKeywords()!;
    const verdict = await (await page.request.post(`${harness.system().url}/api/verifier/provisional`, { data: { text: signedText } })).json();
    expect(verdict).toMatchObject({ status: 'valid', claims: { patient: { familyName: 'Garnier' } } });
    await shot(page, '05-test-sent-incident');
    // That incident does not stop vaccinations: no note for one recorded now.
    await recordVaccination(page, 'Roux', 'Femme');
    await sent(page);
    await page.getByTestId('incident-banner').getByText('Incident en cours').waitFor();
    await page.getByTestId('no-provisional-document').waitFor();
    expect(await page.getByTestId('print-information-note').count()).toBe(0);

    // 4. The vaccination portal's incident: the note is offered.
    expect((await api(page, 'POST', '/api/incidents', { component: 'vaccination-portal', startedAt })).status).toBe(201);
    await recordVaccination(page, 'Fabre', 'Femme');
    await sent(page);
    await page.getByTestId('print-information-note').waitFor();
    expect(await page.getByTestId('no-provisional-document').count()).toBe(0);
    await shot(page, '06-vaccination-sent-incident');
    await context.close();
  });
});
