import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotsOnFailure, signInAs, startSystem, type RunningSystem } from './harness.js';

/**
 * Issue 14, as people use it: the DGS operator writes and publishes an action message to the
 * pharmacists of Nouvelle-Aquitaine; a pharmacist working in Bordeaux sees the banner and
 * acknowledges it; a pharmacist in Lyon and a nurse in Bordeaux do not see it; the follow-up
 * counts one acknowledgement; the local mail catcher holds the e-mail. The system runs as
 * `npm start` does: the sandbox's default operators, and the catcher in place of a relay.
 */
let system: RunningSystem;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  system = await startSystem();
  browser = await launchChromium();
  mkdirSync('test-results', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function person(label: RegExp): Promise<Page> {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  contexts.push(context);
  const page = await context.newPage();
  await signInAs(page, system.url, label);
  return page;
}


describe('an urgent message, from the DGS to the pharmacists of Nouvelle-Aquitaine', () => {
  it('is written, published, seen, acknowledged, followed up and e-mailed', { timeout: 180_000 }, () =>
    screenshotsOnFailure('messages', () => contexts.flatMap((c) => c.pages()), async () => {
      // Each professional's sign-in records where they work.
      const bordeauxPharmacist = await person(/Claire DEMO-PHARMACIEN-BORDEAUX/);
      const lyonPharmacist = await person(/Louis DEMO-PHARMACIEN-LYON/);
      const bordeauxNurse = await person(/Paul DEMO-INFIRMIER/);
      const dgs = await person(/Agnès DEMO-DGS/);

      // The operator writes it.
      await dgs.getByRole('link', { name: 'Messages urgents (rédaction)' }).click();
      await dgs.getByRole('heading', { name: 'Rédiger un message urgent', level: 1 }).waitFor();
      const title = 'Rupture de tests antigéniques : conduite à tenir';
      await dgs.getByLabel('Titre').fill(title);
      await dgs.getByLabel('Prioritaire').check();
      await dgs.getByLabel('Pour action').check();
      await dgs.getByLabel('Professions choisies').check();
      await dgs.getByRole('checkbox', { name: 'Pharmacien', exact: true }).check();
      await dgs.getByLabel('Régions et départements').check();
      await dgs.getByRole('checkbox', { name: 'Nouvelle-Aquitaine (toute la région)' }).check();
      await dgs.getByLabel('Texte').fill('Mesdames, Messieurs,\n\n- **orientez** les patients vers les laboratoires ;\n- signalez les ruptures à votre ARS.');
      await dgs.getByRole('button', { name: 'Aperçu' }).click();
      await expect.poll(() => dgs.getByTestId('preview-reach').textContent()).toMatch(/^1 professionnel atteint, dont 1 avec une adresse électronique/);
      await expect.poll(() => dgs.getByTestId('preview-body').innerHTML()).toContain('<strong>orientez</strong>');

      await dgs.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
      await dgs.getByTestId('message-state').getByText('Brouillon sans numéro').waitFor();
      dgs.once('dialog', (dialog) => void dialog.accept());
      await dgs.getByRole('button', { name: 'Publier', exact: true }).click();
      const state = dgs.getByTestId('message-state');
      await expect.poll(() => state.locator('h2').textContent(), { timeout: 15_000 }).toMatch(/^DGS-URGENT N°\d{4}_01 — Publié$/);
      const reference = (await state.locator('h2').textContent())!.split(' — ')[0]!;
      const messageId = new URL(dgs.url()).searchParams.get('message')!;
      expect(messageId).toMatch(/^[0-9a-f-]{36}$/);

      // The Bordeaux pharmacist: the banner on every page, until acknowledged.
      await bordeauxPharmacist.reload();
      const banner = bordeauxPharmacist.getByTestId('message-banner');
      await expect.poll(() => banner.textContent(), { timeout: 15_000 }).toContain(`Message urgent pour action : ${reference} — ${title}`);
      await expect.poll(() => bordeauxPharmacist.getByTestId('inbox-link').getAttribute('aria-label').then(async (label) => label ?? (await bordeauxPharmacist.getByTestId('inbox-link').textContent()))).toMatch(/Messages\s*urgents,?\s*1\s*non lu/);
      await banner.getByRole('link', { name: /Lire et confirmer/ }).click();
      const message = bordeauxPharmacist.getByTestId('inbox-message');
      await message.getByRole('heading', { name: title }).waitFor();
      expect(await message.getByTestId('message-reference').textContent()).toContain(reference);
      await message.getByRole('button', { name: "J'ai pris connaissance" }).click();
      await message.getByTestId('acknowledged').waitFor();
      await bordeauxPharmacist.goto(`${system.url}/`);
      await bordeauxPharmacist.getByTestId('rights').waitFor();
      await expect.poll(() => bordeauxPharmacist.getByTestId('message-banner').textContent()).toBe('');

      // Neither the Lyon pharmacist nor the Bordeaux nurse.
      for (const other of [lyonPharmacist, bordeauxNurse]) {
        await other.goto(`${system.url}/messages`);
        await other.getByTestId('inbox-empty').waitFor();
        expect(await other.getByTestId('message-banner').textContent()).toBe('');
      }

      // The follow-up counts one acknowledgement.
      await dgs.goto(`${system.url}/messages-urgents/suivi?message=${messageId}`);
      const totals = dgs.getByTestId('follow-up-professions').locator('tfoot tr');
      await expect.poll(() => totals.locator('td').allTextContents(), { timeout: 15_000 }).toEqual(['1', '1', '1', '0', '0', '1', '1']);
      await dgs.getByTestId('follow-up-chart').waitFor();

      // The catcher holds the e-mail, and its page shows it.
      const mails = async () => (await (await fetch(`${system.mailUrl}api/mails`)).json()) as { mails: Array<{ to: string[]; subject: string; text: string }> };
      await expect.poll(async () => (await mails()).mails.filter((m) => m.subject === `${reference} : ${title}`).map((m) => m.to), { timeout: 15_000 }).toEqual([
        ['claire.demo-pharmacien@pharmacie-des-quais.example'],
      ]);
      const catcherPage = await contexts[0]!.newPage();
      await catcherPage.goto(system.mailUrl);
      await catcherPage.getByRole('heading', { name: `${reference} : ${title}` }).waitFor();

      // The public page and its feed publish it.
      await lyonPharmacist.goto(`${system.url}/dgs-urgent`);
      await lyonPharmacist.getByText(title).first().waitFor();
      const feed = await (await fetch(`${system.url}/dgs-urgent.atom`)).text();
      expect(feed).toContain(`${reference} — ${title}`);
    }),
  );
});
