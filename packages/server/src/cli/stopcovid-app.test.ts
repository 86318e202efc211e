import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PhoneState } from '@prostopcovid/phone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../platform/clock.js';
import { addDays, parisDate } from '../platform/dates.js';
import { processNextReport } from '../modules/robert/report-worker.js';
import { createProfessional, createTestApp, issueTestCode, robertWorkerDeps, signIn, type TestApp } from '../testing/test-app.js';
import { runAppCli, type AppCliIo } from './stopcovid-app.js';

const DEVICE_LIMIT = 3;
let t: TestApp;
let deps: Awaited<ReturnType<typeof robertWorkerDeps>>;
let url: string;
let dir: string;

beforeAll(async () => {
  t = await createTestApp({ env: { CODE_ISSUE_LIMIT_PER_HOUR: '1000', REDEEM_LIMIT_PER_ADDRESS: '100000', REDEEM_LIMIT_PER_DEVICE: String(DEVICE_LIMIT) } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  deps = await robertWorkerDeps(t);
  dir = await mkdtemp(join(tmpdir(), 'stopcovid-app-'));
});
afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI on the test server's clock (phone and server must agree on NTP time), collecting what it prints. */
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
const advance = (minutes: number) => t.clock.advance(minutes * MINUTE);

let phoneCounter = 0;
/** A phone registered through the CLI: the path of its state file. */
async function registeredPhone(label: string): Promise<string> {
  const path = join(dir, `${label}-${++phoneCounter}.json`);
  const result = await run(['register', '--state', path, '--url', url]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return path;
}

async function meet(a: string, b: string, minutes: number, rssi: number) {
  const result = await run(['meet', '--state', a, '--with', b, '--minutes', String(minutes), '--rssi', String(rssi)]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result;
}

const readState = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as PhoneState;

async function processQueue() {
  const outcomes = [];
  for (let outcome = await processNextReport(deps, t.clock.now()); outcome; outcome = await processNextReport(deps, t.clock.now())) outcomes.push(outcome);
  return outcomes;
}

describe('phones: register, meet, declare, status', () => {
  it('warns the close contact of a declared case, not the far one, and answers 429 to a second status too soon', async () => {
    const kase = await registeredPhone('case');
    const close = await registeredPhone('close');
    const far = await registeredPhone('far');
    const state = await readState(kase);
    expect(state.version).toBe(1);
    expect(state.tuples.length).toBeGreaterThan(4 * 96);
    // The file holds the phone's keys; the write went through a temp file that is gone.
    expect((await stat(kase)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    // A HELLO every 10 s over 30 min, both ends included.
    const met = await meet(kase, close, 30, -50);
    expect(met.stdout).toMatch(/Rencontre simulée pendant 30 min à -50 dBm : « .*case-\d+\.json » a entendu 181 messages de « .*close-\d+\.json », « .*close-\d+\.json » en a entendu 181 de/);
    await meet(kase, far, 30, -90);
    expect((await readState(close)).heard).toHaveLength(181);

    const declared = await run(['declare', '--code', await freshCode(), '--onset', `symptoms:${daysAgo(2)}`, '--state', kase, '--url', url]);
    expect(declared.stderr).toBe('');
    expect(declared.code).toBe(0);
    expect(declared.stdout).toContain(`Code accepté. Période partagée : du ${frenchDate(daysAgo(4))} au ${frenchDate(today())}.`);
    expect(declared.stdout).toContain('Historique envoyé : 362 messages retenus, 0 hors période.');
    expect((await readState(kase)).reportedAt).toBeGreaterThan(0);
    expect(await processQueue()).toHaveLength(1);

    const exposed = await run(['status', '--state', close, '--url', url]);
    expect(exposed.stderr).toBe('');
    expect(exposed.code).toBe(0);
    expect(exposed.stdout).toMatch(/^Vous avez été exposé\(e\) à un cas de COVID-19\. Dernier contact à risque vers le \d{1,2} [a-zéû]+ \d{4} \(date volontairement approximative/);
    expect((await readState(close)).status).toMatchObject({ riskLevel: 4, checkedAt: expect.any(Number) as number });

    const safe = await run(['status', '--state', far, '--url', url]);
    expect(safe.code).toBe(0);
    expect(safe.stdout).toBe('Aucun contact à risque.\n');

    const tooSoon = await run(['status', '--state', close, '--url', url]);
    expect(tooSoon.code).toBe(1);
    expect(tooSoon.stdout).toBe('');
    expect(tooSoon.stderr).toContain('Votre statut a déjà été vérifié il y a moins de 30 minutes.');
    expect(tooSoon.stderr).toMatch(/Nouvel essai possible dans (\d+ s|\d+ min)\./);
    expect(tooSoon.stderr).toContain('HTTP 429, ROBERT_STATUS_TOO_SOON');

    advance(31);
    const json = await run(['status', '--state', close, '--url', url, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ atRisk: true, riskLevel: 4, lastContactDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) as string });

    // delete-history: the exposure is forgotten by the server.
    const deleted = await run(['delete-history', '--state', close, '--url', url]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain('effacé sur le serveur');
    advance(31);
    expect((await run(['status', '--state', close, '--url', url])).stdout).toBe('Aucun contact à risque.\n');

    // unregister: the server forgets the phone and the file goes; a copy of it is refused.
    const copy = join(dir, 'close-copy.json');
    await copyFile(close, copy);
    const gone = await run(['unregister', '--state', close, '--url', url]);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain('Téléphone désenregistré');
    await expect(stat(close)).rejects.toThrow();
    const refused = await run(['status', '--state', copy, '--url', url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Cet appareil n'a pas pu être authentifié");
    expect(refused.stderr).toContain('HTTP 401');
  });

  it('declares without --state, shows the token, and the report sent by hand keeps only the days of the window', async () => {
    const kase = await registeredPhone('case');
    const other = await registeredPhone('other');
    await meet(kase, other, 10, -60);
    // Pretend 20 of those HELLOs were heard 10 days ago: outside the window (symptoms 2 days ago).
    const state = await readState(kase);
    for (const heard of state.heard.slice(0, 20)) heard.timeCollectedOnDevice -= 10 * 86_400;
    await writeFile(kase, JSON.stringify(state));

    const code = await freshCode();
    const declared = await run(['declare', '--code', code, '--onset', `symptoms:${daysAgo(2)}`, '--url', url, '--device-id', 'my-test-device-01']);
    expect(declared.code).toBe(0);
    expect(declared.stdout).toContain("Aucun historique envoyé (pas d'option --state).");
    expect(declared.stdout).toMatch(/Jeton d'envoi, valable jusqu'au \d\d\/\d\d\/\d{4} à \d\d:\d\d : [A-Za-z0-9_-]{43}/);
    const command = /npm run app -- report --state FICHIER --token=(\S+) --from (\S+) --to (\S+)\n/.exec(declared.stdout);
    expect(command?.slice(2)).toEqual([daysAgo(4), today()]);

    const wrongToken = await run(['report', '--state', kase, '--token', 'x'.repeat(43), '--from', daysAgo(4), '--to', today(), '--url', url]);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toContain("L'autorisation d'envoi est invalide, expirée ou déjà utilisée.");

    const reported = await run(['report', '--state', kase, `--token=${command![1]!}`, '--from', command![2]!, '--to', command![3]!, '--url', url]);
    expect(reported.stderr).toBe('');
    expect(reported.code).toBe(0);
    expect(reported.stdout).toBe('Historique envoyé : 41 messages retenus, 20 hors période.\n');
    const [outcome] = await processQueue();
    expect(outcome).toMatchObject({ hellos: 41, valid: 41 });

    // The code is spent.
    const again = await run(['declare', '--code', code, '--onset', 'unknown', '--url', url]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('invalide, expiré ou déjà utilisé');
    expect(again.stderr).toContain('CODE_INVALID');
  });

  it('answers one JSON object with declare --json, with and without --state', async () => {
    const kase = await registeredPhone('case');
    const other = await registeredPhone('other');
    await meet(kase, other, 5, -60);
    const withState = await run(['declare', '--code', await freshCode(), '--onset', 'unknown', '--state', kase, '--url', url, '--json']);
    expect(withState.stderr).toBe('');
    const output = JSON.parse(withState.stdout) as { declaration: { window: unknown; uploadToken: string; tokenExpiresAt: string }; report: unknown };
    expect(output.declaration.window).toEqual({ from: daysAgo(14), to: today() });
    expect(output.declaration.uploadToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(output.declaration.tokenExpiresAt)).toBeGreaterThan(t.clock.now().getTime());
    expect(output.report).toEqual({ accepted: 31, outsideWindow: 0 });
    await processQueue();

    const without = await run(['declare', '--code', await freshCode(), '--onset', 'unknown', '--url', url, '--json']);
    expect(Object.keys(JSON.parse(without.stdout) as object)).toEqual(['declaration']);
  });

  it('keeps the token and the report command in sight when the report fails after the code is spent', async () => {
    const kase = await registeredPhone('case');
    const other = await registeredPhone('other');
    await meet(kase, other, 5, -60);
    const reportUnreachable: typeof fetch = async (input, init) => {
      if (!(input instanceof Request) && String(input).endsWith('/api/robert/v1/report')) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      return fetch(input, init);
    };
    const failed = await run(['declare', '--code', await freshCode(), '--onset', 'unknown', '--state', kase, '--url', url], { fetch: reportUnreachable });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Code accepté.');
    expect(failed.stderr).toContain("Le code a été accepté mais l'historique n'a pas été envoyé.");
    expect(failed.stderr).toContain(`Erreur réseau : Impossible de joindre le serveur ${url} : connexion interrompue (ECONNRESET).`);
    expect((await readState(kase)).reportedAt).toBeUndefined();

    expect(failed.stderr).toContain(`npm run app -- report --state ${kase} --token=`);
    const command = /--token=(\S+) --from (\S+) --to (\S+)\n/.exec(failed.stderr);
    const retried = await run(['report', '--state', kase, `--token=${command![1]!}`, '--from', command![2]!, '--to', command![3]!, '--url', url]);
    expect(retried.stdout).toBe('Historique envoyé : 31 messages retenus, 0 hors période.\n');
    await processQueue();
  });

  it('resolves a relative --state against INIT_CWD (where `npm run app` was typed)', async () => {
    const result = await run(['register', '--state', 'relative.json', '--url', url], { env: { INIT_CWD: dir } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Téléphone enregistré, conservé dans « relative.json »');
    expect((await readState(join(dir, 'relative.json'))).version).toBe(1);
  });
});

describe('declare', () => {
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

  it('uses PROSTOPCOVID_URL when --url is not given', async () => {
    const result = await run(['declare', '--code', 'ZZZZZZ', '--onset', 'unknown'], { env: { PROSTOPCOVID_URL: url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalide, expiré ou déjà utilisé');
  });
});

describe('server not listening', () => {
  it('is a network failure naming the server and the reason, for declare and the phone commands', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const closed = `http://127.0.0.1:${closedPort}`;
    const phone = await registeredPhone('offline');
    const fresh = join(dir, 'never-written.json');
    for (const argv of [
      ['declare', '--code', 'K7Q4XM', '--onset', 'unknown'],
      ['register', '--state', fresh],
      ['status', '--state', phone],
      ['unregister', '--state', phone],
    ]) {
      const result = await run([...argv, '--url', closed]);
      expect(result.code, argv[0]).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`Erreur réseau : Impossible de joindre le serveur ${closed} : connexion refusée (ECONNREFUSED).`);
    }
    await expect(stat(fresh)).rejects.toThrow();
    expect((await readState(phone)).version).toBe(1);
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
    [['register'], "L'option --state est obligatoire"],
    [['status', '--json'], "L'option --state est obligatoire"],
    [['unregister'], "L'option --state est obligatoire"],
    [['delete-history'], "L'option --state est obligatoire"],
    [['meet', '--state', 'a.json'], "L'option --with est obligatoire"],
    [['meet', '--state', 'a.json', '--with', 'b.json', '--minutes', '0'], "L'option --minutes attend un nombre entier entre 1 et 60 (reçu : « 0 »)"],
    [['meet', '--state', 'a.json', '--with', 'b.json', '--minutes', '61'], 'entre 1 et 60'],
    [['meet', '--state', 'a.json', '--with', 'b.json', '--rssi', '-20'], "L'option --rssi attend un nombre entier entre -100 et -30 (reçu : « -20 »)"],
    [['meet', '--state', 'a.json', '--with', 'b.json', '--rssi', '--minutes', '5'], "L'option --rssi attend une valeur"],
    [['report', '--state', 'a.json', '--from', '2026-11-20', '--to', '2026-11-21'], "L'option --token est obligatoire"],
    [['report', '--state', 'a.json', '--token', 'T', '--to', '2026-11-21'], "L'option --from est obligatoire"],
    [['report', '--state', 'a.json', '--token', 'T', '--from', '2026-11-31', '--to', '2026-12-01'], 'Date invalide pour --from : « 2026-11-31 »'],
    [['report', '--state', 'a.json', '--token', 'T', '--from', '2026-11-21', '--to', '2026-11-20'], "La période est à l'envers"],
    // A token may begin with "-" (Base64url): written with "=", it is taken as the value.
    [['report', '--state', 'a.json', '--token=-Tq', '--from', '2026-11-21', '--to', '2026-11-20'], "La période est à l'envers"],
    [['report', '--state', 'a.json', '--token', '-Tq', '--from', '2026-11-21', '--to', '2026-11-20'], "s'écrit --token=valeur"],
    [['simulate-contacts', '--days', '3'], 'Commande inconnue : « simulate-contacts »'],
    [['frobnicate'], 'Commande inconnue : « frobnicate »'],
    [[], 'Indiquez une commande'],
  ])('%j exits 2 with a French message', async (argv, message) => {
    const result = await run(argv, { fetch: noNetwork, env: { INIT_CWD: dir } });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('npm run app -- help');
  });

  it('refuses a missing, non-JSON or foreign state file, naming it, before spending the code', async () => {
    const good = await readState(await registeredPhone('good'));
    const files = {
      missing: join(dir, 'nope.json'),
      notJson: join(dir, 'not-json.json'),
      array: join(dir, 'array.json'),
      otherVersion: join(dir, 'other-version.json'),
      badShape: join(dir, 'bad-shape.json'),
      badHello: join(dir, 'bad-hello.json'),
    };
    await writeFile(files.notJson, '{ "version": 1, ');
    await writeFile(files.array, '[]');
    await writeFile(files.otherVersion, JSON.stringify({ ...good, version: 2 }));
    await writeFile(files.badShape, JSON.stringify({ ...good, tuples: 'none' }));
    await writeFile(files.badHello, JSON.stringify({ ...good, heard: [{ ebid: 'AAAAAAAAAAA=', ecc: 'AA==', timeCollectedOnDevice: 1, timeFromHelloMessage: 1, mac: 'AAAAAAA=', rssiCalibrated: 500 }] }));
    const expected: Record<keyof typeof files, string> = {
      missing: `Impossible de lire le téléphone « ${files.missing} » : fichier ou dossier introuvable.`,
      notJson: `Le fichier « ${files.notJson} » n'est pas du JSON valide`,
      array: `Le fichier « ${files.array} » n'est pas un téléphone de cette application`,
      otherVersion: `Le fichier « ${files.otherVersion} » n'est pas un téléphone de cette application (version 1 attendue).`,
      badShape: `Le fichier « ${files.badShape} » est un téléphone abîmé`,
      badHello: `Le fichier « ${files.badHello} » est un téléphone abîmé`,
    };
    const code = await freshCode();
    for (const [name, path] of Object.entries(files) as Array<[keyof typeof files, string]>) {
      for (const argv of [
        ['declare', '--code', code, '--onset', 'unknown', '--state', path, '--url', url],
        ['status', '--state', path, '--url', url],
        ['meet', '--state', path, '--with', path],
        ['report', '--state', path, '--token', 'T', '--from', today(), '--to', today(), '--url', url],
      ]) {
        const result = await run(argv, { fetch: noNetwork });
        expect(result.code, `${name} ${argv[0]}`).toBe(2);
        expect(result.stderr, `${name} ${argv[0]}`).toContain(expected[name]);
      }
    }
    // Still unspent.
    expect((await run(['declare', '--code', code, '--onset', 'unknown', '--url', url])).code).toBe(0);
  });

  it('refuses to register over an existing file unless --force, and to meet a phone with itself', async () => {
    const path = await registeredPhone('existing');
    const before = await readState(path);
    const refused = await run(['register', '--state', path, '--url', url], { fetch: noNetwork });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`Le fichier « ${path} » existe déjà`);
    expect(refused.stderr).toContain('--force');

    const forced = await run(['register', '--state', path, '--url', url, '--force']);
    expect(forced.code).toBe(0);
    expect((await readState(path)).kaMac).not.toBe(before.kaMac);

    const alone = await run(['meet', '--state', path, '--with', path], { fetch: noNetwork });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--state et --with désignent le même fichier');
  });
});

describe('help', () => {
  it('prints the usage in French and exits 0', async () => {
    for (const argv of [['help'], ['--help'], ['declare', '--help'], ['meet', '-h']]) {
      const result = await run(argv, { fetch: noNetwork });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Utilisation : npm run app -- <commande> [options]');
      expect(result.stdout).toContain('symptoms:AAAA-MM-JJ');
      expect(result.stdout).toContain('meet --state alice.json --with bob.json');
    }
  });
});
