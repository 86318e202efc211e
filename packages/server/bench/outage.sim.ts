/**
 * `npm run sim:outage`: many professionals recording tests and vaccinations through an outage
 * of the portal and of Pro Santé Connect (docs/domain.md, Continuity), each with the pro portal's own outbox
 * sender (`OutboxSender` from @prostopcovid/continuity, an in-memory store in place of
 * IndexedDB) and continuity's act transport (`sendAct`, Node's fetch through a simulated
 * link: outage/network.ts), against the real server and the PSC sandbox. Reports acts recorded, lost and
 * duplicated (checked in the database), replays absorbed by the idempotency keys, and the
 * request rate when connectivity returns compared with the steady rate: the portal's behaviour
 * (full jitter; the browser's `online` event spread over the backoff window) and, for
 * comparison, a naive client (no jitter, everyone retrying on `online` at once).
 *
 * Phases of each variant: steady (acts sent as they are recorded) → outage (the link to the
 * portal fails like a network error and the PSC sandbox is stopped; acts pile up in the
 * outboxes, the senders back off) → recovery (PSC restarted on the same port, link back;
 * run until every act recorded before recovery is stored) → tail (recording stops, outboxes
 * empty).
 *
 * Settings (env, bounded):
 *   SIM_PROFESSIONALS           simulated pharmacists and nurses, each signed in through PSC (200)
 *   SIM_ACT_INTERVAL_SECONDS    mean time between two acts of one professional, exponential (15)
 *   SIM_STEADY_SECONDS          steady phase (20)
 *   SIM_OUTAGE_SECONDS          outage (30)
 *   SIM_RECOVERY_MAX_SECONDS    bound on the time to send the backlog after the outage (60)
 *   SIM_BACKOFF_BASE_MS         first retry waits up to this (1000; the portal uses 2000)
 *   SIM_BACKOFF_CAP_MS          longest wait (16000; the portal uses 120000, for outages of hours)
 *   SIM_SPACING_MS              the sender's pause between two acts of a backlog (250, as the portal)
 *   SIM_LOST_ANSWERS_PERMILLE   answers dropped after the server stored the act, as a broken connection would (20)
 *   SIM_OUTAGE_SIGN_INS         sign-in attempts during the outage, which fail and feed the server's PSC breaker (10)
 *   SIM_VARIANTS                which recoveries, in order (jitter,no-jitter). jitter: the portal (full jitter;
 *                               on the `online` event every sender retries within a random part of its window);
 *                               no-jitter: a naive client (whole windows; everyone retries on `online` at once);
 *                               online: jitter, but every sender kicked at once on `online`
 *   SIM_DATABASE                pglite (temporary DATA_DIR) or postgres (throw-away database) (pglite)
 *   SIM_DATABASE_URL            PostgreSQL server for SIM_DATABASE=postgres (postgres://postgres@127.0.0.1:5432/test)
 *   SIM_TIMEOUT_SECONDS         hard limit for the whole run (derived from the durations)
 *
 * Everything runs on 127.0.0.1. Exit code 1 when an act is lost or duplicated, an act is
 * refused (load shedding with 429/503 is reported, not a failure: the outbox resends), an
 * outbox does not empty, or on errors.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as pause } from 'node:timers/promises';
import type { ChildServer } from '../src/testing/processes.js';
import { signInAll, type ClientAct } from './outage/professionals.js';
import { failures as failuresOf, report } from './outage/report.js';
import { serverActCounts } from './outage/server-probes.js';
import { log, TIMEOUT_S, VARIANTS } from './outage/settings.js';
import { startSimulatedSystem } from './outage/system.js';
import { runVariant, type VariantResult } from './outage/variant.js';
import { verify } from './outage/verify.js';
import { cleanup, fmt, runBounded } from './shared.js';

async function main(): Promise<number> {
  const { baseUrl, sandboxRef, dbOptions, pros, spares, ...system } = await startSimulatedSystem();
  let server: ChildServer | undefined = system.server;
  try {
    const signInStart = performance.now();
    const sessions = await signInAll(baseUrl, pros.map((p) => p.idNatPs));
    const signInSeconds = (performance.now() - signInStart) / 1000;
    log(`${sessions.length} professionals signed in through PSC in ${fmt(signInSeconds)} s`);

    const acts = new Map<string, ClientAct>();
    const results: VariantResult[] = [];
    for (const variant of VARIANTS) {
      results.push(await runVariant(variant, baseUrl, sessions, sandboxRef, acts, spares.map((p) => p.idNatPs)));
      await pause(2000);
    }

    const serverCounts = await serverActCounts(baseUrl);
    // PGlite allows one process: the server stops before the database is read.
    await server.stop();
    const errors = server.output().split('\n').filter((line) => /"level":(50|60)/.test(line));
    server = undefined;
    log('server stopped; checking the database');
    const check = await verify(dbOptions, acts);
    console.log(report(results, check, serverCounts, signInSeconds).join('\n'));

    const failures = failuresOf(results, check, errors);
    console.log(failures.length ? `\nFAILED:\n- ${failures.join('\n- ')}` : '\nOK: no act lost, none duplicated, none refused.');
    return failures.length ? 1 : 0;
  } catch (error) {
    if (server) console.error(`server output:\n${server.output().slice(-5000)}`);
    throw error;
  } finally {
    await server?.stop();
  }
}

await runBounded('sim', TIMEOUT_S, main, cleanup);
