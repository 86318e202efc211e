/**
 * The system under test, in a worker thread of its own (so it has its own core): the PSC
 * sandbox and the real server (`buildApp`, the same code as `npm start`) listening on
 * 127.0.0.1, with the in-process report worker. Its clock reads the virtual time the
 * simulator writes into a SharedArrayBuffer: the server and the phones live the same 14 days,
 * without any test hook in the server's code (`buildApp` takes a clock, as every test does).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { startPscSandbox, type SandboxProfessional } from '@prostopcovid/psc-sandbox';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/platform/clock.js';
import { openThrowAwayDatabase } from '../../src/testing/database.js';
import { freePort } from '../../src/testing/processes.js';

export interface ServerThreadInput {
  /** One BigInt64: the virtual time in Unix milliseconds, written by the simulator. */
  clock: SharedArrayBuffer;
  professionals: SandboxProfessional[];
  /** PostgreSQL server for a throw-away schema; PGlite in memory without it. */
  databaseUrl: string | undefined;
  env: Record<string, string>;
}

export type ServerThreadMessage = { kind: 'ready'; baseUrl: string; database: string } | { kind: 'stopped' } | { kind: 'error'; message: string };

const input = workerData as ServerThreadInput;
const port = parentPort!;
const view = new BigInt64Array(input.clock);
const clock: Clock = { now: () => new Date(Number(Atomics.load(view, 0))) };

const cleanups: Array<() => Promise<void> | void> = [];

async function start(): Promise<void> {
  const appPort = await freePort();
  const baseUrl = `http://127.0.0.1:${appPort}`;
  const client = { client_id: 'prostopcovid-sim-contacts', client_secret: randomBytes(24).toString('base64url') };
  const sandbox = await startPscSandbox({
    port: 0,
    host: '127.0.0.1',
    professionals: input.professionals,
    clients: [{ ...client, redirect_uris: [`${baseUrl}/auth/callback`], post_logout_redirect_uris: [`${baseUrl}/`] }],
    logger: { info: () => {}, warn: () => {} },
  });
  cleanups.push(() => sandbox.close());
  const keysDir = mkdtempSync(join(tmpdir(), 'pscv-sim-contacts-keys-'));
  cleanups.push(() => rmSync(keysDir, { recursive: true, force: true }));
  const config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    PORT: String(appPort),
    PUBLIC_URL: baseUrl,
    PSC_ISSUER: sandbox.issuer,
    PSC_CLIENT_ID: client.client_id,
    PSC_CLIENT_SECRET: client.client_secret,
    CODE_HMAC_KEYS: `sim:${randomBytes(32).toString('base64')}`,
    // Throw-away keys (ROBERT's, the document signer's) and trust-list cache: nothing in .data.
    KEYS_DIR: keysDir,
    DCC_TRUST_LIST_CACHE_FILE: join(keysDir, 'trust-list.json'),
    WEB_DIR: '/nonexistent',
    ...input.env,
  });
  const database = await openThrowAwayDatabase(input.databaseUrl, 'sim');
  cleanups.push(() => database.close());
  const app = await buildApp({ config, database, clock });
  cleanups.push(() => app.close());
  await app.listen({ host: '127.0.0.1', port: appPort });
  port.postMessage({ kind: 'ready', baseUrl, database: database.kind } satisfies ServerThreadMessage);
}

async function stop(): Promise<void> {
  while (cleanups.length) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      console.error('server thread cleanup:', error);
    }
  }
}

port.on('message', (message: { kind: 'stop' }) => {
  if (message.kind !== 'stop') return;
  void stop().then(() => {
    port.postMessage({ kind: 'stopped' } satisfies ServerThreadMessage);
    port.close();
  });
});

start().catch(async (error: unknown) => {
  port.postMessage({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ServerThreadMessage);
  await stop();
});
