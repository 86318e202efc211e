/** The simulation's settings, from the command line (bounded), and its log. */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

export interface Settings {
  phones: number;
  cases: number;
  seed: string;
  /** σ of the Gaussian RSSI noise, dB; per-phone calibration errors have σ/2. */
  noiseDb: number;
  /** Path-loss exponent n in RSSI = P(1 m) − 10·n·log10(d). */
  pathLossExponent: number;
  /** Calibrated RSSI at 1 m (robert-server's reference). */
  rssiAt1m: number;
  /** Bluetooth range, metres. */
  rangeM: number;
  days: number;
  maxSeconds: number;
  /** Status requests in flight at once. */
  concurrency: number;
  out: string | undefined;
  databaseUrl: string | undefined;
}

export const USAGE = `npm run sim:contacts -- [--phones 2000] [--cases N] [--seed stopcovid] [--noise 0|4|8]
  [--path-loss 2] [--range 10] [--days 14] [--max-seconds 900] [--concurrency 16] [--out summary.json]
  DATABASE_URL=postgres://…@127.0.0.1/… to run on PostgreSQL (a throw-away schema) instead of PGlite in memory.`;

function bounded(name: string, raw: string | undefined, fallback: number, min: number, max: number, integer = true): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max} (got "${raw}")\n${USAGE}`);
  }
  return value;
}

export function readSettings(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      phones: { type: 'string' },
      cases: { type: 'string' },
      seed: { type: 'string' },
      noise: { type: 'string' },
      'path-loss': { type: 'string' },
      range: { type: 'string' },
      days: { type: 'string' },
      'max-seconds': { type: 'string' },
      concurrency: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const phones = bounded('phones', values.phones, 2000, 20, 20_000);
  // About 2.5 % of the town declares a case over the fortnight.
  const cases = bounded('cases', values.cases, Math.max(1, Math.round(phones * 0.025)), 1, Math.floor(phones / 4));
  return {
    phones,
    cases,
    seed: values.seed ?? 'stopcovid',
    noiseDb: bounded('noise', values.noise, 0, 0, 20, false),
    pathLossExponent: bounded('path-loss', values['path-loss'], 2, 1.5, 4, false),
    rssiAt1m: -40,
    rangeM: bounded('range', values.range, 10, 1, 30, false),
    days: bounded('days', values.days, 14, 8, 14),
    maxSeconds: bounded('max-seconds', values['max-seconds'], 900, 30, 7200),
    concurrency: bounded('concurrency', values.concurrency, 16, 1, 256),
    out: values.out,
    databaseUrl: env.DATABASE_URL || undefined,
  };
}

const started = performance.now();
export const elapsedSeconds = () => (performance.now() - started) / 1000;

export function log(message: string): void {
  console.error(`[sim ${elapsedSeconds().toFixed(1).padStart(6)} s] ${message}`);
}
