import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signInAs as signInAsOn, useSystemAndBrowser } from './harness.js';

const env = useSystemAndBrowser();

const signInAs = (page: Page, label: RegExp) => signInAsOn(page, env.system().url, label);

describe('PROSTOPCOVID in a real browser', () => {
  it('a doctor issues a code, the patient declares with it on /app, the history shows it used', async () => {
    const doctorPage = await (await env.browser().newContext()).newPage();
    await signInAs(doctorPage, /Médecin généraliste/);
    await doctorPage.getByRole('link', { name: 'Codes StopCovid' }).click();
    await doctorPage.getByText('Aucun code généré pour le moment.').waitFor();

    // A confirmed case needs the SI-DEP QR code confirmation.
    await doctorPage.getByLabel(/Cas confirmé/).check();
    await doctorPage.getByRole('button', { name: 'Générer le code' }).click();
    await doctorPage.getByText(/cochez la confirmation/).waitFor();
    await doctorPage.getByLabel(/QR code fourni par SI-DEP/).check();
    await doctorPage.getByRole('button', { name: 'Générer le code' }).click();

    const shown = (await doctorPage.getByTestId('issued-code').textContent())!;
    expect(shown).toMatch(/^[0-9A-Z]{3} [0-9A-Z]{3}$/);
    expect(await doctorPage.getByTestId('countdown').textContent()).toMatch(/^(59|60) min/);
    await doctorPage.getByRole('img', { name: /QR code/ }).waitFor();
    await doctorPage.screenshot({ path: 'test-results/code-issued.png', fullPage: true });
    expect(await doctorPage.getByTestId('code-history').textContent()).toContain('En attente');

    // The patient, on another device: types the code as dictated (lower case, with the space).
    const patientPage = await (await env.browser().newContext()).newPage();
    await patientPage.goto(`${env.system().url}/app`);
    await patientPage.getByLabel('Code remis par votre médecin ou infirmier').fill(shown.toLowerCase());
    await patientPage.getByLabel("J'ai des symptômes").check();
    const threeDaysAgo = await patientPage.evaluate(() => {
      const d = new Date();
      d.setDate(d.getDate() - 3);
      return d.toISOString().slice(0, 10);
    });
    await patientPage.getByLabel('Date de début des symptômes').fill(threeDaysAgo);
    await patientPage.getByRole('button', { name: 'Valider' }).click();
    const window = (await patientPage.getByTestId('window').textContent())!;
    expect(window).toMatch(/Code accepté\. Les contacts du \d{2}\/\d{2}\/\d{4} au \d{2}\/\d{2}\/\d{4}/);
    // This tab never activated StopCovid: no history to share (robert.e2e.test.ts shares one).
    await patientPage.getByText("StopCovid n'est pas activé sur ce téléphone : il n'a enregistré aucun contact à partager.").waitFor();
    await patientPage.screenshot({ path: 'test-results/app-declared.png', fullPage: true });

    // The same code a second time, through the QR code's link: refused.
    const again = await patientPage.context().newPage();
    await again.goto(`${env.system().url}/app#code=${shown.replace(' ', '')}`);
    expect(await again.getByLabel('Code remis par votre médecin ou infirmier').inputValue()).toBe(shown.replace(' ', ''));
    await again.getByLabel('Je ne sais pas').check();
    await again.getByRole('button', { name: 'Valider' }).click();
    await again.getByText('Ce code est invalide, expiré ou déjà utilisé.').waitFor();

    await doctorPage.getByRole('button', { name: "J'ai transmis le code" }).click();
    await doctorPage.getByRole('button', { name: 'Actualiser' }).click();
    await expect.poll(() => doctorPage.getByTestId('code-history').textContent()).toContain('Utilisé');
  });

  it('does not offer codes to a pharmacist', async () => {
    const page = await (await env.browser().newContext()).newPage();
    await signInAs(page, /Pharmacienne/);
    expect(await page.getByRole('link', { name: 'Codes StopCovid' }).count()).toBe(0);
    await page.goto(`${env.system().url}/codes`);
    await page.getByText(/ne vous permet pas de générer des codes/).waitFor();
  });
});
