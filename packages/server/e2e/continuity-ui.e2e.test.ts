import { mkdirSync, readFileSync } from 'node:fs';
import * as OTPAuth from 'otpauth';
import { PDFDocument } from 'pdf-lib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signInAs, startSystem, type RunningSystem } from './harness.js';

/**
 * Issue 5, the operator's and the professional's screens: declaring and closing an incident,
 * enrolling and using the second sign-in channel while PSC is down, and checking a
 * provisional attestation on the verifier page.
 */
const GP = '899700100001';
const PASSWORD = 'cheval-agrafe-pile-2021';
let system: RunningSystem;
let browser: Browser;

beforeAll(async () => {
  // The GP is also an authority operator here.
  system = await startSystem({ OPERATOR_ID_NAT_PS: GP });
  browser = await launchChromium();
  mkdirSync('test-results', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/continuity-ui-${name}.png`, fullPage: true });

/** The authenticator app: the code `offsetSteps` 30-second steps from now. */
function totpCode(secret: string, offsetSteps = 0): string {
  const totp = new OTPAuth.TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });
  return totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

async function download(page: Page, testId: string): Promise<Buffer> {
  const saved = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  return readFileSync(await (await saved).path());
}

/** The same attestation with another patient name, its signature kept: a forgery. */
function tamper(text: string): string {
  const [header, payload, signature] = text.slice('PSCV1:'.length).split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  claims.pt.fn = 'Faussaire';
  return `PSCV1:${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

/** On failure, every open page is kept as a screenshot, to see what the browser showed. */
async function screenshotsOnFailure(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const pages = browser.contexts().flatMap((context) => context.pages());
    for (const [index, page] of pages.entries()) await shot(page, `failure-${index}`).catch(() => undefined);
    throw error;
  }
}

describe('incidents, second sign-in channel and verifier, in a real browser', () => {
  it('a GP enrolls the fallback account, signs in with it during a declared PSC incident, and a verifier checks the provisional attestation', () => screenshotsOnFailure(async () => {
    const context: BrowserContext = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await signInAs(page, system.url, /Médecin généraliste/);
    // No incident: no banner.
    expect(await page.getByTestId('incident-banner').textContent()).toBe('');

    // 1. Enrollment of the second channel, from the PSC session.
    await page.getByRole('link', { name: 'Accès de secours', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Mon accès de secours' }).waitFor();
    await page.getByTestId('fallback-status').getByText("Vous n'avez pas encore d'accès de secours.").waitFor();
    await shot(page, '01-account-empty');
    await page.getByRole('button', { name: 'Créer mon accès de secours' }).click();
    const secretText = (await page.getByTestId('fallback-secret').textContent())!;
    const secret = secretText.replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByRole('img', { name: "QR code à scanner avec l'application d'authentification" }).waitFor();
    await shot(page, '02-account-enrollment');

    // A too-short password is refused on the page itself.
    await page.getByLabel('Mot de passe de secours').fill('court');
    await page.getByLabel('Confirmez le mot de passe').fill('court');
    await page.getByLabel("Code à 6 chiffres affiché par l'application").fill(totpCode(secret));
    await page.getByRole('button', { name: "Activer l'accès de secours" }).click();
    await page.getByRole('alert').getByText('Le mot de passe doit comporter au moins 12 caractères.').waitFor();

    await page.getByLabel('Mot de passe de secours').fill(PASSWORD);
    await page.getByLabel('Confirmez le mot de passe').fill(PASSWORD);
    await page.getByLabel("Code à 6 chiffres affiché par l'application").fill(totpCode(secret));
    await page.getByRole('button', { name: "Activer l'accès de secours" }).click();
    await page.getByText('Votre accès de secours est activé.', { exact: false }).waitFor();
    await page.getByTestId('fallback-status').getByText('Accès de secours actif').waitFor();
    expect(await page.getByTestId('fallback-status').textContent()).toContain('Jamais utilisé');
    expect(await page.getByTestId('fallback-secret').count()).toBe(0);
    await shot(page, '03-account-enrolled');

    // 2. The GP, as operator, declares a PSC incident.
    await page.getByRole('link', { name: 'Incidents', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Incidents' }).waitFor();
    await page.getByText('Aucun incident enregistré.').waitFor();
    // Nothing chosen: the form says so in French.
    await page.getByRole('button', { name: "Déclarer l'incident" }).click();
    await page.getByTestId('form-errors').getByText('Choisissez le service concerné.').waitFor();
    await shot(page, '04-incidents-form-errors');
    await page.getByLabel('Service concerné').selectOption({ label: 'Pro Santé Connect' });
    await page.getByLabel(/Validité des attestations provisoires de test/).fill('12');
    await page.getByLabel(/Message affiché/).fill('Pro Santé Connect ne répond plus depuis ce matin.');
    await page.getByRole('button', { name: "Déclarer l'incident" }).click();
    await page.getByRole('status').getByText(/^Incident déclaré : Pro Santé Connect, depuis le /).waitFor();
    const history = page.getByTestId('incident-history');
    const row = history.locator('tbody tr').first();
    await row.getByText('En cours').waitFor();
    expect(await row.textContent()).toContain('Pro Santé Connect');
    expect(await row.textContent()).toContain('12 h');
    expect(await history.locator('tbody tr').count()).toBe(1);
    const banner = page.getByTestId('incident-banner');
    await banner.getByText('Incident en cours').waitFor();
    expect(await banner.textContent()).toContain('Pro Santé Connect indisponible');
    expect(await banner.textContent()).toContain('connexion de secours');
    await shot(page, '05-incident-declared');

    // 3. The GP signs out and comes back through the second channel.
    await page.getByRole('link', { name: 'Accueil', exact: true }).click();
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).waitFor();
    await page.getByTestId('incident-banner').getByText('Incident en cours').waitFor();
    await shot(page, '06-signed-out');
    await page.getByRole('link', { name: 'utilisez la connexion de secours' }).click();
    await page.waitForURL(/\/connexion-secours/);
    await page.getByRole('heading', { level: 1, name: 'Connexion de secours' }).waitFor();
    await page.getByLabel('Identifiant national (RPPS ou ADELI)').waitFor();
    await shot(page, '07-fallback-sign-in');

    // A wrong password is refused with one French message for all failures.
    await page.getByLabel('Identifiant national (RPPS ou ADELI)').fill(GP);
    await page.getByLabel('Mot de passe de secours').fill('pas-le-bon-mot-de-passe');
    await page.getByLabel("Code à 6 chiffres de l'application d'authentification").fill(totpCode(secret, 1));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('alert').getByText('Identifiant, mot de passe ou code à 6 chiffres incorrect.').waitFor();
    await shot(page, '08-fallback-wrong-password');

    // The code used at enrollment was spent: the next step's code (accepted within ±1 step) signs in.
    await page.getByLabel('Mot de passe de secours').fill(PASSWORD);
    await page.getByLabel("Code à 6 chiffres de l'application d'authentification").fill(totpCode(secret, 1));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${system.url}/`);
    await page.getByTestId('rights').waitFor();
    expect(await page.getByTestId('id-nat-ps').textContent()).toBe(GP);
    expect(await page.locator('[data-right="tests:record"]').getAttribute('data-allowed')).toBe('true');
    await shot(page, '09-signed-in-fallback');

    // From this session, the fallback account cannot be changed.
    await page.getByRole('link', { name: 'Accès de secours', exact: true }).click();
    await page.getByText('Vous êtes connecté(e) par la connexion de secours', { exact: false }).waitFor();
    expect(await page.getByRole('button', { name: 'Remplacer mon accès de secours' }).count()).toBe(0);
    expect(await page.getByTestId('fallback-status').textContent()).not.toContain('Jamais utilisé');
    await shot(page, '10-account-from-fallback');

    // 4. A test during the incident, and its provisional attestation.
    await page.getByRole('link', { name: 'Tests', exact: true }).click();
    await page.getByLabel('Nom', { exact: true }).fill('Lambert');
    await page.getByLabel('Prénom', { exact: true }).fill('Jeanne');
    await page.getByLabel('Date de naissance').fill('1979-09-21');
    await page.getByLabel('Femme', { exact: true }).check();
    await page.getByLabel('Test antigénique', { exact: true }).check();
    await page.getByRole('combobox', { name: /Test utilisé/ }).fill('panbio');
    await page.getByRole('option', { name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test' }).click();
    await page.getByLabel('Négatif (non détecté)').check();
    await page.getByLabel('Lieu').fill('Cabinet médical, Quimper');
    await page.getByRole('button', { name: 'Enregistrer le test' }).click();
    await page.getByTestId('act-recorded').waitFor();
    await page.getByTestId('send-status').and(page.locator('[data-status="sent"]')).waitFor({ timeout: 20_000 });
    await shot(page, '11-test-recorded');
    const pdf = await download(page, 'print-provisional');
    const signedText = (await PDFDocument.load(pdf)).getKeywords()!;
    expect(signedText).toMatch(/^PSCV1:/);

    // 5. A verifier, in another browser profile, checks it: valid, then a forged copy: refused.
    const verifierContext = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    const verifier = await verifierContext.newPage();
    await verifier.goto(`${system.url}/verifier`);
    await verifier.getByTestId('trust-list-status').getByText(/liste des clés des professionnels enregistrée le/).waitFor();
    const field = verifier.getByRole('textbox', { name: /Contenu du QR code/ });
    await field.fill(signedText);
    await verifier.getByRole('button', { name: 'Vérifier' }).click();
    const result = verifier.getByTestId('provisional-verification');
    await result.getByRole('heading', { name: 'Attestation provisoire valide' }).waitFor();
    expect(await result.locator('.verdict').getAttribute('class')).toContain('verdict-valid');
    const holder = (await verifier.getByTestId('provisional-holder').textContent())!;
    expect(holder).toContain('Jeanne Lambert');
    expect(holder).toContain(GP);
    expect(await verifier.getByTestId('provisional-mode').textContent()).toBe('Vérifiée en ligne auprès du serveur.');
    await shot(verifier, '12-verifier-valid');

    await field.fill(tamper(signedText));
    await verifier.getByRole('button', { name: 'Vérifier' }).click();
    await result.getByRole('heading', { name: 'Attestation provisoire refusée' }).waitFor();
    expect(await result.locator('.verdict').getAttribute('class')).toContain('verdict-invalid');
    expect(await verifier.getByTestId('provisional-message').textContent()).toBe(
      'La signature de cette attestation est invalide : son contenu a été modifié ou elle est contrefaite.',
    );
    await shot(verifier, '13-verifier-forged');

    // 6. PSC is back: the operator closes the incident. A sign-in page opened before still
    // shows the form; submitting it is refused, and the page then says the channel is closed.
    const lateTab = await (await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' })).newPage();
    await lateTab.goto(`${system.url}/connexion-secours`);
    await lateTab.getByLabel('Identifiant national (RPPS ou ADELI)').waitFor();

    await page.getByRole('link', { name: 'Incidents', exact: true }).click();
    await row.getByText('En cours').waitFor();
    await row.getByRole('button', { name: 'Clore maintenant' }).click();
    await page.getByRole('status').getByText('Incident clos : Pro Santé Connect.').waitFor();
    expect(dialogs.at(-1)).toMatch(/^Clore maintenant l'incident « Pro Santé Connect » ouvert le /);
    // The history is read again after the close.
    await expect.poll(async () => row.getByText('En cours').count()).toBe(0);
    expect(await row.getByRole('button', { name: 'Clore maintenant' }).count()).toBe(0);
    await expect.poll(async () => (await page.getByTestId('incident-banner').textContent()) ?? '', { timeout: 10_000 }).toBe('');
    await shot(page, '14-incident-closed');

    await lateTab.getByLabel('Identifiant national (RPPS ou ADELI)').fill(GP);
    await lateTab.getByLabel('Mot de passe de secours').fill(PASSWORD);
    await lateTab.getByLabel("Code à 6 chiffres de l'application d'authentification").fill(totpCode(secret, 1));
    await lateTab.getByRole('button', { name: 'Se connecter' }).click();
    await lateTab
      .getByRole('alert')
      .getByText("La connexion de secours n'est ouverte que pendant un incident Pro Santé Connect déclaré.", { exact: false })
      .waitFor();
    // The page knows now: no more form, and the banner no longer says PSC is down.
    await lateTab.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).waitFor();
    expect(await lateTab.getByLabel('Identifiant national (RPPS ou ADELI)').count()).toBe(0);
    await expect.poll(async () => (await lateTab.getByTestId('incident-banner').textContent()) ?? '').toBe('');
    await shot(lateTab, '15-fallback-refused');

    await lateTab.reload();
    await lateTab.getByText("La connexion de secours est fermée : aucun incident Pro Santé Connect n'est en cours.").waitFor();
    expect(await lateTab.getByLabel('Identifiant national (RPPS ou ADELI)').count()).toBe(0);
    await shot(lateTab, '16-fallback-closed');

    // After the incident, the same attestation is still valid for its 12 hours: the test was made during the outage.
    await field.fill(signedText);
    await verifier.getByRole('button', { name: 'Vérifier' }).click();
    await result.getByRole('heading', { name: 'Attestation provisoire valide' }).waitFor();
    expect(await result.textContent()).toContain("jusqu'au");

    await verifierContext.close();
    await context.close();
  }));
});
