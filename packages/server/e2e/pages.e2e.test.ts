import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentTitle, NOT_FOUND_TITLE, PAGE_ROUTES, SIGN_IN_TITLE } from '../../web/src/routes.js';
import { seriousViolations, signInAs, useSystemAndBrowser } from './harness.js';

/**
 * Every page of the web client (the router's own list), anonymous and signed in: its title,
 * the 404 page, the navigation's current page, no console error, and no serious or critical
 * accessibility violation (axe-core); then the incident banner of the public pages on a phone.
 */
const GP = '899700100001';
const UNKNOWN_PATH = '/page-qui-n-existe-pas';
const PUBLIC_ROUTES = PAGE_ROUTES.filter((route) => route.access === 'public');
const PRO_ROUTES = PAGE_ROUTES.filter((route) => route.access === 'pro');

// The GP holds every professional right; as an operator too, every pro page is open to them.
const harness = useSystemAndBrowser({ OPERATOR_ID_NAT_PS: GP });

const newContext = (options: Parameters<Browser['newContext']>[0] = {}) => harness.browser().newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', ...options });

/** Console errors and uncaught exceptions of a page, as they come. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`exception: ${error.message}`));
  return errors;
}

/** The page once rendered and quiet: its heading shown, no request in flight. */
async function settle(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.waitForLoadState('networkidle');
}


async function checkPage(page: Page, path: string, expectedTitle: string, errors: string[]): Promise<void> {
  await settle(page);
  expect(await page.title(), path).toBe(documentTitle(expectedTitle));
  expect(await page.locator('html').getAttribute('lang'), path).toBe('fr');
  expect(await seriousViolations(page), `${path}: accessibility`).toEqual([]);
  // The 404 page's own status is the one error Chromium logs there, and the point of that page.
  const ownStatus = `Failed to load resource: the server responded with a status of 404 (Not Found) (${harness.system().url}${path})`;
  expect(errors.filter((error) => !(expectedTitle === NOT_FOUND_TITLE && error === ownStatus)), `${path}: console errors`).toEqual([]);
}

async function api(page: Page, method: 'GET' | 'POST', path: string, body?: unknown) {
  const me = await (await page.request.get(`${harness.system().url}/api/me`)).json();
  const response = await page.request.fetch(`${harness.system().url}${path}`, { method, headers: { 'x-csrf-token': me.csrfToken }, data: body });
  return { status: response.status(), body: await response.json().catch(() => null) };
}

describe('every page of the web client', () => {
  // One test per route: each opens a fresh browser profile and runs axe, so together they
  // would crowd a single test's time limit on a busy machine.
  for (const route of [...PAGE_ROUTES, { path: UNKNOWN_PATH, title: NOT_FOUND_TITLE, access: 'unknown' }]) {
    it(`anonymous ${route.path}: its title, 200 (an unknown path 404 with a French page), no console error or serious accessibility violation`, async () => {
      // A fresh profile each time: no session, no service worker answering in the server's place.
      const context = await newContext();
      const page = await context.newPage();
      const errors = collectErrors(page);
      const response = await page.goto(`${harness.system().url}${route.path}`);
      expect(response?.status(), route.path).toBe(route.access === 'unknown' ? 404 : 200);
      // A pro page without a session is the sign-in page.
      const title = route.access === 'pro' ? SIGN_IN_TITLE : route.title;
      await checkPage(page, route.path, title, errors);
      if (route.access === 'unknown') {
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page introuvable');
        expect(await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).count()).toBe(0);
      }
      await page.screenshot({ path: `test-results/pages-anonymous${route.path === '/' ? '-home' : route.path.replaceAll('/', '-')}.png`, fullPage: true });
      await context.close();
    });
  }

  it('anonymous: an unknown API path stays a JSON error, not the web page', async () => {
    const context = await newContext();
    const unknownApi = await context.request.get(`${harness.system().url}/api/nope`, { headers: { accept: 'text/html' } });
    expect(unknownApi.status()).toBe(404);
    expect((await unknownApi.json()).error.code).toBe('NOT_FOUND');
    await context.close();
  });

  describe('signed in', () => {
    let context: BrowserContext;
    let page: Page;
    let errors: string[];
    beforeAll(async () => {
      context = await newContext();
      page = await context.newPage();
      await signInAs(page, harness.system().url, /Médecin généraliste/);
      errors = collectErrors(page);
    });
    afterAll(async () => {
      await context.close();
    });

    for (const route of PAGE_ROUTES) {
      it(`${route.path}: its title, the navigation marks the current page, no console error or serious accessibility violation`, async () => {
        const nav = page.getByRole('navigation', { name: 'Menu principal' });
        await page.goto(`${harness.system().url}${route.path}`);
        await checkPage(page, route.path, route.title, errors);
        if (route.access === 'pro') {
          const current = nav.locator('a[aria-current="page"]');
          expect(await current.count(), route.path).toBe(1);
          expect(await current.getAttribute('href'), route.path).toBe(route.path);
          // Visible too, not only for screen readers: the current link looks unlike the others.
          const other = nav.locator('a:not([aria-current])').first();
          const look = (link: typeof current) => link.evaluate((a) => {
            const style = getComputedStyle(a);
            return `${style.fontWeight} ${style.borderBottomWidth} ${style.borderBottomStyle} ${style.textDecorationLine}`;
          });
          expect(await look(current), route.path).not.toBe(await look(other));
        }
        await page.screenshot({ path: `test-results/pages-signed-in${route.path === '/' ? '-home' : route.path.replaceAll('/', '-')}.png`, fullPage: true });
      });
    }

    it('on a 375 px phone, every pro page fits the screen: no sideways scrolling, every menu link within it; the skip link comes first', async () => {
      const phone = await newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
      const small = await phone.newPage();
      await signInAs(small, harness.system().url, /Médecin généraliste/);
      for (const route of PRO_ROUTES) {
        await small.goto(`${harness.system().url}${route.path}`);
        await settle(small);
        const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${route.path}: wider than the screen by`).toBeLessThanOrEqual(0);
        const outside = await small.getByRole('navigation', { name: 'Menu principal' }).locator('a').evaluateAll((links) =>
          links.filter((a) => a.getBoundingClientRect().right > window.innerWidth).map((a) => a.textContent),
        );
        expect(outside, route.path).toEqual([]);
      }
      await small.screenshot({ path: 'test-results/pages-375-menu.png', fullPage: true });
      await small.keyboard.press('Tab');
      expect(await small.evaluate(() => document.activeElement?.textContent)).toBe('Aller au contenu');
      await phone.close();
    });

    it('a mistyped address is a 404 page, not the home page', async () => {
      expect(PRO_ROUTES.length).toBeGreaterThan(1);
      await page.goto(`${harness.system().url}${UNKNOWN_PATH}`);
      await checkPage(page, UNKNOWN_PATH, NOT_FOUND_TITLE, errors);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page introuvable');
    });
  });

  it('during incidents, the public pages show a short patient text on a 375 px screen, the pro pages the instructions', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await signInAs(page, harness.system().url, /Médecin généraliste/);
    const instructions = 'Consigne aux professionnels : conservez les doubles papier.';
    for (const component of ['tests-portal', 'vaccination-portal']) {
      const declared = await api(page, 'POST', '/api/incidents', { component, startedAt: new Date(Date.now() - 20 * 60_000).toISOString(), testAttestationHours: 12, message: instructions });
      expect(declared.status).toBe(201);
    }
    await page.reload();
    const proBanner = page.getByTestId('incident-banner');
    await proBanner.getByText('2 incidents en cours').waitFor();
    expect(await proBanner.textContent()).toContain(instructions);
    expect(await proBanner.textContent()).toContain('conservez un double pour la saisie a posteriori');
    expect(await seriousViolations(page), 'home with the banner').toEqual([]);
    await context.close();

    for (const route of PUBLIC_ROUTES.filter((candidate) => candidate.path !== '/connexion-secours')) {
      const phone = await newContext({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
      const patientPage = await phone.newPage();
      const errors = collectErrors(patientPage);
      await patientPage.goto(`${harness.system().url}${route.path}`);
      const banner = patientPage.getByTestId('incident-banner');
      await banner.getByText(/perturbé/).waitFor();
      await settle(patientPage);
      await patientPage.screenshot({ path: `test-results/pages-banner-375${route.path.replaceAll('/', '-')}.png`, fullPage: true });
      const text = (await banner.textContent())!;
      // Nothing addressed to professionals: neither the operator's instructions nor what to hand over and keep.
      for (const proOnly of [instructions, 'Remettez', 'conservez un double', 'a posteriori', 'connexion de secours']) expect(text, route.path).not.toContain(proOnly);
      expect(text, route.path).toMatch(route.path === '/verifier' ? /attestation provisoire/ : /certificat/);
      // Compact: a few lines above the page, not a screenful.
      const box = (await banner.boundingBox())!;
      expect(box.width, route.path).toBeLessThanOrEqual(375);
      console.info(`${route.path}: banner ${box.width}×${box.height} px`);
      expect(box.height, `${route.path}: banner height at 375 px`).toBeLessThanOrEqual(110);
      expect(await seriousViolations(patientPage), `${route.path} with the banner`).toEqual([]);
      expect(errors, `${route.path}: console errors`).toEqual([]);
      await phone.close();
    }
  });
});
