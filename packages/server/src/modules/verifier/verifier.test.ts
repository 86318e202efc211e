import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRules } from '@prostopcovid/dcc/defaults';
import { createTestSigner, signTestHc1, type TestSigner } from '@prostopcovid/dcc/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSiblingApp, createTestApp, type TestApp } from '../../testing/test-app.js';

const dir = mkdtempSync(join(tmpdir(), 'verifier-'));
let t: TestApp;
let germany: TestSigner;
let unknown: TestSigner;
let expired: TestSigner;

/** A negative antigen test from Germany, sampled an hour before the app's clock. */
async function germanTest(signer: TestSigner, fields: Record<string, unknown> = {}) {
  const now = t.clock.now();
  const sc = new Date(now.getTime() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return signTestHc1(
    signer,
    {
      ver: '1.3.0',
      nam: { fn: 'Schmidt', fnt: 'SCHMIDT', gn: 'Jonas', gnt: 'JONAS' },
      dob: '1970-01-01',
      t: [{ tg: '840539006', tt: 'LP217198-3', ma: '1232', sc, tr: '260415000', tc: 'Testzentrum', co: 'DE', is: 'Robert Koch-Institut', ci: 'URN:UVCI:01:DE:X1#9', ...fields }],
    },
    { issuedAt: new Date(now.getTime() - 1_800_000), expiresAt: new Date(now.getTime() + 48 * 3_600_000) },
  );
}

const trustList = join(dir, 'trust-list.json');
const rulesFile = join(dir, 'rules.json');
const shippedList = () => [germany.gatewayEntry, expired.gatewayEntry, { kid: 'AAAAAAAAAAA=', country: 'IT', rawData: 'bm90IGEgY2VydA==' }];

const verify = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/verifier/v1/verify', payload });

beforeAll(async () => {
  [germany, unknown, expired] = await Promise.all([
    createTestSigner({ country: 'DE' }),
    createTestSigner({ country: 'DE' }),
    createTestSigner({ country: 'AT', notAfter: new Date('2022-01-01T00:00:00Z') }),
  ]);
  writeFileSync(trustList, JSON.stringify(shippedList()));
  // The French rules, and a Belgian rule set from a file (one rule), beside them.
  const belgian = defaultRules()
    .filter((rule) => rule.Identifier === 'TR-FR-0001')
    .map((rule) => ({ ...rule, Identifier: 'TR-BE-0001', Country: 'BE' }));
  writeFileSync(rulesFile, JSON.stringify([...defaultRules(), ...belgian]));
  t = await createTestApp({ env: { DCC_TRUST_LIST: trustList, DCC_RULES_FILE: rulesFile } });
});
afterAll(() => t?.close());

describe('verification API', () => {
  it('accepts a foreign pass signed by a DSC of the imported trust list, and refuses an unknown signer', async () => {
    const accepted = (await verify({ hc1: await germanTest(germany) })).json();
    expect(accepted).toMatchObject({ status: 'valid', valid: true, country: 'FR', certificate: { kind: 'test', issuer: 'DE', signer: { country: 'DE', origin: 'imported' } } });
    expect(accepted.holder).toEqual({ familyName: 'Schmidt', givenName: 'Jonas', birthDate: '1970-01-01' });
    expect(accepted.rules.map((r: { identifier: string }) => r.identifier)).toContain('TR-FR-0005');

    const refused = (await verify({ hc1: await germanTest(unknown) })).json();
    expect(refused).toMatchObject({ status: 'invalid', valid: false, reason: { step: 'verify' } });
    expect(refused.certificate).toBeUndefined();
    expect(refused.holder).toBeUndefined();
  });

  it('applies the rules of the country asked, at the validation clock asked', async () => {
    const hc1 = await germanTest(germany, { ma: '9999' });
    expect((await verify({ hc1 })).json()).toMatchObject({ status: 'invalid', reason: { rule: { identifier: 'TR-FR-0002' } } });
    // The Belgian set of this test has no rule on devices.
    expect((await verify({ hc1, country: 'BE' })).json()).toMatchObject({ status: 'valid', country: 'BE' });
    const later = new Date(t.clock.now().getTime() + 30 * 3_600_000).toISOString();
    expect((await verify({ hc1: await germanTest(germany), validationClock: later })).json()).toMatchObject({
      status: 'invalid',
      validationClock: later,
      reason: { rule: { identifier: 'TR-FR-0005' } },
    });
  });

  it('answers bad input with a clear 400', async () => {
    const hc1 = await germanTest(germany);
    for (const payload of [
      {},
      { hc1: '' },
      { hc1: 'x'.repeat(10_001) },
      { hc1: 42 },
      { hc1, extra: true },
      { hc1, country: 'fr' },
      { hc1, validationClock: 'demain' },
      { hc1, validationClock: '0000-01-01T00:00:00Z' },
      { hc1, validationClock: '2026-02-30T00:00:00Z' },
    ]) {
      const response = await verify(payload);
      expect(response.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(response.json().error.message).toMatch(/[a-zé]/);
    }
    const unknownCountry = await verify({ hc1, country: 'ZZ' });
    expect(unknownCountry.statusCode).toBe(400);
    expect(unknownCountry.json().error).toMatchObject({ code: 'VERIFIER_COUNTRY_UNKNOWN', details: { countries: ['BE', 'FR'] } });
    const oldClock = await verify({ hc1, validationClock: '1999-12-31T23:59:59Z' });
    expect(oldClock.json().error.code).toBe('VERIFIER_CLOCK_INVALID');
    // Garbage after the prefix, NUL bytes: a verdict, never a 500.
    for (const text of ['HC1:\u0000\u0000', 'HC1:' + 'A'.repeat(9_000), `${hc1.slice(0, -3)}%%%`]) {
      const response = await verify({ hc1: text });
      expect(response.statusCode).toBe(200);
      expect(response.json().valid).toBe(false);
    }
  });
});

describe('published lists', () => {
  it('publishes this service’s own signers in the gateway format, with an ETag', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/verifier/v1/signers' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    const entries = response.json();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ country: 'FR', certificateType: 'DSC', kid: expect.stringMatching(/^[A-Za-z0-9+/]{11}=$/), thumbprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const etag = response.headers.etag as string;
    const again = await t.app.inject({ method: 'GET', url: '/api/verifier/v1/signers', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    for (const header of ['*', `"other", W/${etag}`]) {
      expect((await t.app.inject({ method: 'GET', url: '/api/verifier/v1/signers', headers: { 'if-none-match': header } })).statusCode).toBe(304);
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/verifier/v1/signers', headers: { 'if-none-match': '"other"' } })).statusCode).toBe(200);
  });

  it('gives an offline verifier everything in one bundle: own and imported signers, rules, value sets', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/verifier/v1/lists' });
    expect(response.headers['cache-control']).toBe('public, max-age=0');
    const bundle = response.json();
    expect(bundle).toMatchObject({ maxAgeHours: 48, country: 'FR', countries: ['BE', 'FR'] });
    // When the trust list was read: the page's lists are no younger than that.
    expect(Date.parse(response.headers['x-trust-list-read-at'] as string)).toBeLessThanOrEqual(t.clock.now().getTime());
    // The expired Austrian DSC and the unreadable entry were left out at import.
    expect(bundle.signers.map((s: { origin: string; country: string }) => `${s.origin}:${s.country}`)).toEqual(['own:FR', 'imported:DE']);
    expect(bundle.rules.some((r: { Identifier: string }) => r.Identifier === 'TR-FR-0005')).toBe(true);
    expect(bundle.valueSets.map((v: { valueSetId: string }) => v.valueSetId)).toContain('covid-19-lab-test-manufacturer-and-name');
    expect((await t.app.inject({ method: 'GET', url: '/api/verifier/v1/lists', headers: { 'if-none-match': response.headers.etag as string } })).statusCode).toBe(304);
  });

  it('publishes the rules, per country, and the value sets', async () => {
    const all = (await t.app.inject({ method: 'GET', url: '/api/verifier/v1/rules' })).json();
    expect(new Set(all.map((r: { Country: string }) => r.Country))).toEqual(new Set(['FR', 'BE']));
    const french = await t.app.inject({ method: 'GET', url: '/api/verifier/v1/rules/FR' });
    expect(french.json().every((r: { Country: string }) => r.Country === 'FR')).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/api/verifier/v1/rules/FR', headers: { 'if-none-match': french.headers.etag as string } })).statusCode).toBe(304);
    expect((await t.app.inject({ method: 'GET', url: '/api/verifier/v1/rules/ZZ' })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/verifier/v1/rules/fr' })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/verifier/v1/value-sets' })).json()).toHaveLength(8);
  });

  it('counts the trusted signers on the metrics endpoint', async () => {
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('dcc_trusted_signers{origin="own"} 1');
    expect(metrics).toContain('dcc_trusted_signers{origin="imported"} 1');
  });
});

describe('trust list from a URL', () => {
  let server: Server;
  let served: unknown[] = [];
  let up = true;
  beforeAll(async () => {
    server = createServer((_, response) => {
      if (!up) return response.writeHead(503).end();
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  });
  afterAll(() => new Promise((done) => server.close(done)));

  it('does not follow a redirect: an https source cannot send the service elsewhere', async () => {
    const redirecting = createServer((_, response) => response.writeHead(302, { location: `http://127.0.0.1:${(server.address() as { port: number }).port}/` }).end());
    await new Promise<void>((ready) => redirecting.listen(0, '127.0.0.1', ready));
    served = [germany.gatewayEntry];
    const { port } = redirecting.address() as { port: number };
    const app = await createTestApp({ env: { DCC_TRUST_LIST: `http://127.0.0.1:${port}/`, DCC_TRUST_LIST_CACHE_FILE: join(dir, 'redirect-cache.json') } });
    try {
      const hc1 = await germanTest(germany);
      expect((await app.app.inject({ method: 'POST', url: '/api/verifier/v1/verify', payload: { hc1 } })).json().reason?.step).toBe('verify');
    } finally {
      await app.close();
      await new Promise((done) => redirecting.close(done));
    }
  });

  it('is read at start, and its last good download kept on disk for a start while the gateway is down', async () => {
    served = [germany.gatewayEntry];
    const { port } = server.address() as { port: number };
    const cacheFile = join(dir, 'cache.json');
    const env = { DCC_TRUST_LIST: `http://127.0.0.1:${port}/trustList/DSC`, DCC_TRUST_LIST_CACHE_FILE: cacheFile };
    const first = await createTestApp({ env });
    try {
      const hc1 = await germanTest(germany);
      expect((await first.app.inject({ method: 'POST', url: '/api/verifier/v1/verify', payload: { hc1 } })).json().status).toBe('valid');
    } finally {
      await first.close();
    }
    // The gateway is down when the service starts again: the last good download is used.
    up = false;
    const second = await createTestApp({ env });
    try {
      const hc1 = await germanTest(germany);
      expect((await second.app.inject({ method: 'POST', url: '/api/verifier/v1/verify', payload: { hc1 } })).json().status).toBe('valid');
    } finally {
      await second.close();
    }
  });
});

describe('trust list across server processes', () => {
  it('a list one process imports reaches the others at once (the change feed), not at their next refresh', async () => {
    const other = await buildSiblingApp(t, { DCC_TRUST_LIST: trustList, DCC_RULES_FILE: rulesFile });
    const statusOnOther = async () => (await other.inject({ method: 'POST', url: '/api/verifier/v1/verify', payload: { hc1: await germanTest(unknown) } })).json<{ status: string }>().status;
    try {
      expect(await statusOnOther()).toBe('invalid');
      writeFileSync(trustList, JSON.stringify([...shippedList(), unknown.gatewayEntry]));
      await t.app.verifierLists.refreshAndRebuild();
      const deadline = Date.now() + 1000;
      while ((await statusOnOther()) !== 'valid') {
        if (Date.now() > deadline) throw new Error('the other process still has the old list after 1 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await other.close();
      writeFileSync(trustList, JSON.stringify(shippedList()));
      await t.app.verifierLists.refreshAndRebuild();
    }
  });
});
