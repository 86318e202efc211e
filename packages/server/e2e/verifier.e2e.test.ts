import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64ToBytes, trustedSignerFromDer, valueSetCodes, verifyDcc } from '@prostopcovid/dcc';
import { defaultRules, DEFAULT_VALUE_SETS } from '@prostopcovid/dcc/defaults';
import { createTestSigner, RULE_CASES, signTestHc1 } from '@prostopcovid/dcc/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleDccForBrowser } from './browser-bundle.js';
import { writeQrVideo } from './fake-camera.js';
import { launchChromium, signInAs, useSystemAndBrowser } from './harness.js';

/** What the browser receives of each case: the signed text and the clock. */
type SignedCases = Array<{ hc1: string; clock: string }>;

const env = useSystemAndBrowser();
const scratch = mkdtempSync(join(tmpdir(), 'verifier-e2e-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const newContext = () => env.browser().newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });

/** A recovery certificate from the portal: a pharmacist records a positive test sampled 12 days ago. */
async function recoveryCertificate(): Promise<string> {
  const context = await newContext();
  const page = await context.newPage();
  await signInAs(page, env.system().url, /Pharmacienne/);
  const me = await (await page.request.get(`${env.system().url}/api/me`)).json();
  const recorded = await page.request.post(`${env.system().url}/api/tests`, {
    headers: { 'x-csrf-token': me.csrfToken },
    data: {
      patient: { familyName: 'Moreau', givenName: 'Élise', birthDate: '1991-04-23', sex: 'F' },
      testType: 'antigen',
      sampledAt: new Date(Date.now() - 12 * 86_400_000).toISOString(),
      result: 'detected',
      deviceId: '1232',
      place: 'Pharmacie du Marché, Rennes',
    },
  });
  expect(recorded.status()).toBe(201);
  const retrieved = await page.request.post(`${env.system().url}/api/patient/v1/certificates`, { data: { retrievalCode: (await recorded.json()).retrievalCode, birthDate: '1991-04-23' } });
  const certificate = await retrieved.json();
  expect(certificate.kind).toBe('recovery');
  await context.close();
  return certificate.hc1 as string;
}

describe('the verifier page', () => {
  it('runs the table of rule cases in the browser bundle with the same verdicts as on the server', async () => {
    const signer = await createTestSigner({ country: 'DE', notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2035-01-01T00:00:00Z') });
    const cases = await Promise.all(
      RULE_CASES.map(async (ruleCase) => ({
        name: ruleCase.name,
        expected: ruleCase.expected,
        clock: ruleCase.clock,
        hc1: await signTestHc1(signer, ruleCase.dcc, {
          issuedAt: new Date(Math.min(Date.parse(ruleCase.clock), Date.parse('2021-06-01T00:00:00Z'))),
          expiresAt: new Date('2034-01-01T00:00:00Z'),
        }),
      })),
    );
    const rules = defaultRules();
    const der = Buffer.from(signer.der).toString('base64');
    const verdict = (result: { status: string; reason?: { rule?: { identifier: string } } }) => (result.status === 'valid' ? 'valid' : (result.reason?.rule?.identifier ?? result.status));

    const inNode = [];
    const nodeSigner = await trustedSignerFromDer(base64ToBytes(der), { origin: 'imported' });
    for (const c of cases) {
      inNode.push(verdict(await verifyDcc(c.hc1, { lists: { signers: [nodeSigner], rules, valueSets: valueSetCodes(DEFAULT_VALUE_SETS) }, validationClock: new Date(c.clock) })));
    }

    const context = await newContext();
    const page = await context.newPage();
    // A blank page of the system's origin (a secure context, for WebCrypto), without the app's CSP.
    await page.route(`${env.system().url}/__rule-cases`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Règles</title>' }));
    await page.goto(`${env.system().url}/__rule-cases`);
    await page.addScriptTag({ content: await bundleDccForBrowser() });
    const inBrowser = await page.evaluate(
      async (input: string) => {
        const { cases, der, rules, valueSets } = JSON.parse(input) as { cases: SignedCases; der: string; rules: never; valueSets: never };
        type Bundle = typeof import('./dcc-browser-entry.js');
        const dcc = (window as unknown as { dccBundle: Bundle }).dccBundle;
        const signer = await dcc.trustedSignerFromDer(dcc.base64ToBytes(der), { origin: 'imported' });
        const lists = { signers: [signer], rules, valueSets: dcc.valueSetCodes(valueSets) };
        const out: string[] = [];
        for (const c of cases) {
          const result = await dcc.verifyDcc(c.hc1, { lists, validationClock: new Date(c.clock) });
          out.push(result.status === 'valid' ? 'valid' : (result.reason?.rule?.identifier ?? result.status));
        }
        return out;
      },
      // As JSON: the rules' recursive types are too deep for the argument's type.
      JSON.stringify({ cases, der, rules, valueSets: DEFAULT_VALUE_SETS }),
    );
    await context.close();
    expect(inBrowser).toEqual(cases.map((c) => c.expected));
    expect(inBrowser).toEqual(inNode);
  });

  it('reads a pass from the live camera', async () => {
    const hc1 = await recoveryCertificate();
    const video = join(scratch, 'qr.y4m');
    writeQrVideo(video, hc1);
    const cameraBrowser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
    try {
      const context = await cameraBrowser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
      await context.grantPermissions(['camera'], { origin: env.system().url });
      const page = await context.newPage();
      await page.goto(`${env.system().url}/verifier`);
      await page.getByTestId('lists-status').getByText(/à jour du/).waitFor();
      await page.getByRole('button', { name: 'Scanner avec la caméra' }).click();
      await page.getByRole('heading', { name: 'Passe valide' }).waitFor({ timeout: 20_000 });
      expect(await page.getByLabel(/^Contenu du QR code/).inputValue()).toBe(hc1);
      expect(await page.getByTestId('holder').textContent()).toContain('Élise');
      // The camera is released once the code is read.
      expect(await page.getByRole('button', { name: 'Scanner avec la caméra' }).count()).toBe(1);
      await page.screenshot({ path: 'test-results/verifier-camera.png', fullPage: true });
      await context.close();
    } finally {
      await cameraBrowser.close();
    }
  });

  it('verifies from its cache with the server stopped, and refuses "valide" once its lists are too old', async () => {
    const hc1 = await recoveryCertificate();
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${env.system().url}/verifier`);
    await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 30_000 });
    await page.getByTestId('lists-status').getByText(/à jour du/).waitFor();
    await page.getByLabel(/^Contenu du QR code/).fill(hc1);
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('heading', { name: 'Passe valide' }).waitFor();

    await env.restartAfter(async () => {
      // Reloaded with the server gone: the service worker serves the page, IndexedDB the lists.
      await page.reload();
      await page.getByTestId('lists-status').getByText(/vérification hors ligne/).waitFor({ timeout: 20_000 });
      await page.getByLabel(/^Contenu du QR code/).fill(hc1);
      await page.getByRole('button', { name: 'Vérifier' }).click();
      await page.getByRole('heading', { name: 'Passe valide' }).waitFor();
      expect(await page.getByTestId('holder').textContent()).toContain('Moreau');
      await page.screenshot({ path: 'test-results/verifier-offline.png', fullPage: true });

      // Two days later, still offline: the lists are past their 48 hours.
      await context.clock.install({ time: new Date(Date.now() + 49 * 3_600_000) });
      await page.reload();
      await page.getByTestId('lists-status').getByText(/plus de 48 h/).waitFor({ timeout: 20_000 });
      await page.getByLabel(/^Contenu du QR code/).fill(hc1);
      await page.getByRole('button', { name: 'Vérifier' }).click();
      await page.getByRole('heading', { name: 'Vérification impossible' }).waitFor();
      expect(await page.getByTestId('verify-reason').textContent()).toMatch(/^Les listes de vérification de cet appareil datent du .*, plus de 48 heures/);
      expect(await page.getByTestId('holder').count()).toBe(0);
      await page.screenshot({ path: 'test-results/verifier-stale-lists.png', fullPage: true });
      await context.close();
    });
  });
});
