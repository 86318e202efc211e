import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signInAs as signInAsOn, useSystemAndBrowser } from './harness.js';

const env = useSystemAndBrowser();

const signInAs = (page: Page, label: RegExp) => signInAsOn(page, env.system().url, label);

async function fillPatient(page: Page, patient: { familyName: string; givenName: string; birthDate: string; sex: 'Femme' | 'Homme' | 'Non précisé'; email?: string }) {
  await page.getByLabel('Nom', { exact: true }).fill(patient.familyName);
  await page.getByLabel('Prénom', { exact: true }).fill(patient.givenName);
  await page.getByLabel('Date de naissance').fill(patient.birthDate);
  await page.getByLabel(patient.sex, { exact: true }).check();
  if (patient.email) await page.getByLabel(/^E-mail/).fill(patient.email);
}

describe('acts (tests and vaccinations) in a real browser', () => {
  it('a pharmacist records a positive antigen test, choosing the device by typing its brand', async () => {
    const page = await (await env.browser().newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' })).newPage();
    await signInAs(page, /Pharmacienne/);
    await page.getByRole('link', { name: 'Tests', exact: true }).click();
    await page.getByRole('heading', { name: 'Enregistrer un test antigénique ou un autotest supervisé' }).waitFor();

    // Nothing is sent while the form is incomplete: the problems are listed first.
    await page.getByRole('button', { name: 'Enregistrer le test' }).click();
    const summary = page.getByTestId('form-errors');
    await summary.waitFor();
    expect(await summary.textContent()).toContain('Indiquez le nom du patient.');
    expect(await summary.textContent()).toContain('Choisissez le test utilisé');
    expect(await summary.textContent()).toContain('Choisissez le résultat du test.');

    await fillPatient(page, { familyName: 'Dupont', givenName: 'Marie', birthDate: '1985-04-12', sex: 'Femme', email: 'marie.dupont@example.org' });
    await page.getByLabel('Test antigénique', { exact: true }).check();
    // The sample time defaults to now.
    expect(await page.getByLabel('Date et heure du prélèvement').inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);

    const search = page.getByRole('combobox', { name: /Test utilisé/ });
    await search.fill('panbio');
    const option = page.getByRole('option', { name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test' });
    await option.waitFor();
    expect(await search.getAttribute('aria-expanded')).toBe('true');
    await page.screenshot({ path: 'test-results/acts-test-device-search.png', fullPage: true });
    await option.click();
    expect(await search.inputValue()).toBe('Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test');
    expect(await search.getAttribute('aria-expanded')).toBe('false');
    await page.getByTestId('selected-device').getByText('Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test').waitFor();

    await page.getByLabel('Positif (détecté)').check();
    await page.getByLabel('Lieu').fill('Pharmacie de la Gare, Nantes');
    // Each error shown went away as its field was corrected.
    expect(await page.getByTestId('form-errors').count()).toBe(0);
    await page.screenshot({ path: 'test-results/acts-test-form.png', fullPage: true });
    await page.getByRole('button', { name: 'Enregistrer le test' }).click();

    const confirmation = page.getByTestId('act-recorded');
    await confirmation.getByRole('heading', { name: /Test enregistré/ }).waitFor();
    expect(await page.getByTestId('recorded-device-brand').textContent()).toBe('Abbott Rapid Diagnostics');
    expect(await page.getByTestId('recorded-device-reference').textContent()).toBe('Panbio COVID-19 Ag Rapid Test');
    const details = (await page.getByTestId('recorded-details').textContent())!;
    expect(details).toContain('DUPONT Marie');
    expect(details).toContain('Positif (détecté)');
    expect(await page.getByTestId('recorded-warnings').count()).toBe(0);
    await page.screenshot({ path: 'test-results/acts-test-recorded.png', fullPage: true });

    // Another test: the place is remembered; the combobox works with the keyboard alone.
    await page.getByRole('button', { name: 'Enregistrer un autre test' }).click();
    expect(await page.getByLabel('Lieu').inputValue()).toBe('Pharmacie de la Gare, Nantes');
    expect(await page.getByLabel('Nom', { exact: true }).inputValue()).toBe('');
    await search.fill('panbio');
    await search.press('ArrowDown');
    expect(await search.getAttribute('aria-activedescendant')).toBeTruthy();
    await search.press('Enter');
    expect(await search.inputValue()).toBe('Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test');
    // Enter chose the device, it did not submit the form.
    expect(await page.getByTestId('act-recorded').count()).toBe(0);

    // What only the server refuses is shown with its French message and the field concerned.
    await fillPatient(page, { familyName: 'Durand', givenName: 'Paul', birthDate: '1990-01-01', sex: 'Non précisé', email: 'paul..durand@example.org' });
    await page.getByLabel('Négatif (non détecté)').check();
    await page.getByRole('button', { name: 'Enregistrer le test' }).click();
    const alert = page.getByTestId('server-error');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('La requête est invalide.');
    expect(await alert.textContent()).toContain("E-mail : format d'adresse e-mail invalide");
    await page.screenshot({ path: 'test-results/acts-test-server-error.png', fullPage: true });
  });

  it('a nurse records a Comirnaty first dose', async () => {
    const page = await (await env.browser().newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' })).newPage();
    // Not a bare /Infirmier/: the profession label itself, between the dash and the IdNat_PS.
    await signInAs(page, /— Infirmier \(\d+\)$/);
    await page.getByRole('link', { name: 'Vaccinations', exact: true }).click();
    await page.getByRole('heading', { name: 'Enregistrer une vaccination' }).waitFor();

    await fillPatient(page, { familyName: 'Martin', givenName: 'Louis', birthDate: '1950-11-03', sex: 'Homme' });
    const product = page.getByLabel('Vaccin', { exact: true });
    const comirnaty = (await product.locator('option', { hasText: 'Comirnaty' }).first().textContent())!;
    await product.selectOption({ label: comirnaty });

    // A dose beyond the series is refused before sending.
    await page.getByLabel('Numéro de dose').selectOption('3');
    await page.getByLabel('Nombre total de doses du schéma').selectOption('2');
    await page.getByLabel('Numéro de lot').fill('FK1234');
    await page.getByLabel('Lieu').fill('Centre hospitalier de Démoville');
    await page.getByRole('button', { name: 'Enregistrer la vaccination' }).click();
    await page.getByTestId('form-errors').getByText(/ne peut pas dépasser le nombre total de doses/).waitFor();

    await page.getByLabel('Numéro de dose').selectOption('1');
    // The date defaults to today.
    expect(await page.getByLabel('Date de vaccination').inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await page.getByRole('button', { name: 'Enregistrer la vaccination' }).click();

    await page.getByTestId('act-recorded').getByRole('heading', { name: /Vaccination enregistrée/ }).waitFor();
    expect(await page.getByTestId('recorded-product').textContent()).toContain('Comirnaty');
    expect(await page.getByTestId('recorded-dose').textContent()).toBe('1/2');
    expect(await page.getByTestId('recorded-details').textContent()).toContain('FK1234');
    await page.screenshot({ path: 'test-results/acts-vaccination-recorded.png', fullPage: true });
  });

  it('does not offer vaccinations to a physiotherapist', async () => {
    const page = await (await env.browser().newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' })).newPage();
    await signInAs(page, /Masseur-kinésithérapeute/i);
    await page.getByRole('link', { name: 'Tests', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Vaccinations', exact: true }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Enregistrer une vaccination' }).count()).toBe(0);
    await page.screenshot({ path: 'test-results/acts-physio-home.png', fullPage: true });
    await page.goto(`${env.system().url}/vaccinations`);
    await page.getByText(/non autorisé pour votre profession/).waitFor();
  });
});
