/**
 * The system under test, on 127.0.0.1: the PSC sandbox (in this process, knowing the simulated
 * professionals and a throw-away client) and the real server (src/main.ts, a child process)
 * on PGlite in a temporary folder or a throw-away PostgreSQL database.
 */
import { randomBytes } from 'node:crypto';
import { professionals as shippedProfessionals, startPscSandbox, type RunningSandbox, type SandboxProfessional } from '@prostopcovid/psc-sandbox';
import { freePort, startChild, type ChildServer } from '../../src/testing/processes.js';
import { createThrowAwayDatabase, onCleanup, serverEnv, tempDir } from '../shared.js';
import { simulatedProfessionals } from './professionals.js';
import { DATABASE, DATABASE_URL, log, PROFESSIONALS, SERVER_SCRIPT } from './settings.js';

export interface SimulatedSystem {
  baseUrl: string;
  /** The sandbox, replaced when the outage restarts it on the same port. */
  sandboxRef: { current: RunningSandbox };
  server: ChildServer;
  /** Where the verification reads the acts once the server has stopped. */
  dbOptions: { url?: string; dataDir?: string };
  /** The professionals who record acts. */
  pros: SandboxProfessional[];
  /** A few more accounts for the sign-in attempts during and after the outage. */
  spares: SandboxProfessional[];
}

/** Starts both; they are stopped by the bench's cleanup. */
export async function startSimulatedSystem(): Promise<SimulatedSystem> {
  let dbEnv: Record<string, string>;
  let dbOptions: { url?: string; dataDir?: string };
  if (DATABASE === 'postgres') {
    const created = await createThrowAwayDatabase(DATABASE_URL, 'sim', onCleanup, log);
    if ('skipped' in created) throw new Error(created.skipped);
    dbEnv = { DATABASE_URL: created.url, DATA_DIR: tempDir('pscv-sim-unused-') };
    dbOptions = { url: created.url };
  } else {
    const dataDir = tempDir('pscv-sim-db-');
    dbEnv = { DATA_DIR: dataDir };
    dbOptions = { dataDir };
  }

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const pros = simulatedProfessionals(PROFESSIONALS);
  const spares = simulatedProfessionals(PROFESSIONALS + 20).slice(PROFESSIONALS);
  const client = { client_id: 'prostopcovid-sim', client_secret: randomBytes(24).toString('base64url') };
  const sandboxRef = {
    current: await startPscSandbox({
      port: 0,
      host: '127.0.0.1',
      professionals: [...shippedProfessionals, ...pros, ...spares],
      clients: [{ ...client, redirect_uris: [`${baseUrl}/auth/callback`], post_logout_redirect_uris: [`${baseUrl}/`] }],
    }),
  };
  onCleanup(() => sandboxRef.current.close());

  log(`starting the server (src/main.ts, ${DATABASE}) and the PSC sandbox on port ${sandboxRef.current.port}`);
  const server = await startChild({
    name: 'server',
    script: SERVER_SCRIPT,
    env: serverEnv(
      { port, issuer: sandboxRef.current.issuer, client },
      {
        ...dbEnv,
        PSC_TIMEOUT_MS: '2000',
        // Scaled to a 30 s outage: the breaker checks PSC every 5 s, opens the automatic incident
        // after two failures and closes it soon after PSC returns, within the run.
        PSC_PROBE_SECONDS: '5',
        PSC_WATCH_SECONDS: '5',
        PSC_FAILURE_THRESHOLD: '2',
        // Throw-away document signer: nothing is written to the repository's .data.
        KEYS_DIR: tempDir('pscv-sim-keys-'),
      },
    ),
    readyMarker: 'ProStopCovid est prêt',
  });
  return { baseUrl, sandboxRef, server, dbOptions, pros, spares };
}
