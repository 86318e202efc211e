import { AxeBuilder } from '@axe-core/playwright';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { PGLITE_TEMPLATE_ENV } from '../src/testing/pglite-template.js';
import { freePort, startChild } from '../src/testing/processes.js';

/**
 * The browser shares CI's two cores with the server: its lateness is not the service's overload,
 * so the event-loop signal of admission control is off here (its other signals stay on; the
 * unit tests cover it).
 */
const QUIET_MACHINE = { ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '0' };

export interface RunningSystem {
  url: string;
  /** The local mail catcher's page (GET /api/mails for JSON): the e-mails the system sent. */
  mailUrl: string;
  /** What it takes to start the same system again (same ports, same database). */
  restartOptions: { port: number; sandboxPort: number; mailPort: number; dataDir: string; env: Record<string, string> };
  output: () => string;
  /** Stops it; its database is deleted unless `keepData` (to start it again). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts the system exactly as `npm start` does (server + PSC sandbox + built web client), on free ports.
 * A new system's data folder is a copy of the run's empty, freshly initialised PGlite folder
 * (testing/pglite-template.ts, the e2e project's global setup), so that each start does not
 * run initdb again; `emptyDataDir` gives it an empty folder instead, which the server
 * initialises itself, as on a first `npm start`.
 */
export async function startSystem(
  env: Record<string, string> = {},
  again?: { port: number; sandboxPort: number; mailPort: number; dataDir: string },
  options: { emptyDataDir?: boolean } = {},
): Promise<RunningSystem> {
  const port = again?.port ?? (await freePort());
  const sandboxPort = again?.sandboxPort ?? (await freePort());
  const mailPort = again?.mailPort ?? (await freePort());
  const dataDir = again?.dataDir ?? newDataDir(options.emptyDataDir ?? false);
  const url = `http://localhost:${port}`;
  const child = await startChild({
    name: 'server',
    script: 'packages/server/src/main.ts',
    env: { ...process.env, PORT: String(port), PUBLIC_URL: url, PSC_SANDBOX_PORT: String(sandboxPort), MAIL_CATCHER_PORT: String(mailPort), DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'development', ...QUIET_MACHINE, ...env },
    readyMarker: 'ProStopCovid est prêt',
  });
  return {
    url,
    mailUrl: `http://127.0.0.1:${mailPort}/`,
    restartOptions: { port, sandboxPort, mailPort, dataDir, env },
    output: child.output,
    stop: async (options = {}) => {
      // No SIGKILL: the server's own graceful shutdown ends it (its database may be reopened).
      await child.stop(Number.POSITIVE_INFINITY);
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function newDataDir(empty: boolean): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'prostopcovid-e2e-'));
  const runDir = process.env[PGLITE_TEMPLATE_ENV];
  if (!empty && runDir) cpSync(join(runDir, 'template'), dataDir, { recursive: true });
  return dataDir;
}

/** Debian's Chromium, headless; Playwright never downloads a browser here. `extraArgs`: e.g. a fake camera. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--lang=fr-FR', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-gpu', ...extraArgs],
  });
}

/** Signs in through the sandbox's login page as the professional whose label matches, and waits for the home page. */
export async function signInAs(page: Page, systemUrl: string, label: RegExp): Promise<void> {
  await page.goto(systemUrl);
  await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
  await page.waitForURL(/\/interaction\//);
  await page.getByLabel(label).check();
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(`${systemUrl}/`);
  await page.getByTestId('rights').waitFor();
}

/**
 * One system and one browser for a test file, stopped at the end. `restartAfter` stops the
 * system (its database kept), runs the action while it is down, then starts it again.
 */
export function useSystemAndBrowser(env: Record<string, string> = {}): {
  system: () => RunningSystem;
  browser: () => Browser;
  restartAfter: (whileDown: () => Promise<void>) => Promise<void>;
} {
  let system: RunningSystem | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    system = await startSystem(env);
    browser = await launchChromium();
    mkdirSync('test-results', { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });
  const restartAfter = async (whileDown: () => Promise<void>) => {
    const { env, ...again } = system!.restartOptions;
    await system!.stop({ keepData: true });
    try {
      await whileDown();
    } finally {
      system = await startSystem(env, again);
    }
  };
  return { system: () => system!, browser: () => browser!, restartAfter };
}

/** The serious and critical accessibility violations axe finds on the page, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/** Runs `run`; when it fails, a full-page screenshot of each open page goes to test-results/<name>-failure-<n>.png. */
export async function screenshotsOnFailure(name: string, pages: () => Page[], run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    for (const [index, page] of pages().entries()) {
      await page.screenshot({ path: `test-results/${name}-failure-${index}.png`, fullPage: true }).catch(() => undefined);
    }
    throw error;
  }
}

/** A call of the API with the page's session and its CSRF token, as the portal makes it. */
export async function callApi(page: Page, baseUrl: string, method: 'GET' | 'POST', path: string, data?: unknown): Promise<{ status: number; body: unknown }> {
  const me = (await (await page.request.get(`${baseUrl}/api/me`)).json()) as { csrfToken: string };
  const response = await page.request.fetch(`${baseUrl}${path}`, { method, headers: { 'x-csrf-token': me.csrfToken }, ...(data === undefined ? {} : { data }) });
  return { status: response.status(), body: await response.json().catch(() => null) };
}
