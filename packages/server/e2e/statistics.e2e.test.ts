import { readFile } from 'node:fs/promises';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { callApi, screenshotsOnFailure, seriousViolations, signInAs, useSystemAndBrowser } from './harness.js';

/**
 * Issue 15, the statistics page as an operator uses it: a week seeded through the real APIs
 * (a Bordeaux pharmacist's antigen tests on three past days, some of them entered late after a
 * Pro Santé Connect outage; a Lyon pharmacist's on one day; the outage declared afterwards by
 * the DGS), the rollup rebuilt every second; the DGS operator opens /statistiques, sees the
 * week's series with the incident shaded, changes the department, downloads the CSV.
 */
const env = useSystemAndBrowser({ STATS_REFRESH_SECONDS: '1' });
const contexts: BrowserContext[] = [];
afterAll(async () => {
  for (const context of contexts) await context.close();
});

const parisDay = (instant: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(instant);
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
/** 2026-03-10 → 10/03/2026, as the page writes days. */
const frenchDay = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;

async function person(label: RegExp): Promise<Page> {
  const context = await env.browser().newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  await signInAs(page, env.system().url, label);
  return page;
}

const api = (page: Page, method: 'GET' | 'POST', path: string, data?: unknown) => callApi(page, env.system().url, method, path, data);

/** `count` antigen tests sampled on `day` (10:00 or 11:00 Paris), `positives` of them positive; `late`: saved in the outbox then, sent now. */
async function recordTests(page: Page, place: string, day: string, count: number, positives: number, late = false): Promise<void> {
  for (let i = 0; i < count; i++) {
    const sampledAt = `${day}T09:00:00.000Z`;
    const answer = await api(page, 'POST', '/api/tests', {
      patient: { familyName: `Statistique${String.fromCharCode(65 + (i % 26))}`, givenName: 'Camille', birthDate: `19${50 + i}-0${1 + (i % 9)}-15`, sex: i % 2 ? 'F' : 'M' },
      testType: 'antigen',
      sampledAt,
      result: i < positives ? 'detected' : 'not-detected',
      deviceId: '1232',
      place,
      ...(late ? { capturedAt: sampledAt } : {}),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  }
}

/** A table's rows as the text of their cells, header row first (folded tables included). */
const rowsOf = (table: Locator) => table.evaluate((element) => [...(element as HTMLTableElement).rows].map((row) => [...row.cells].map((cell) => cell.textContent ?? '')));

/** The cells of the tests table for `days`: [tests, antigen, positives, positivity, incident] each. */
async function testFigures(page: Page, days: string[]): Promise<string[][]> {
  const rows = await rowsOf(page.getByTestId('statistiques-tests'));
  const header = rows[0]!;
  const columns = ['Tests, tous types', 'Tests, test antigénique', 'Tests positifs, tous types', 'Taux de positivité (%)', 'Incident'].map((name) => header.indexOf(name));
  expect(columns.every((index) => index > 0), header.join(' | ')).toBe(true);
  return days.map((day) => {
    const row = rows.find((cells) => cells[0] === frenchDay(day));
    return row ? columns.map((index) => row[index]!) : [];
  });
}

/** The figures are rebuilt every second: the page's address is loaded again until they are there. */
async function waitForFigures(page: Page, days: string[], expected: string[][]): Promise<void> {
  await expect
    .poll(
      async () => {
        await page.reload();
        await page.getByTestId('statistics-view').waitFor();
        if ((await page.getByTestId('statistiques-tests').count()) === 0) return 'no figures yet';
        return testFigures(page, days);
      },
      { timeout: 30_000, interval: 500 },
    )
    .toEqual(expected);
}


describe('the statistics page', () => {
  it('shows an operator the seeded week with the incident shaded, by department, and as CSV', { timeout: 240_000 }, () =>
    screenshotsOnFailure('statistics', () => contexts.flatMap((c) => c.pages()), async () => {
      const today = parisDay(new Date());
      const [dayA, dayB, dayC] = [addDays(today, -5), addDays(today, -4), addDays(today, -3)];

      // The week, through the real APIs. Each professional's sign-in records where they work.
      const bordeaux = await person(/Claire DEMO-PHARMACIEN-BORDEAUX/);
      const lyon = await person(/Louis DEMO-PHARMACIEN-LYON/);
      const dgs = await person(/Agnès DEMO-DGS/);
      await recordTests(bordeaux, 'Pharmacie des Quais, Bordeaux', dayA, 12, 0);
      // Day B: Pro Santé Connect was down; the tests were kept in the outbox and sent now.
      await recordTests(bordeaux, 'Pharmacie des Quais, Bordeaux', dayB, 15, 11, true);
      await recordTests(bordeaux, 'Pharmacie des Quais, Bordeaux', dayC, 3, 1);
      // A second small day, so that day C is not the only count hidden in the week's total.
      await recordTests(bordeaux, 'Pharmacie des Quais, Bordeaux', addDays(today, -2), 2, 1);
      await recordTests(lyon, 'Pharmacie Bellecour, Lyon', dayA, 13, 13);
      const incident = await api(dgs, 'POST', '/api/incidents', { component: 'psc', startedAt: `${dayB}T07:00:00.000Z`, endedAt: `${dayB}T16:00:00.000Z` });
      expect(incident.status, JSON.stringify(incident.body)).toBe(201);

      // The operator opens the page from the menu, and the last 7 days.
      await dgs.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Statistiques' }).click();
      await dgs.getByRole('heading', { name: 'Statistiques', level: 1 }).waitFor();
      await dgs.getByTestId('statistics-view').waitFor();
      await dgs.getByRole('button', { name: '7 derniers jours' }).click();
      await expect.poll(() => new URL(dgs.url()).search).toBe(`?from=${addDays(today, -6)}&to=${today}`);
      await dgs.getByTestId('statistics-view').waitFor();
      expect(await dgs.getByTestId('view-period').textContent()).toBe(`du ${frenchDay(addDays(today, -6))} au ${frenchDay(today)} (7 jours)`);
      expect(await dgs.getByTestId('view-zone').textContent()).toBe('France entière');

      // France: both pharmacies. Day C's 3 tests are under the threshold: "masqué", and no rate.
      const psc = 'Pro Santé Connect indisponible';
      const week = [dayA, dayB, dayC];
      await waitForFigures(dgs, week, [
        ['25', '25', '13', '52,0', ''],
        ['15', '15', '11', '73,3', psc],
        ['masqué', 'masqué', 'masqué', '—', ''],
      ]);
      // The table behind the chart, opened from its summary.
      const testsSection = dgs.getByTestId('section-tests');
      await testsSection.getByText('Tableau des données (7 jours)').click();
      expect(await testsSection.getByTestId('statistiques-tests').isVisible()).toBe(true);
      expect((await rowsOf(dgs.getByTestId('statistiques-tests'))).map((row) => row[0])).toEqual(['Jour', ...[6, 5, 4, 3, 2, 1, 0].map((n) => frenchDay(addDays(today, -n)))]);

      // The incident: listed, and shaded on the chart with its name (ECharts' markArea, drawn as SVG).
      expect(await dgs.getByTestId('statistics-incidents').textContent()).toContain(`${psc}, du ${frenchDay(dayB)}`);
      const chart = dgs.getByTestId('statistiques-tests-chart');
      await chart.locator('svg').waitFor();
      await expect.poll(() => chart.locator('svg text', { hasText: psc }).count()).toBeGreaterThan(0);
      expect(await chart.getAttribute('aria-label')).toContain(`Zones grisées : ${psc}, du ${frenchDay(dayB)}`);
      // Every chart by day shades it.
      for (const group of ['vaccinations', 'codes', 'declarations', 'robert', 'late']) {
        await expect.poll(() => dgs.getByTestId(`statistiques-${group}-chart`).locator('svg text', { hasText: psc }).count(), { message: group }).toBeGreaterThan(0);
      }
      expect(await dgs.getByTestId('note-robert').textContent()).toContain('nationaux');
      // The 15 tests entered late, more than 3 days after they were made.
      const delays = await rowsOf(dgs.getByTestId('statistiques-delais'));
      expect(delays.find((row) => row[0] === 'plus de 3 jours')).toEqual(['plus de 3 jours', '15', '0']);
      await dgs.screenshot({ path: 'test-results/statistics-france.png', fullPage: true });
      // With its figures, charts and an open table: no serious accessibility violation.
      expect(await seriousViolations(dgs)).toEqual([]);

      // Gironde only, then Rhône only: the figures follow the department, the address too.
      const filters = dgs.getByTestId('statistics-filters');
      await filters.getByRole('checkbox', { name: 'Gironde (33)' }).check();
      await filters.getByRole('button', { name: 'Afficher' }).click();
      await expect.poll(() => new URL(dgs.url()).searchParams.get('departments')).toBe('33');
      await expect.poll(() => dgs.getByTestId('view-zone').textContent()).toBe('Gironde (33)');
      expect(await testFigures(dgs, week)).toEqual([
        ['12', '12', '0', '0,0', ''],
        ['15', '15', '11', '73,3', psc],
        ['masqué', 'masqué', 'masqué', '—', ''],
      ]);
      await filters.getByRole('checkbox', { name: 'Gironde (33)' }).uncheck();
      await filters.getByRole('checkbox', { name: 'Rhône (69)' }).check();
      await filters.getByRole('button', { name: 'Afficher' }).click();
      await expect.poll(() => dgs.getByTestId('view-zone').textContent()).toBe('Rhône (69)');
      expect(new URL(dgs.url()).search).toBe(`?from=${addDays(today, -6)}&to=${today}&departments=69`);
      expect(await testFigures(dgs, week)).toEqual([
        ['13', '13', '13', '100,0', ''],
        ['0', '0', '0', '—', psc],
        ['0', '0', '0', '—', ''],
      ]);
      const departments = await rowsOf(dgs.getByTestId('statistiques-departements'));
      expect(departments.slice(1).map((row) => row.slice(0, 4))).toEqual([
        ['Rhône (69)', '13', '13', '100,0'],
        ['Total', '13', '13', '100,0'],
      ]);

      // The same view after a reload of its address.
      await dgs.reload();
      await dgs.getByTestId('statistics-view').waitFor();
      expect(await dgs.getByRole('checkbox', { name: 'Rhône (69)' }).isChecked()).toBe(true);
      expect((await testFigures(dgs, [dayA]))[0]).toEqual(['13', '13', '13', '100,0', '']);

      // The CSV: what the page shows.
      const [download] = await Promise.all([dgs.waitForEvent('download'), dgs.getByRole('button', { name: 'Télécharger le CSV' }).click()]);
      expect(download.suggestedFilename()).toBe(`statistiques_${addDays(today, -6)}_${today}.csv`);
      const bytes = await readFile((await download.path()));
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const lines = bytes.subarray(3).toString('utf8').split('\r\n');
      expect(lines[1]).toBe('# Zone : Rhône (69) ; profession : toutes');
      const header = lines.find((line) => line.startsWith('Jour;Incident;'))!.split(';');
      const csvDay = (day: string) => lines.find((line) => line.startsWith(`${day};`))!.split(';');
      const column = (name: string) => header.indexOf(name);
      expect(column('Tests, tous types')).toBeGreaterThan(1);
      for (const [day, tests, positives, rate, incidentText] of [
        [dayA, '13', '13', '100,0', ''],
        [dayB, '0', '0', '', psc],
        [dayC, '0', '0', '', ''],
      ] as const) {
        const line = csvDay(day);
        expect([line[column('Tests, tous types')], line[column('Tests positifs, tous types')], line[column('Taux de positivité (%)')], line[1]], day).toEqual([tests, positives, rate, incidentText]);
      }
      expect(lines).toContain('69;Rhône (69);13;13;100,0;0;0;0;0;0');
      expect(lines).toContain('total;Total;13;13;100,0;0;0;0;0;0');
      await dgs.screenshot({ path: 'test-results/statistics-rhone.png', fullPage: true });
    }),
  );
});
