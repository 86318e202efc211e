import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signInAs, useSystemAndBrowser } from './harness.js';

const env = useSystemAndBrowser();

async function activate(page: Page) {
  await page.goto(`${env.system().url}/app`);
  await page.getByRole('button', { name: 'Activer StopCovid' }).click();
  await page.getByTestId('phone-state').waitFor();
}

describe('ROBERT in a real browser: two /app tabs are two phones', () => {
  it('they meet for 20 simulated minutes, one declares with a GP code, the other is told it was exposed', async () => {
    const doctorPage = await (await env.browser().newContext()).newPage();
    await signInAs(doctorPage, env.system().url, /Médecin généraliste/);
    await doctorPage.getByRole('link', { name: 'Codes StopCovid' }).click();
    await doctorPage.getByLabel(/Cas probable/).check();
    await doctorPage.getByRole('button', { name: 'Générer le code' }).click();
    const code = (await doctorPage.getByTestId('issued-code').textContent())!;

    // One browser, two tabs: each its own phone, hearing the other through a BroadcastChannel.
    const browser = await env.browser().newContext();
    const patient = await browser.newPage();
    const contact = await browser.newPage();
    await activate(patient);
    await activate(contact);
    await contact.getByText('Pas encore vérifiée.').waitFor();

    await patient.getByRole('button', { name: 'Simuler 20 minutes passées ensemble' }).click();
    await patient.getByText(/Rencontre simulée : \d+ message\(s\) Bluetooth entendu\(s\)/).waitFor();
    expect(await contact.getByTestId('phone-state').textContent()).toMatch(/[1-9]\d* message\(s\) Bluetooth entendu\(s\)/);

    await patient.getByLabel('Code remis par votre médecin ou infirmier').fill(code);
    await patient.getByLabel("J'ai des symptômes").check();
    const yesterday = await patient.evaluate(() => {
      const d = new Date();
      d.setDate(d.getDate() - 1);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    });
    await patient.getByLabel('Date de début des symptômes').fill(yesterday);
    await patient.getByRole('button', { name: 'Valider' }).click();
    await patient.getByTestId('window').waitFor();
    await patient.getByRole('button', { name: 'Partager mon historique de contacts' }).click();
    expect(await patient.getByTestId('uploaded').textContent()).toMatch(/Merci\. [1-9]\d* message\(s\) Bluetooth partagé\(s\) ; 0 hors de la période/);
    await patient.screenshot({ path: 'test-results/robert-patient.png', fullPage: true });

    // The server's worker scores the report within moments (its KPIs say when); then the contact's app asks.
    await expect
      .poll(async () => (await fetch(`${env.system().url}/metrics`).then((r) => r.text())).match(/^robert_reports\{stage="processed"\} (\d+)/m)?.[1], { timeout: 20_000 })
      .toBe('1');
    await contact.getByRole('button', { name: 'Vérifier maintenant' }).click();
    await contact.getByText('Vous avez été exposé(e) au COVID-19.').waitFor();
    expect(await contact.getByTestId('exposure').textContent()).toMatch(/vers le \d{1,2} \S+ \d{4}/);
    await contact.screenshot({ path: 'test-results/robert-contact-exposed.png', fullPage: true });

    // The patient's own phone heard the contact too but was not itself reported by anyone.
    await patient.getByRole('button', { name: 'Vérifier maintenant' }).click();
    await patient.getByText('Aucun contact à risque').waitFor();
  });
});
