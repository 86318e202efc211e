// ROBERT exposure scoring: robert-server's scoring v2 (ScoringStrategyV2) as a pure function.
// One contact = the HELLOs a phone heard from one EBID, i.e. one epoch of the other phone.

export interface ScoringParameters {
  /** Length of an epoch: 900 s, so 15 one-minute slots. */
  epochSeconds: number;
  /** HELLOs with a calibrated RSSI above this are erroneous readings and dropped. */
  rssiDropAbove: number;
  /** RSSI above this is capped to it. */
  rssiMax: number;
  p0: number;
  /** Delta for 1, 2, 3, ... packets in a window; the last entry serves for more. */
  deltas: readonly number[];
  /** Soft-max constant averaging the RSSI of a window. */
  softMaxA: number;
  /** Soft-max constant averaging the windows' gammas. */
  softMaxB: number;
  /** How far past the epoch a contact's HELLOs may spread before the contact is ignored. */
  epochToleranceSeconds: number;
  r0: number;
  riskThreshold: number;
}

export const DEFAULT_SCORING: ScoringParameters = Object.freeze({
  epochSeconds: 900,
  rssiDropAbove: -5,
  rssiMax: -35,
  p0: -66,
  deltas: Object.freeze([39, 27, 23, 21, 20, 15]),
  softMaxA: 4.342,
  softMaxB: 0.2,
  epochToleranceSeconds: 60,
  r0: 0.0071,
  riskThreshold: 0.1,
});

export interface ScoredHello {
  /** NTP seconds. */
  timeCollectedOnDevice: number;
  rssiCalibrated: number;
}

export interface ContactScore {
  score: number;
  durationMinutes: number;
  windowsAtRisk: number;
}

/** c · ln(mean of exp(v / c)): a smooth maximum; 0 for no value. */
function softMax(c: number, values: readonly number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const v of values) sum += Math.exp(v / c);
  return c * Math.log(sum / values.length);
}

/** Scores one contact: the HELLOs heard from one EBID (one epoch of the other phone). */
export function scoreContact(hellos: readonly ScoredHello[], p: ScoringParameters = DEFAULT_SCORING): ContactScore {
  if (hellos.length === 0) throw new RangeError('cannot score a contact without HELLO');
  if (p.deltas.length === 0) throw new RangeError('scoring needs at least one delta');
  const slots = p.epochSeconds / 60;
  const sorted = [...hellos].sort((x, y) => x.timeCollectedOnDevice - y.timeCollectedOnDevice);
  const t0 = sorted[0]!.timeCollectedOnDevice;
  const tf = sorted[sorted.length - 1]!.timeCollectedOnDevice;
  // HELLOs spread over more than an epoch cannot come from one EBID: ignore the contact.
  if (tf - t0 > slots * 60 + p.epochToleranceSeconds) return { score: 0, durationMinutes: 0, windowsAtRisk: 0 };

  const minutes: number[][] = Array.from({ length: slots }, () => []);
  for (const hello of sorted) {
    let index = Math.floor((hello.timeCollectedOnDevice - t0) / 60);
    // As robert-server: past the last slot goes to the last one, but `>` lets index === slots
    // through, and the bounds test below then skips that HELLO.
    if (index > slots) index = slots - 1;
    if (index < 0 || index >= slots) continue;
    if (hello.rssiCalibrated > p.rssiDropAbove) continue;
    minutes[index]!.push(Math.min(hello.rssiCalibrated, p.rssiMax));
  }

  // Two-minute sliding windows; the last one has only its own minute.
  const gammas: number[] = [];
  let kmax = 0;
  let windowsAtRisk = 0;
  for (let k = 0; k < slots; k++) {
    const window = k < slots - 1 ? [...minutes[k]!, ...minutes[k + 1]!] : minutes[k]!;
    if (window.length === 0) continue;
    kmax = k;
    // robert-server reads deltas[min(n, length - 1)], so 39 is never used; this follows the
    // published table (delta for 1, 2, ... packets) instead.
    const delta = p.deltas[Math.min(window.length, p.deltas.length) - 1]!;
    const gamma = Math.min(Math.max((softMax(p.softMaxA, window) - p.p0) / delta, 0), 1);
    if (gamma > 0) windowsAtRisk++;
    gammas.push(gamma);
  }
  // robert-server does not store the contact's duration and takes kmax, the last window with
  // packets, as its length in minutes.
  const score = Math.min(1.2 * softMax(p.softMaxB, gammas), 1) * kmax;
  return { score, durationMinutes: kmax, windowsAtRisk };
}

/** R = 1 - exp(-r0 * sum of epoch scores since the last notification). */
export function aggregateRisk(scores: readonly number[], p: ScoringParameters = DEFAULT_SCORING): number {
  let sum = 0;
  for (const s of scores) sum += s;
  return 1 - Math.exp(-p.r0 * sum);
}

export function isAtRisk(risk: number, p: ScoringParameters = DEFAULT_SCORING): boolean {
  return risk >= p.riskThreshold;
}
