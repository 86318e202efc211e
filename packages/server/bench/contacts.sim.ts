/**
 * `npm run sim:contacts`: thousands of StopCovid phones (the phone library, @prostopcovid/phone)
 * in a synthetic town live 14 virtual days against the real server over HTTP: they register,
 * hear each other's HELLOs with an RSSI from a path-loss model, poll their status; some become
 * cases, see a doctor signed in through the PSC sandbox, declare with the code and report.
 * Prints precision and recall against the ground truth of the town, the protocol's own
 * decision (chain check), the server's KPIs (/metrics) and timings; `--out` writes them as JSON.
 *
 * Parts in contacts/: settings, random (seeded), town, radio, system and server-thread (the
 * server in a worker thread on a shared virtual clock), pro (doctor and declaration),
 * simulation, truth, report. Everything runs on 127.0.0.1, bounded by --max-seconds.
 */
import { writeFileSync } from 'node:fs';
import { printSummary, summarise } from './contacts/report.js';
import { log, readSettings } from './contacts/settings.js';
import { runSimulation } from './contacts/simulation.js';
import type { RunningSystem } from './contacts/system.js';
import { runBounded } from './shared.js';

const settings = readSettings();
let system: RunningSystem | undefined;

async function main(): Promise<number> {
  const outcome = await runSimulation(settings, (running) => (system = running));
  const summary = summarise(settings, outcome);
  console.log(printSummary(summary));
  if (settings.out) {
    writeFileSync(settings.out, `${JSON.stringify(summary, null, 2)}\n`);
    log(`summary written to ${settings.out}`);
  }
  // A failed declaration, a disagreement with the protocol or a cut-short fortnight: not a result.
  const failed = summary.cases.errors.length > 0 || summary.protocolCheck.notifiedNotExpected + summary.protocolCheck.expectedNotNotified > 0 || summary.run.stoppedEarly;
  return failed ? 1 : 0;
}

await runBounded('sim:contacts', settings.maxSeconds + 60, main, async () => {
  await system?.stop();
});
