/** The simulation's settings (env, bounded: listed in ../outage.sim.ts), and its clock. */
import { performance } from 'node:perf_hooks';
import type { BackoffPolicy } from '@prostopcovid/continuity';
import { intSetting } from '../shared.js';

export const PROFESSIONALS = intSetting('SIM_PROFESSIONALS', 200, 1, 5000);
export const ACT_INTERVAL_S = intSetting('SIM_ACT_INTERVAL_SECONDS', 15, 1, 3600);
export const STEADY_S = intSetting('SIM_STEADY_SECONDS', 20, 5, 3600);
export const OUTAGE_S = intSetting('SIM_OUTAGE_SECONDS', 30, 5, 3600);
export const RECOVERY_MAX_S = intSetting('SIM_RECOVERY_MAX_SECONDS', 60, 5, 3600);
export const POLICY: BackoffPolicy = { baseMs: intSetting('SIM_BACKOFF_BASE_MS', 1000, 10, 600_000), capMs: intSetting('SIM_BACKOFF_CAP_MS', 16_000, 10, 3_600_000) };
export const SPACING_MS = intSetting('SIM_SPACING_MS', 250, 0, 60_000);
export const LOST_ANSWERS = intSetting('SIM_LOST_ANSWERS_PERMILLE', 20, 0, 500) / 1000;
export const OUTAGE_SIGN_INS = intSetting('SIM_OUTAGE_SIGN_INS', 10, 0, 1000);
export const VARIANTS = (process.env.SIM_VARIANTS || 'jitter,no-jitter').split(',').map((s) => variant(s.trim()));
export const DATABASE = process.env.SIM_DATABASE || 'pglite';
export const DATABASE_URL = process.env.SIM_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
// Per variant: the phases, the tail (a cap's worth of waiting for the last retries), and margins.
const VARIANT_BOUND_S = STEADY_S + OUTAGE_S + RECOVERY_MAX_S + Math.ceil(POLICY.capMs / 1000) + 40;
export const TIMEOUT_S = intSetting('SIM_TIMEOUT_SECONDS', 180 + Math.ceil(PROFESSIONALS / 5) + VARIANTS.length * VARIANT_BOUND_S, 30, 24 * 3600);

export type Variant = 'jitter' | 'no-jitter' | 'online';
function variant(name: string): Variant {
  if (name !== 'jitter' && name !== 'no-jitter' && name !== 'online') throw new Error(`SIM_VARIANTS: unknown variant "${name}"`);
  return name;
}
if (DATABASE !== 'pglite' && DATABASE !== 'postgres') throw new Error(`SIM_DATABASE must be pglite or postgres (got "${DATABASE}")`);
if (POLICY.capMs < POLICY.baseMs) throw new Error('SIM_BACKOFF_CAP_MS must be at least SIM_BACKOFF_BASE_MS');

export const SERVER_SCRIPT = 'packages/server/src/main.ts';
export const REQUEST_TIMEOUT_MS = 30_000;

const started = performance.now();
export function log(message: string): void {
  console.error(`[sim ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}
