import { readFileSync } from 'node:fs';
import QRCode from 'qrcode';
import { pdfText } from '../src/testing/pdf-text.js';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signInAs as signInAsOn, useSystemAndBrowser } from './harness.js';

const env = useSystemAndBrowser();

const signInAs = (page: Page, label: RegExp) => signInAsOn(page, env.system().url, label);

const newContext = () => env.browser().newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });

/** The pharmacist records a positive antigen test and reads the code to give the patient. */
async function recordPositiveAntigenTest(birthDate: string, options: { covidPlusPdf?: (pdf: Buffer) => void } = {}): Promise<string> {
  const context = await newContext();
  const page = await context.newPage();
  await signInAs(page, /Pharmacienne/);
  await page.getByRole('link', { name: 'Tests', exact: true }).click();
  await page.getByRole('heading', { name: 'Enregistrer un test antigénique ou un autotest supervisé' }).waitFor();
  await page.getByLabel('Nom', { exact: true }).fill('Lefèvre');
  await page.getByLabel('Prénom', { exact: true }).fill('Camille');
  await page.getByLabel('Date de naissance').fill(birthDate);
  await page.getByLabel('Femme', { exact: true }).check();
  await page.getByLabel('Test antigénique', { exact: true }).check();
  await page.getByRole('combobox', { name: /Test utilisé/ }).fill('panbio');
  await page.getByRole('option', { name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test' }).click();
  await page.getByLabel('Positif (détecté)').check();
  await page.getByLabel('Lieu').fill('Pharmacie du Port, Brest');
  await page.getByRole('button', { name: 'Enregistrer le test' }).click();
  await page.getByTestId('act-recorded').getByRole('heading', { name: /Test enregistré/ }).waitFor();
  const code = (await page.getByTestId('retrieval-code').locator('strong').textContent())!.trim();
  expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  await page.screenshot({ path: 'test-results/certificates-pharmacist-code.png', fullPage: true });
  if (options.covidPlusPdf) {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Imprimer le document COVID+ (PDF)' }).click();
    options.covidPlusPdf(readFileSync((await (await download).path())!));
  }
  await context.close();
  return code;
}

describe('certificates: patient portal and verifier in a real browser', () => {
  it('a patient retrieves the certificate of a test and a verifier checks it', async () => {
    const birthDate = '1984-03-12';
    const code = await recordPositiveAntigenTest(birthDate);

    // The patient, in their own browser, with no professional session.
    const context = await newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.system().url });
    const page = await context.newPage();
    await page.goto(`${env.system().url}/patient`);
    await page.getByRole('heading', { name: 'Récupérer mon certificat (passe sanitaire)' }).waitFor();
    // The code is accepted whatever its case.
    await page.getByLabel('Code figurant sur votre document').fill(code.toLowerCase());
    await page.getByLabel('Date de naissance').fill(birthDate);
    await page.getByRole('button', { name: 'Récupérer mon certificat' }).click();

    await page.getByRole('heading', { name: 'Certificat de test antigénique' }).waitFor();
    const certificate = page.getByTestId('certificate');
    const shown = (await certificate.textContent())!;
    expect(shown).toContain('Camille');
    expect(shown).toContain('12/03/1984');
    expect(shown).toContain('Positif');
    expect(shown).toContain('URN:UVCI:01:FR:');
    const qr = page.getByRole('img', { name: 'QR code du certificat' });
    await qr.waitFor();
    // The SVG was loaded (CSP allows data: images) and decoded.
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3C/);
    const download = page.getByRole('link', { name: 'Télécharger le QR code' });
    expect(await download.getAttribute('download')).toMatch(/^certificat-[A-Za-z0-9]+\.svg$/);
    await page.screenshot({ path: 'test-results/certificates-patient-certificate.png', fullPage: true });
    const pdfDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Télécharger le certificat (PDF)' }).click();
    const certificatePdf = readFileSync((await (await pdfDownload).path())!);
    expect(pdfText(certificatePdf)).toContain('Certificat de test antigénique');

    // The HC1 text, from the page and through the copy button.
    const hc1Block = page.getByTestId('hc1');
    await hc1Block.locator('summary').click();
    const hc1 = (await hc1Block.locator('pre').textContent())!.trim();
    expect(hc1).toMatch(/^HC1:/);
    await page.getByRole('button', { name: 'Copier le contenu (HC1)' }).click();
    await page.getByText('Contenu copié dans le presse-papiers.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(hc1);

    // The verifier accepts it.
    await page.goto(`${env.system().url}/verifier`);
    await page.getByRole('heading', { name: "Vérifier un certificat COVID numérique de l'UE" }).waitFor();
    const input = page.getByLabel('Contenu du QR code (HC1:…)');
    await input.fill(hc1);
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('heading', { name: 'Certificat valide' }).waitFor();
    const holder = (await page.getByTestId('holder').textContent())!;
    expect(holder).toContain('Camille');
    expect(holder).toContain('12/03/1984');
    expect(holder).toContain('Test');
    const steps = page.getByTestId('steps').locator('li');
    expect(await steps.count()).toBe(9);
    expect(await steps.filter({ hasText: 'réussi' }).count()).toBe(9);
    await page.screenshot({ path: 'test-results/certificates-verifier-valid.png', fullPage: true });

    // One character changed in the middle: refused, with the reason.
    const middle = Math.floor(hc1.length / 2);
    const tampered = hc1.slice(0, middle) + (hc1[middle] === 'A' ? 'B' : 'A') + hc1.slice(middle + 1);
    await input.fill(tampered);
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('heading', { name: 'Certificat invalide' }).waitFor();
    expect((await page.getByTestId('verify-reason').textContent())!.length).toBeGreaterThan(0);
    expect(await page.getByTestId('steps').locator('li').filter({ hasText: 'échec' }).count()).toBe(1);
    await page.screenshot({ path: 'test-results/certificates-verifier-invalid.png', fullPage: true });

    // A picture of the QR code (as a phone screenshot would be): decoded in the page, then verified.
    await page.reload();
    const picture = await QRCode.toBuffer([{ data: hc1, mode: 'alphanumeric' }], { errorCorrectionLevel: 'Q', scale: 4, margin: 4 });
    await page.getByLabel(/Ou une image du QR code/).setInputFiles({ name: 'passe.png', mimeType: 'image/png', buffer: picture });
    await page.getByRole('heading', { name: 'Certificat valide' }).waitFor();
    expect(await page.getByLabel('Contenu du QR code (HC1:…)').inputValue()).toBe(hc1);
    await context.close();
  });

  it('the COVID+ PDF of a positive test carries a long code the patient declares with on /app', async () => {
    let pdf: Buffer | undefined;
    await recordPositiveAntigenTest('1992-11-05', { covidPlusPdf: (bytes) => (pdf = bytes) });
    expect(pdf!.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf!);
    expect(text).toContain("Document d'information COVID+");
    const longCode = /\b([0-9A-Z]{4} [0-9A-Z]{4} [0-9A-Z]{4})\b/.exec(text)![1]!;
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${env.system().url}/app#code=${longCode.replaceAll(' ', '')}`);
    await page.getByLabel('Je ne sais pas').check();
    await page.getByRole('button', { name: 'Valider' }).click();
    await page.getByTestId('window').or(page.getByRole('alert')).waitFor();
    await page.screenshot({ path: 'test-results/certificates-covid-plus-declared.png', fullPage: true });
    expect(await page.getByTestId('window').textContent()).toContain('Code accepté');
    await context.close();
  });

  it('a wrong date of birth gets the French not-found message', async () => {
    const code = await recordPositiveAntigenTest('1990-07-01');
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${env.system().url}/patient`);
    await page.getByLabel('Code figurant sur votre document').fill(code);
    await page.getByLabel('Date de naissance').fill('1990-07-02');
    await page.getByRole('button', { name: 'Récupérer mon certificat' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Aucun certificat ne correspond à ce code et à cette date de naissance.');
    expect(await page.getByRole('img', { name: 'QR code du certificat' }).count()).toBe(0);
    await page.screenshot({ path: 'test-results/certificates-patient-not-found.png', fullPage: true });
    await context.close();
  });
});
