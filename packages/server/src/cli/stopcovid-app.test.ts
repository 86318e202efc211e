import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../platform/clock.js';
import { addDays, parisDate } from '../platform/dates.js';
import { createProfessional, createTestApp, issueTestCode, signIn, type TestApp } from '../testing/test-app.js';
import { runAppCli, type AppCliIo } from './stopcovid-app.js';

const DEVICE_LIMIT = 3;
let t: TestApp;
let url: string;
let dir: string;

beforeAll(async () => {
  t = await createTestApp({ env: { CODE_ISSUE_LIMIT_PER_HOUR: '1000', REDEEM_LIMIT_PER_ADDRESS: '100000', REDEEM_LIMIT_PER_DEVICE: String(DEVICE_LIMIT) } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'stopcovid-app-'));
});
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI against the test server's clock, collecting what it prints. */
async function run(argv: string[], io: Partial<AppCliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runAppCli(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    now: () => t.clock.now(),
    env: {},
    ...io,
  });
  return { code, stdout, stderr };
}

/** For usage errors: nothing may reach the network, so the code stays unspent. */
const noNetwork: typeof fetch = () => {
  throw new Error('fetch must not be called on bad usage');
};

async function freshCode(): Promise<string> {
  return issueTestCode(t.app, await signIn(t, createProfessional(t, { profession: '10' })));
}

const today = () => parisDate(t.clock.now());
const daysAgo = (n: number) => addDays(today(), -n);
const frenchDate = (iso: string) => iso.split('-').reverse().join('/');
const hoursAgo = (h: number) => new Date(t.clock.now().getTime() - h * HOUR).toISOString();
const contact = (seenAt: string, ephemeralId = 'AAECAwQFBgc=') => ({ ephemeralId, seenAt, durationSeconds: 600, rssi: -60 });

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

const contactRows = async () =>
  (await t.database.db.selectFrom('contacts').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;

describe('declare', () => {
  it('redeems the code, uploads the contacts of the window and leaves the code spent', async () => {
    const code = await freshCode();
    // Onset 3 days ago → window from 5 days ago to today: two contacts inside, two well outside.
    const file = await writeJson('contacts.json', {
      contacts: [contact(hoursAgo(1)), contact(hoursAgo(48)), contact(hoursAgo(8 * 24)), contact(hoursAgo(12 * 24))],
    });
    const before = await contactRows();

    const first = await run(['declare', '--code', code, '--onset', `symptoms:${daysAgo(3)}`, '--contacts', file, '--url', url]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Code accepté. Période partagée : du ${frenchDate(daysAgo(5))} au ${frenchDate(today())}.`);
    expect(first.stdout).toContain('Contacts envoyés : 2 acceptés, 2 hors période.');
    expect(await contactRows()).toBe(before + 2);

    const second = await run(['declare', '--code', code, '--onset', 'unknown', '--url', url]);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain('invalide, expiré ou déjà utilisé');
    expect(second.stderr).toContain('CODE_INVALID');
  });

  it('takes a bare array of contacts and answers one JSON object with --json', async () => {
    const code = await freshCode();
    const file = await writeJson('bare.json', [contact(hoursAgo(2)), contact(hoursAgo(3))]);
    const result = await run(['declare', '--code', code, '--onset', 'unknown', '--contacts', file, '--url', url, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.declaration.window).toEqual({ from: daysAgo(14), to: today() });
    expect(output.declaration.uploadToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(output.declaration.tokenExpiresAt)).toBeGreaterThan(t.clock.now().getTime());
    expect(output.upload).toEqual({ accepted: 2, rejectedOutsideWindow: 0 });
  });

  it('without --contacts, declares only and shows the upload token', async () => {
    const code = await freshCode();
    const text = await run(['declare', '--code', code, '--onset', `test:${daysAgo(1)}`, '--url', url, '--device-id', 'my-test-device-01']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Période partagée : du ${frenchDate(daysAgo(8))} au ${frenchDate(today())}.`);
    expect(text.stdout).toMatch(/Jeton d'envoi, valable jusqu'au \d\d\/\d\d\/\d{4} à \d\d:\d\d : [A-Za-z0-9_-]{43}/);

    const json = await run(['declare', '--code', await freshCode(), '--onset', 'unknown', '--url', url, '--json']);
    expect(Object.keys(JSON.parse(json.stdout))).toEqual(['declaration']);
  });

  it("passes on the server's French refusal of an onset date out of range", async () => {
    const code = await freshCode();
    const result = await run(['declare', '--code', code, '--onset', `symptoms:${addDays(today(), 1)}`, '--url', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("La date doit être comprise entre aujourd'hui et il y a 14 jours.");
  });

  it('tells when to try again once the device has used up its attempts', async () => {
    const deviceId = `limited-${Date.now()}`;
    for (let i = 0; i < DEVICE_LIMIT; i++) {
      expect((await run(['declare', '--code', 'ZZZZZZ', '--onset', 'unknown', '--url', url, '--device-id', deviceId])).code).toBe(1);
    }
    const limited = await run(['declare', '--code', 'ZZZZZZ', '--onset', 'unknown', '--url', url, '--device-id', deviceId]);
    expect(limited.code).toBe(1);
    expect(limited.stderr).toContain('Trop de tentatives de saisie de code.');
    // The window is the clock hour, so the wait is anything from 1 s to "1 h" (just after the hour).
    expect(limited.stderr).toMatch(/Nouvel essai possible dans (\d+ s|\d+ min|1 h)\./);
    expect(limited.stderr).toContain('HTTP 429');
  });

  it('reports a server that is not listening as a network failure', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const result = await run(['declare', '--code', 'K7Q4XM', '--onset', 'unknown', '--url', `http://127.0.0.1:${closedPort}`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`Impossible de joindre le serveur http://127.0.0.1:${closedPort}`);
    expect(result.stderr).toContain('connexion refusée');
  });

  it('uses PROSTOPCOVID_URL when --url is not given', async () => {
    const result = await run(['declare', '--code', 'ZZZZZZ', '--onset', 'unknown'], { env: { PROSTOPCOVID_URL: url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalide, expiré ou déjà utilisé');
  });
});

describe('bad usage', () => {
  it.each([
    [['declare', '--onset', 'unknown'], "L'option --code est obligatoire"],
    [['declare', '--code', 'K7Q4XM'], "L'option --onset est obligatoire"],
    [['declare', '--code', 'K7Q4XM', '--onset', 'symptoms:2026-13-45'], 'Date invalide dans --onset : « 2026-13-45 »'],
    [['declare', '--code', 'K7Q4XM', '--onset', 'symptoms:2026-02-30'], 'Date invalide'],
    [['declare', '--code', 'K7Q4XM', '--onset', 'maybe'], 'Valeur de --onset non reconnue : « maybe »'],
    [['declare', '--code', '--onset', 'unknown'], "L'option --code attend une valeur"],
    [['declare', '--code', 'K7Q4XM', '--onset', 'unknown', '--frobnicate'], 'Option inconnue : --frobnicate'],
    [['declare', '--code', 'K7Q4XM', '--onset', 'unknown', 'extra'], 'Argument inattendu : « extra »'],
    [['declare', '--code', 'K7Q4XM', '--onset', 'unknown', '--json=yes'], "L'option --json ne prend pas de valeur"],
    [['declare', '--code', 'K7Q4XM', '--onset', 'unknown', '--device-id', 'short'], '--device-id'],
    [['declare', '--code', 'K7Q4XM', '--onset', 'unknown', '--url', 'ftp://example.org'], 'http:// ou https://'],
    [['simulate-contacts'], "L'option --days est obligatoire"],
    [['simulate-contacts', '--days', '0'], 'entre 1 et 30'],
    [['simulate-contacts', '--days', '3', '--per-day', 'many'], '--per-day'],
    [['frobnicate'], 'Commande inconnue : « frobnicate »'],
    [[], 'Indiquez une commande'],
  ])('%j exits 2 with a French message', async (argv, message) => {
    const result = await run(argv, { fetch: noNetwork });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('npm run app -- help');
  });

  it('refuses a missing, non-JSON or invalid contacts file before spending the code', async () => {
    const code = await freshCode();
    const files = {
      missing: join(dir, 'nope.json'),
      notJson: join(dir, 'not-json.json'),
      wrongShape: await writeJson('wrong-shape.json', { contact: [] }),
      badContact: await writeJson('bad-contact.json', { contacts: [contact(hoursAgo(1)), { ...contact(hoursAgo(1)), rssi: 99 }] }),
      badDate: await writeJson('bad-date.json', [contact('2026-11-20 10:00')]),
    };
    await writeFile(files.notJson, '{ "contacts": [');
    const expected: Record<keyof typeof files, string> = {
      missing: 'fichier introuvable',
      notJson: "n'est pas du JSON valide",
      wrongShape: 'doit contenir un tableau de contacts',
      badContact: 'contact n° 2 : rssi est invalide',
      badDate: 'contact n° 1 : seenAt est invalide',
    };
    for (const [name, path] of Object.entries(files) as Array<[keyof typeof files, string]>) {
      const result = await run(['declare', '--code', code, '--onset', 'unknown', '--contacts', path, '--url', url], { fetch: noNetwork });
      expect(result.code, name).toBe(2);
      expect(result.stderr, name).toContain(expected[name]);
    }
    // Still unspent.
    expect((await run(['declare', '--code', code, '--onset', 'unknown', '--url', url])).code).toBe(0);
  });
});

describe('help', () => {
  it('prints the usage in French and exits 0', async () => {
    for (const argv of [['help'], ['--help'], ['declare', '--help']]) {
      const result = await run(argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Utilisation : npm run app -- <commande> [options]');
      expect(result.stdout).toContain('symptoms:AAAA-MM-JJ');
    }
  });
});

describe('simulate-contacts', () => {
  it('produces contacts over the last days that the server accepts', async () => {
    const result = await run(['simulate-contacts', '--days', '3']);
    expect(result.code).toBe(0);
    const { contacts } = JSON.parse(result.stdout) as { contacts: Array<{ ephemeralId: string; seenAt: string; durationSeconds: number; rssi: number }> };
    expect(contacts).toHaveLength(60);
    const nowMs = t.clock.now().getTime();
    for (const c of contacts) {
      expect(Buffer.from(c.ephemeralId, 'base64')).toHaveLength(8);
      const seenAt = Date.parse(c.seenAt);
      expect(seenAt).toBeLessThanOrEqual(nowMs);
      expect(seenAt).toBeGreaterThan(nowMs - 3 * 24 * HOUR);
      expect(c.rssi).toBeGreaterThanOrEqual(-90);
      expect(c.rssi).toBeLessThanOrEqual(-40);
      expect(c.durationSeconds).toBeGreaterThanOrEqual(60);
      expect(c.durationSeconds).toBeLessThanOrEqual(1800);
    }

    const file = join(dir, 'simulated.json');
    await writeFile(file, result.stdout);
    const declared = await run(['declare', '--code', await freshCode(), '--onset', 'unknown', '--contacts', file, '--url', url]);
    expect(declared.stderr).toBe('');
    expect(declared.stdout).toContain('Contacts envoyés : 60 acceptés, 0 hors période.');
  });

  it('writes the document to --out', async () => {
    const file = join(dir, 'out.json');
    const result = await run(['simulate-contacts', '--days', '2', '--per-day', '5', '--out', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('10 contacts fictifs sur 2 jours écrits dans');
    expect(JSON.parse(await readFile(file, 'utf8')).contacts).toHaveLength(10);
  });
});
