/**
 * What a phone's Bluetooth receiver reports. Log-distance path loss:
 *   RSSI(d) = P(1 m) − 10·n·log10(d) + c_listener + N(0, σ)
 * with P(1 m) = −40 dBm (robert-server's reference, calibrated RSSI at 1 m), n the path-loss
 * exponent (2 by default: free space; 2.5 or more indoors with obstacles), σ the noise of each
 * reading (independent per HELLO) and c the listener's calibration error, drawn once per
 * phone with σ/2 (0 when σ is 0: noise-free RSSI checks the chain, not the radio).
 *
 * A phone broadcasts a HELLO every 10 s while someone is in range; each has its own phase.
 */
import { MAX_REPORT_HELLOS } from '@prostopcovid/contracts/robert';
import type { Random } from './random.js';
import type { Contact } from './town.js';

export const HELLO_PERIOD_SECONDS = 10;

export interface RadioModel {
  rssiAt1m: number;
  pathLossExponent: number;
  noiseDb: number;
}

export function meanRssi(distance: number, radio: RadioModel): number {
  return radio.rssiAt1m - 10 * radio.pathLossExponent * Math.log10(Math.max(distance, 0.1));
}

/** What the phone library keeps: rounded, within ±127 (Phone.hear). */
export const keptRssi = (rssi: number) => Math.max(-127, Math.min(127, Math.round(rssi)));

/** The HELLOs one case's phone hears during its declaration window, in time order. */
export interface HelloPlan {
  listener: number;
  /** Unix seconds. */
  times: Float64Array;
  speakers: Int32Array;
  rssi: Float32Array;
  /** The phone keeps one HELLO in `thinning` of each neighbour (1: all, every 10 s). */
  thinning: number;
  /** HELLOs in range during the window, at one every 10 s. */
  inRange: number;
}

/** First second ≥ a that is ≡ phase (mod period). */
function firstAligned(a: number, phase: number, period: number): number {
  return a + ((((phase - a) % period) + period) % period);
}

function countAligned(a: number, b: number, phase: number, period: number): number {
  const first = firstAligned(a, phase, period);
  return first >= b ? 0 : Math.floor((b - 1 - first) / period) + 1;
}

/**
 * The HELLOs heard by `listener` between `fromS` and `toS` (Unix seconds). When there are more
 * than a report may hold (MAX_REPORT_HELLOS), the phone keeps one in k of each neighbour's,
 * with the smallest k that fits: evenly spread, so every contact keeps its duration.
 */
export function planHellos(listener: number, contacts: readonly Contact[], fromS: number, toS: number, phases: Uint8Array, calibration: number, radio: RadioModel, random: Random): HelloPlan {
  const spans = contacts
    .map((c) => ({ c, a: Math.max(c.start / 1000, fromS), b: Math.min(c.end / 1000, toS) }))
    .filter((s) => s.b > s.a);
  const count = (period: number) => spans.reduce((n, s) => n + countAligned(s.a, s.b, phases[s.c.speaker]!, period), 0);
  const inRange = count(HELLO_PERIOD_SECONDS);
  let thinning = 1;
  while (count(HELLO_PERIOD_SECONDS * thinning) > MAX_REPORT_HELLOS) thinning++;
  const period = HELLO_PERIOD_SECONDS * thinning;
  const n = count(period);
  const entries: Array<{ t: number; speaker: number; rssi: number }> = [];
  for (const { c, a, b } of spans) {
    const mean = meanRssi(c.distance, radio) + calibration;
    for (let t = firstAligned(a, phases[c.speaker]!, period); t < b; t += period) {
      entries.push({ t, speaker: c.speaker, rssi: radio.noiseDb > 0 ? mean + radio.noiseDb * random.gaussian() : mean });
    }
  }
  entries.sort((x, y) => x.t - y.t || x.speaker - y.speaker);
  if (entries.length !== n) throw new Error(`HELLO plan: ${entries.length} HELLOs, expected ${n}`);
  return {
    listener,
    times: Float64Array.from(entries, (e) => e.t),
    speakers: Int32Array.from(entries, (e) => e.speaker),
    rssi: Float32Array.from(entries, (e) => e.rssi),
    thinning,
    inRange,
  };
}
