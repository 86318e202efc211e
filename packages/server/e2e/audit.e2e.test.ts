import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { callApi, screenshotsOnFailure, seriousViolations, signInAs, useSystemAndBrowser } from './harness.js';

/**
 * Issue 15, item 4, as an operator uses it: a Bordeaux pharmacist records tests through the
 * API; the DGS operator opens /journal from the menu, searches by her IdNat_PS, sees her
 * tests.record entries and no patient data, follows to the next page with a page size of 10,
 * downloads the CSV; then, on /cles-api, creates an API key, copies it from the page, reads the
 * KPIs of codes with it (200), revokes it, and the same reading is refused (401).
 */
const env = useSystemAndBrowser();
const contexts: BrowserContext[] = [];
afterAll(async () => {
  for (const context of contexts) await context.close();
});

const CLAIRE = '899700100009';
const DGS = '899700100012';
const TESTS = 11;
const parisDay = (instant: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(instant);
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

async function person(label: RegExp): Promise<Page> {
  const context = await env.browser().newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true });
  contexts.push(context);
  // The key is copied with the page's button, then read back from the clipboard.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.system().url });
  const page = await context.newPage();
  await signInAs(page, env.system().url, label);
  return page;
}

const api = (page: Page, method: 'GET' | 'POST', path: string, data?: unknown) => callApi(page, env.system().url, method, path, data);



describe('the audit search and the API keys, as an operator uses them', () => {
  it('finds a pharmacist’s tests without their patients, pages, exports; a key created, used, revoked', { timeout: 240_000 }, () =>
    screenshotsOnFailure('audit', () => contexts.flatMap((c) => c.pages()), async () => {
      const claire = await person(/Claire DEMO-PHARMACIEN-BORDEAUX/);
      const dgs = await person(/Agnès DEMO-DGS/);

      // Claire records tests through the API; what identifies the patients must never reach the journal.
      const patients = Array.from({ length: TESTS }, (_, i) => ({ familyName: `JOURNALPATIENT${String.fromCharCode(65 + i)}`, givenName: 'Séverine', birthDate: `1961-04-${String(10 + i)}`, sex: 'F' }));
      const recorded: Array<{ id: string; retrievalCode: string }> = [];
      for (const [i, patient] of patients.entries()) {
        const answer = await api(claire, 'POST', '/api/tests', {
          patient,
          testType: 'antigen',
          sampledAt: new Date(Date.now() - 3_600_000).toISOString(),
          result: i % 2 ? 'detected' : 'not-detected',
          deviceId: '1232',
          place: 'Pharmacie des Quais, Bordeaux',
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(201);
        recorded.push(answer.body as { id: string; retrievalCode: string });
      }

      // The operator opens the journal from the menu: the consultation is said to be audited.
      await dgs.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: "Journal d'audit" }).click();
      await dgs.getByRole('heading', { name: "Journal d'audit", level: 1 }).waitFor();
      expect(await dgs.getByTestId('audit-notice').textContent()).toContain('Votre consultation est enregistrée dans le journal');
      await dgs.getByTestId('audit-results').waitFor();

      // A malformed IdNat_PS is said on the page, and not sent.
      const filters = dgs.getByTestId('audit-filters');
      await filters.getByLabel('IdNat_PS du professionnel').fill('12345');
      await filters.getByRole('button', { name: 'Rechercher' }).click();
      await dgs.locator('#audit-actor-error').getByText(/^IdNat_PS invalide/).waitFor();
      expect(new URL(dgs.url()).search).toBe('');

      // Claire's tests, 10 a page.
      await filters.getByLabel('IdNat_PS du professionnel').fill(CLAIRE);
      await filters.getByLabel('Action').fill('tests.record');
      await filters.getByLabel('Lignes par page').selectOption('10');
      await filters.getByRole('button', { name: 'Rechercher' }).click();
      await expect.poll(() => new URL(dgs.url()).search).toBe(`?actor=${CLAIRE}&action=tests.record&limit=10`);
      const entries = dgs.getByTestId('audit-table').getByTestId('audit-entry');
      await expect.poll(() => entries.count()).toBe(10);
      const first = entries.first();
      expect(await first.getAttribute('data-action')).toBe('tests.record');
      const cells = await first.locator('th, td').allTextContents();
      expect(cells[1]).toBe(`Claire DEMO-PHARMACIEN-BORDEAUX${CLAIRE}`);
      expect(cells[2]).toBe("tests.recordEnregistrement d'un test");
      expect(cells[3]).toBe('Réussite');
      expect(cells[4]).toBe(`Résultat de test${recorded.at(-1)!.id}`);
      expect(cells[5]).toBe('type de test : antigénique');
      expect(cells[0]).toMatch(/^\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/);
      // No patient data anywhere on the page: names, birth dates, results, retrieval codes.
      const text = (await dgs.locator('main').textContent())!;
      for (const value of [...patients.flatMap((p) => [p.familyName, p.birthDate]), 'Séverine', 'detected', 'Positif', 'Négatif', ...recorded.map((r) => r.retrievalCode)]) {
        expect(text, value).not.toContain(value);
      }
      await dgs.screenshot({ path: 'test-results/audit-first-page.png', fullPage: true });
      expect(await seriousViolations(dgs)).toEqual([]);

      // The next page (keyset cursor): the oldest one, then back to the first.
      await dgs.getByRole('link', { name: 'Page suivante' }).click();
      await expect.poll(() => new URL(dgs.url()).searchParams.get('before')).toMatch(/^\d+$/);
      await expect.poll(() => dgs.getByTestId('audit-summary').textContent()).toMatch(/1 entrée sur cette page suivante/);
      expect(await entries.count()).toBe(1);
      expect((await entries.first().locator('td').nth(3).textContent())!.endsWith(recorded[0]!.id)).toBe(true);
      expect(await dgs.getByRole('link', { name: 'Page suivante' }).count()).toBe(0);

      // The CSV: every matching entry, not only this page.
      const [download] = await Promise.all([dgs.waitForEvent('download'), dgs.getByRole('link', { name: 'Télécharger le CSV' }).click()]);
      expect(download.suggestedFilename()).toBe('journal-audit.csv');
      const lines = (await readFile(await download.path())).toString('utf8').trimEnd().split('\r\n');
      expect(lines[0]!.split(/[,;]/).slice(0, 6)).toEqual(['id', 'horodatage', 'type_acteur', 'idnat_ps', 'acteur', 'action']);
      expect(lines).toHaveLength(TESTS + 1);
      for (const [i, test] of [...recorded].reverse().entries()) expect(lines[i + 1], test.id).toContain(test.id);
      for (const patient of patients) expect(lines.join('\n')).not.toContain(patient.familyName);
      await expect.poll(() => dgs.getByTestId('audit-export-status').textContent()).toBe(`journal-audit.csv téléchargé : ${TESTS} entrées.`);

      await dgs.getByRole('link', { name: 'Revenir à la première page' }).click();
      await expect.poll(() => new URL(dgs.url()).search).toBe(`?actor=${CLAIRE}&action=tests.record&limit=10`);
      await expect.poll(() => entries.count()).toBe(10);

      // Each search, page and export was itself audited, under the operator's name.
      const own = await api(dgs, 'GET', `/api/audit?actor=${DGS}&action=audit.*&limit=500`);
      const actions = (own.body as { entries: Array<{ action: string; details: Record<string, unknown> }> }).entries;
      expect(actions.filter((e) => e.action === 'audit.search' && e.details.actor === CLAIRE).map((e) => e.details.page)).toEqual(['first', 'next', 'first']);
      expect(actions.filter((e) => e.action === 'audit.export').map((e) => e.details)).toEqual([expect.objectContaining({ actor: CLAIRE, lines: TESTS, truncated: false })]);

      // An API key: created on /cles-api, copied from the page.
      await dgs.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: "Clés d'API" }).click();
      await dgs.getByRole('heading', { name: "Clés d'API", level: 1 }).waitFor();
      expect(await dgs.getByTestId('keys-curl').textContent()).toContain(`"${env.system().url}/api/kpi/v1/codes?fromDate=`);
      const label = `Tableau de bord e2e ${Date.now()}`;
      await dgs.getByLabel('Libellé').fill(label);
      await dgs.getByRole('button', { name: 'Créer la clé' }).click();
      const panel = dgs.getByTestId('new-key');
      await panel.waitFor();
      expect(await panel.getByTestId('new-key-warning').textContent()).toContain('elle ne sera plus jamais affichée');
      await panel.getByRole('button', { name: 'Copier la clé' }).click();
      await expect.poll(() => panel.getByTestId('new-key-copy').textContent()).toBe('Clé copiée dans le presse-papiers.');
      const apiKey = await dgs.evaluate(() => navigator.clipboard.readText());
      expect(apiKey).toMatch(/^opk_[A-Za-z0-9_-]{43}$/);
      expect(await panel.getByTestId('new-key-value').textContent()).toBe(apiKey);
      const row = dgs.getByTestId('key-row').filter({ hasText: label });
      await expect.poll(() => row.locator('td').nth(2).textContent()).toBe('Active');
      expect(await row.locator('td').first().textContent()).toBe('Nationale');
      expect(await seriousViolations(dgs)).toEqual([]);
      await dgs.screenshot({ path: 'test-results/audit-api-key.png', fullPage: true });

      // A machine reads the KPIs with it.
      const today = parisDay(new Date());
      const kpis = () => fetch(`${env.system().url}/api/kpi/v1/codes?fromDate=${addDays(today, -6)}&toDate=${today}`, { headers: { authorization: `Bearer ${apiKey}` } });
      const read = await kpis();
      expect(read.status).toBe(200);
      const days = (await read.json()) as Array<{ date: string }>;
      expect(days.map((d) => d.date)).toContain(today);

      // Hidden once copied; then revoked, after a confirmation: the machine is refused.
      await panel.getByRole('button', { name: "J'ai copié la clé : la masquer" }).click();
      expect(await dgs.getByTestId('new-key').count()).toBe(0);
      expect(await dgs.locator('main').textContent()).not.toContain(apiKey);
      dgs.once('dialog', (dialog) => void dialog.accept());
      await row.getByRole('button', { name: `Révoquer la clé « ${label} »` }).click();
      await expect.poll(() => dgs.getByTestId('keys-notice').textContent()).toBe(`Clé « ${label} » révoquée.`);
      await expect.poll(() => row.locator('td').nth(2).textContent()).toMatch(/^Révoquée le \d\d\/\d\d\/\d{4} \d\d:\d\d$/);
      const refused = await kpis();
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('OPERATOR_KEY_INVALID');
    }),
  );
});
