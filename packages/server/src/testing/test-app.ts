import { createRobertHttpApi, type RobertApi } from '@prostopcovid/phone';
import { DailyKeys, loadRobertSecrets } from '../modules/robert/robert-keys.js';
import { RobertTime } from '../modules/robert/robert-time.js';
import { randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driveLogin, professionals as shippedProfessionals, startPscSandbox, type RunningSandbox, type SandboxProfessional } from '@prostopcovid/psc-sandbox';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { DestinationStream } from 'pino';
import { buildApp } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import type { DatabaseHandle, Db } from '../db/database.js';
import { ManualClock } from '../platform/clock.js';
import { openTestDatabase } from './database.js';

export const TEST_PUBLIC_URL = 'http://app.test';
const CLIENT = { client_id: 'prostopcovid-test', client_secret: 'test-secret' };

/** Fixed HMAC keys, so tests can rotate them: `${TEST_HMAC_KEYS.k2},${TEST_HMAC_KEYS.k1}`. */
export const TEST_HMAC_KEYS = {
  k1: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
  k2: `k2:${Buffer.alloc(32, 2).toString('base64')}`,
  k3: `k3:${Buffer.alloc(32, 3).toString('base64')}`,
};

export interface TestApp {
  app: FastifyInstance;
  database: DatabaseHandle;
  sandbox: RunningSandbox;
  clock: ManualClock;
  config: Config;
  /** Professionals the sandbox knows; factories add to it. */
  professionals: SandboxProfessional[];
  close(): Promise<void>;
}

function testConfig(issuer: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: TEST_PUBLIC_URL,
    PSC_ISSUER: issuer,
    PSC_CLIENT_ID: CLIENT.client_id,
    PSC_CLIENT_SECRET: CLIENT.client_secret,
    PSC_TIMEOUT_MS: '2000',
    WEB_DIR: '/nonexistent',
    CODE_HMAC_KEYS: TEST_HMAC_KEYS.k1,
    // Off unless a test is about it: a slow CI machine must not shed the suite's own requests,
    // and tests make many requests as one professional within one (manual) minute.
    ADMISSION_MAX_EVENT_LOOP_DELAY_MS: '0',
    ADMISSION_MAX_IN_FLIGHT: '0',
    ADMISSION_MAX_QUEUE_MS: '0',
    PRO_REQUESTS_PER_MINUTE: '10000000',
    LAB_KEY_REQUESTS_PER_MINUTE: '10000000',
    // Likewise, no background check of PSC: tests drive the breaker themselves.
    PSC_WATCH_SECONDS: '0',
    // ROBERT reports are processed when a test says so (processNextReport).
    ROBERT_WORKERS: '0',
    // The statistics' rollup is rebuilt when a test says so (refreshStatistics).
    STATS_REFRESH_SECONDS: '0',
    // A throw-away document signer per app, never the developer's .data/keys.
    KEYS_DIR: mkdtempSync(join(tmpdir(), 'prostopcovid-keys-')),
    DCC_TRUST_LIST_CACHE_FILE: join(mkdtempSync(join(tmpdir(), 'prostopcovid-trust-')), 'trust-list.json'),
    ...env,
  });
}

/** A real app on a fresh database, signed in through a real PSC sandbox on a random port. */
export async function createTestApp(
  options: {
    env?: Record<string, string>;
    clientOverrides?: Record<string, unknown>;
    walletDiscovery?: boolean;
    /** Extra routes registered before the app is ready (to exercise shared mechanisms). */
    routes?: (app: FastifyInstance) => void;
    /** Receives every log line (JSON), e.g. to prove what a log may not hold. */
    logStream?: DestinationStream;
    /** The app's view of the database (e.g. with a plugin counting statements); the test's stays plain. */
    wrapDatabase?: (db: Db) => Db;
  } = {},
): Promise<TestApp> {
  const professionals = [...shippedProfessionals];
  const sandbox = await startPscSandbox({
    port: 0,
    professionals,
    walletDiscovery: options.walletDiscovery,
    clients: [
      {
        ...CLIENT,
        redirect_uris: [`${TEST_PUBLIC_URL}/auth/callback`],
        post_logout_redirect_uris: [`${TEST_PUBLIC_URL}/`],
        ...options.clientOverrides,
      },
    ],
  });
  const config = testConfig(sandbox.issuer, options.env);
  const database = await openTestDatabase();
  const clock = new ManualClock(new Date());
  const appDatabase = options.wrapDatabase ? { ...database, db: options.wrapDatabase(database.db) } : database;
  const app = await buildApp({ config, database: appDatabase, clock, logStream: options.logStream });
  options.routes?.(app);
  await app.ready();
  return {
    app,
    database,
    sandbox,
    clock,
    config,
    professionals,
    close: async () => {
      await app.close();
      await database.close();
      await sandbox.close();
    },
  };
}

/** Another app instance on the same database and PSC sandbox, e.g. after a configuration change. */
export async function buildSiblingApp(t: TestApp, env: Record<string, string>): Promise<FastifyInstance> {
  const config = testConfig(t.sandbox.issuer, env);
  const app = await buildApp({ config, database: t.database, clock: t.clock });
  await app.ready();
  return app;
}

/** Where a synthetic professional works: a profession at a site with an address (postcode, INSEE commune code) and an e-mail. */
export interface TestWorkplace {
  profession: string;
  postcode?: string;
  communeCode?: string;
  email?: string;
}

/**
 * A synthetic professional with the given profession(s), known to the test's PSC sandbox; with
 * `workplaces`, one exercice per workplace, each with its address.
 */
export function createProfessional(
  t: TestApp,
  input: { profession?: string | string[]; workplaces?: TestWorkplace[]; givenName?: string; familyName?: string },
): SandboxProfessional {
  const workplaces: TestWorkplace[] = input.workplaces ?? (Array.isArray(input.profession) ? input.profession : [input.profession ?? '10']).map((profession) => ({ profession }));
  const codes = [...new Set(workplaces.map((w) => w.profession))];
  const professional: SandboxProfessional = {
    idNatPs: `8${String(randomInt(10 ** 10, 10 ** 11 - 1)).padStart(11, '0')}`,
    givenName: input.givenName ?? 'Camille',
    familyName: input.familyName ?? `TEST-${codes.join('-')}`,
    label: `Professionnel de test (${codes.join(', ')})`,
    exercices: workplaces.map((workplace) => ({
      codeProfession: workplace.profession,
      codeCategorieProfessionnelle: 'C',
      activities: [
        {
          raisonSocialeSite: 'Cabinet de test',
          identifiantTechniqueDeLaStructure: 'R10000000000000',
          codePostalCoordStructure: workplace.postcode,
          codeCommuneCoordStructure: workplace.communeCode,
          adresseEMailCoordStructure: workplace.email,
        },
      ],
    })),
  };
  t.professionals.push(professional);
  return professional;
}

export interface SignedIn {
  cookie: string;
  csrfToken: string;
  /** Headers for a state-changing request: session cookie and CSRF token. */
  headers: { cookie: string; 'x-csrf-token': string };
}

function cookieValue(response: LightMyRequestResponse, name: string): string | undefined {
  return response.cookies.find((c) => c.name === name)?.value;
}

/** Starts a sign-in at the app and returns the PSC authorization URL and the browser-binding cookie. */
export async function beginSignIn(t: TestApp, returnTo = '/') {
  const response = await t.app.inject({ method: 'GET', url: `/auth/login?returnTo=${encodeURIComponent(returnTo)}` });
  if (response.statusCode !== 302) throw new Error(`login answered ${response.statusCode}: ${response.body}`);
  const loginCookie = cookieValue(response, t.config.session.cookies.login);
  if (!loginCookie) throw new Error('no login cookie');
  return { authorizationUrl: response.headers.location as string, loginCookie };
}

/** Delivers PSC's redirect back to the app's callback, as the browser would. */
export function deliverCallback(t: TestApp, callbackUrl: string, loginCookie: string | undefined) {
  const url = new URL(callbackUrl);
  return t.app.inject({
    method: 'GET',
    url: url.pathname + url.search,
    ...(loginCookie ? { cookies: { [t.config.session.cookies.login]: loginCookie } } : {}),
  });
}

/** The full OIDC round trip through the sandbox, as a browser would do it. */
export async function signIn(t: TestApp, professional: SandboxProfessional, means: 'CARTE_CPS' | 'MOBILE' = 'CARTE_CPS'): Promise<SignedIn> {
  const { authorizationUrl, loginCookie } = await beginSignIn(t);
  const callbackUrl = await driveLogin(authorizationUrl, { idNatPs: professional.idNatPs, means });
  const callback = await deliverCallback(t, callbackUrl, loginCookie);
  const session = cookieValue(callback, t.config.session.cookies.session);
  if (callback.statusCode !== 303 || !session) throw new Error(`callback answered ${callback.statusCode}: ${callback.body}`);
  const cookie = `${t.config.session.cookies.session}=${session}`;
  const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
  const csrfToken = me.json<{ csrfToken: string }>().csrfToken;
  return { cookie, csrfToken, headers: { cookie, 'x-csrf-token': csrfToken } };
}

/** Issues a declaration code as a signed-in professional; returns the code in clear. */
export async function issueTestCode(app: FastifyInstance, session: SignedIn, caseKind: 'confirmed' | 'probable' = 'probable'): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/codes', headers: session.headers, payload: { caseKind, qrCodeUnavailable: true } });
  if (response.statusCode !== 201) throw new Error(`issue answered ${response.statusCode}: ${response.body}`);
  return response.json<{ code: string }>().code;
}

let deviceCounter = 0;
/** A fresh device id, as each app install would have. */
export function newDeviceId(): string {
  return `test-device-${process.pid}-${++deviceCounter}-${randomInt(1e9)}`;
}

/** The app's declaration call. */
export function declare(app: FastifyInstance, code: string, onset: Record<string, string>, deviceId = newDeviceId()) {
  return app.inject({ method: 'POST', url: '/api/app/v1/declarations', headers: { 'x-device-id': deviceId }, payload: { code, onset } });
}

/** The phone library's HTTP client, answered by the app in this process (inject): the same code as on a phone. */
export function robertApi(app: FastifyInstance): RobertApi {
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const response = await app.inject({
      method: (init?.method ?? 'GET') as 'GET' | 'POST',
      url: url.pathname + url.search,
      headers: init?.body === undefined || init.body === null ? {} : { 'content-type': 'application/json' },
      ...(typeof init?.body === 'string' ? { payload: init.body } : {}),
    });
    return new Response(response.body, { status: response.statusCode, headers: { 'content-type': String(response.headers['content-type'] ?? 'text/plain') } });
  }) as typeof fetch;
  return createRobertHttpApi(TEST_PUBLIC_URL, fetchFn);
}

/** What the report workers need, built as app.ts builds it (same keys directory, same database). */
export async function robertWorkerDeps(t: TestApp) {
  const secrets = await loadRobertSecrets(t.config.robert, t.config.keysDir);
  return { db: t.database.db, secrets, dailyKeys: new DailyKeys(t.database.db, secrets.keyEncryptionKey), time: new RobertTime(t.config.robert.timeStart), settings: t.config.robert };
}
