import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startSystem, type RunningSystem } from './harness.js';

let system: RunningSystem;
let browser: Browser;

beforeAll(async () => {
  // A first start: the server initialises its own, empty data folder (the other files start from a copy of one).
  system = await startSystem({}, undefined, { emptyDataDir: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('pro portal in a real browser', () => {
  it('signs a GP in through the PSC sandbox and shows the home page, then signs out', async () => {
    const page = await browser.newPage();
    await page.goto(system.url);
    await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();

    // The sandbox's own login page: pick the GP and the CPS card.
    await page.waitForURL(/\/interaction\//);
    await page.getByLabel(/Médecin généraliste/).check();
    await page.getByLabel(/Carte CPS/).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();

    await page.waitForURL(`${system.url}/`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Bonjour /);
    expect(await page.getByTestId('professions').textContent()).toContain('Médecin');
    for (const right of ['codes:issue', 'tests:record', 'vaccinations:record']) {
      expect(await page.locator(`[data-right="${right}"]`).getAttribute('data-allowed')).toBe('true');
    }
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/home-gp.png', fullPage: true });

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).waitFor();
  });

  it('shows a physiotherapist only the test right', async () => {
    const page = await browser.newPage();
    await page.goto(system.url);
    await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
    await page.waitForURL(/\/interaction\//);
    await page.getByLabel(/Masseur-kinésithérapeute/i).check();
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${system.url}/`);
    await page.getByTestId('rights').waitFor();
    expect(await page.locator('[data-right="codes:issue"]').getAttribute('data-allowed')).toBe('false');
    expect(await page.locator('[data-right="tests:record"]').getAttribute('data-allowed')).toBe('true');
    expect(await page.locator('[data-right="vaccinations:record"]').getAttribute('data-allowed')).toBe('false');
  });
});
