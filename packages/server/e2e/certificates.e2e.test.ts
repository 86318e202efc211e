import { readFileSync } from 'node:fs';
import { pdfText } from '../src/testing/pdf-text.js';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signInAs as signInAsOn, useSystemAndBrowser } from './harness.js';

const env = useSystemAndBrowser();

const signInAs = (page: Page, label: RegExp) => signInAsOn(page, env.system().url, label);

const newContext = () => env.browser().newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });

/** The pharmacist records an antigen test and reads the code to give the patient. */
async function recordAntigenTest(birthDate: string, options: { result?: 'positive' | 'negative'; covidPlusPdf?: (pdf: Buffer) => void } = {}): Promise<string> {
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
  await page.getByLabel(options.result === 'negative' ? 'Négatif (non détecté)' : 'Positif (détecté)').check();
  await page.getByLabel('Lieu').fill('Pharmacie du Port, Brest');
  await page.getByRole('button', { name: 'Enregistrer le test' }).click();
  await page.getByTestId('act-recorded').getByRole('heading', { name: /Test enregistré/ }).waitFor();
  const code = (await page.getByTestId('retrieval-code').locator('strong').textContent())!.trim();
  expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  await page.screenshot({ path: 'test-results/certificates-pharmacist-code.png', fullPage: true });
  if (options.covidPlusPdf) {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Imprimer le document COVID+ (PDF)' }).click();
    options.covidPlusPdf(readFileSync(await (await download).path()));
  }
  await context.close();
  return code;
}

/** The patient, in their own browser with no professional session, gets the certificate of an act. */
async function retrieveOnPortal(page: Page, code: string, birthDate: string, heading: string) {
  await page.goto(`${env.system().url}/patient`);
  await page.getByRole('heading', { name: 'Récupérer mon certificat COVID' }).waitFor();
  // The code is accepted whatever its case.
  await page.getByLabel('Code figurant sur votre document').fill(code.toLowerCase());
  await page.getByLabel('Date de naissance').fill(birthDate);
  await page.getByRole('button', { name: 'Récupérer mon certificat' }).click();
  await page.getByRole('heading', { name: heading }).waitFor();
  const hc1Block = page.getByTestId('hc1');
  await hc1Block.locator('summary').click();
  return (await hc1Block.locator('pre').textContent())!.trim();
}

describe('certificates: patient portal and verifier in a real browser', () => {
  it('a positive test is a result on the portal, and "Passe non valide" at the verifier, with the reason', async () => {
    const birthDate = '1984-03-12';
    const code = await recordAntigenTest(birthDate);
    const context = await newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.system().url });
    const page = await context.newPage();
    const hc1 = await retrieveOnPortal(page, code, birthDate, 'Résultat de test antigénique : positif');
    const certificate = page.getByTestId('certificate');
    const shown = (await certificate.textContent())!;
    expect(shown).toContain('Camille');
    expect(shown).toContain('12/03/1984');
    expect(shown).toContain('Positif');
    expect(shown).toContain('URN:UVCI:01:FR:');
    expect(shown).not.toMatch(/passe (sanitaire )?valable/i);
    expect(await page.getByTestId('worth').textContent()).toMatch(/^Résultat positif : ce certificat n'est pas un passe\. Il vaudra preuve de rétablissement à partir du /);
    expect(await page.getByTestId('other-certificates').textContent()).toMatch(/Certificat de rétablissement : disponible ici à partir du \d{2}\/\d{2}\/\d{4}/);
    const qr = page.getByRole('img', { name: 'QR code du certificat' });
    // The SVG was loaded (CSP allows data: images) and decoded.
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await page.screenshot({ path: 'test-results/certificates-patient-positive.png', fullPage: true });
    const pdfDownload = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Télécharger le certificat (PDF)' }).click();
    const certificatePdf = await pdfText(readFileSync(await (await pdfDownload).path()));
    expect(certificatePdf).toContain('Résultat de test antigénique : positif');
    expect(certificatePdf).toContain('Nom / Surname(s)');
    await page.getByRole('button', { name: 'Copier le contenu (HC1)' }).click();
    await page.getByText('Contenu copié dans le presse-papiers.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(hc1);

    // Mode passe: red, the reason in plain French, nothing else of the holder.
    await page.goto(`${env.system().url}/verifier`);
    await page.getByRole('heading', { name: 'Vérifier un passe' }).waitFor();
    await page.getByTestId('lists-status').getByText(/Listes de vérification \(\d+ signataires?, \d+ règles\) à jour du/).waitFor();
    await page.getByLabel(/^Contenu du QR code/).fill(hc1);
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('heading', { name: 'Passe non valide' }).waitFor();
    expect(await page.getByTestId('verify-reason').textContent()).toBe(
      "Un test positif n'est pas un passe : il ne vaut preuve de rétablissement que du 11e jour au 6e mois (180 jours) après le prélèvement.",
    );
    expect(await page.getByTestId('holder').count()).toBe(0);
    expect(await page.getByTestId('details').count()).toBe(0);
    await page.screenshot({ path: 'test-results/certificates-verifier-positive.png', fullPage: true });

    // Mode détaillé: the content, the steps, the failing rule.
    await page.getByRole('radio', { name: /Mode détaillé/ }).check();
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByTestId('details').waitFor();
    expect(await page.getByTestId('certificate-content').textContent()).toContain('Positif');
    expect(await page.getByTestId('steps').locator('li').filter({ hasText: 'échec' }).textContent()).toContain('Règles du pays de vérification');
    expect(await page.getByTestId('rules').locator('li.rule-failed').textContent()).toContain('TR-FR-0006');
    await page.screenshot({ path: 'test-results/certificates-verifier-detailed.png', fullPage: true });
    await context.close();
  });

  it('a negative test is "Passe valide", read back from the portal’s PNG download, and red past 24 h; a tampered text is refused', async () => {
    const birthDate = '1979-08-30';
    const code = await recordAntigenTest(birthDate, { result: 'negative' });
    const context = await newContext();
    const page = await context.newPage();
    const hc1 = await retrieveOnPortal(page, code, birthDate, 'Certificat de test antigénique négatif');
    expect(await page.getByTestId('worth').textContent()).toMatch(/^Passe valide aujourd'hui selon les règles françaises jusqu'au \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}\./);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Télécharger le QR code (image PNG)' }).click();
    const png = await download;
    expect(png.suggestedFilename()).toMatch(/^certificat-[A-Za-z0-9]+\.png$/);
    const pngBytes = readFileSync(await png.path());
    expect(pngBytes.subarray(1, 4).toString()).toBe('PNG');
    const svgSource = (await page.getByRole('img', { name: 'QR code du certificat' }).getAttribute('src'))!;
    const svg = decodeURIComponent(svgSource.replace(/^data:image\/svg\+xml;charset=utf-8,/, ''));

    await page.goto(`${env.system().url}/verifier`);
    await page.getByRole('radio', { name: /Mode passe/ }).check();
    await page.getByLabel(/Ou une image du QR code/).setInputFiles({ name: 'passe.png', mimeType: 'image/png', buffer: pngBytes });
    await page.getByRole('heading', { name: 'Passe valide' }).waitFor();
    expect(await page.getByLabel(/^Contenu du QR code/).inputValue()).toBe(hc1);
    expect(await page.getByTestId('holder').textContent()).toBe('NomLefèvrePrénomCamilleDate de naissance30/08/1979');
    await page.screenshot({ path: 'test-results/certificates-verifier-valid.png', fullPage: true });

    // The SVG a browser saves from the page is read too (drawn, then decoded), never a raw browser error.
    await page.reload();
    await page.getByLabel(/Ou une image du QR code/).setInputFiles({ name: 'passe.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(svg) });
    await page.getByRole('heading', { name: 'Passe valide' }).waitFor();
    await page.getByLabel(/Ou une image du QR code/).setInputFiles({ name: 'pas-une-image.png', mimeType: 'image/png', buffer: Buffer.from('pas une image') });
    expect(await page.getByRole('alert').textContent()).toBe("Ce fichier n'a pas pu être ouvert comme une image. Utilisez une photo ou une capture d'écran (PNG, JPEG ou SVG).");

    // The validation clock 25 hours after the sample: red, under the 24-hour rule.
    await page.getByRole('radio', { name: /Mode détaillé/ }).check();
    await page.getByLabel(/^Contenu du QR code/).fill(hc1);
    const later = await page.evaluate(() => {
      const date = new Date(Date.now() + 25 * 3_600_000);
      return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    });
    await page.getByLabel(/^Date et heure de la vérification/).fill(later);
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('heading', { name: 'Passe non valide' }).waitFor();
    expect(await page.getByTestId('verify-reason').textContent()).toBe("Un test négatif n'est valable que 24 heures après le prélèvement.");

    // One character changed in the middle: refused, with the reason.
    await page.getByLabel(/^Date et heure de la vérification/).fill('');
    const middle = Math.floor(hc1.length / 2);
    await page.getByLabel(/^Contenu du QR code/).fill(hc1.slice(0, middle) + (hc1[middle] === 'A' ? 'B' : 'A') + hc1.slice(middle + 1));
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('heading', { name: 'Passe non valide' }).waitFor();
    expect((await page.getByTestId('verify-reason').textContent())!.length).toBeGreaterThan(0);
    expect(await page.getByTestId('steps').locator('li').filter({ hasText: 'échec' }).count()).toBe(1);
    await page.screenshot({ path: 'test-results/certificates-verifier-invalid.png', fullPage: true });
    await context.close();
  });

  it('the COVID+ PDF of a positive test carries a long code the patient declares with on /app', async () => {
    let pdf: Buffer | undefined;
    await recordAntigenTest('1992-11-05', { covidPlusPdf: (bytes) => (pdf = bytes) });
    expect(pdf!.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(pdf!);
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
    const code = await recordAntigenTest('1990-07-01');
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
