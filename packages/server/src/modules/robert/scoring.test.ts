import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING, aggregateRisk, isAtRisk, scoreContact, type ScoredHello } from './scoring.js';

// Expected values were computed separately in Python from the algorithm's description.

const T0 = 3_900_000_000; // NTP seconds

/** One HELLO every `step` seconds for `duration` seconds, from T0 + `start`. */
function every(step: number, duration: number, rssi: number, start = 0): ScoredHello[] {
  const hellos: ScoredHello[] = [];
  for (let s = 0; s < duration; s += step) hellos.push({ timeCollectedOnDevice: T0 + start + s, rssiCalibrated: rssi });
  return hellos;
}

/** Ten minutes of HELLOs every 10 s, their RSSI cycling -70, -64, -58. */
function cycling(): ScoredHello[] {
  return Array.from({ length: 60 }, (_, i) => ({ timeCollectedOnDevice: T0 + i * 10, rssiCalibrated: [-70, -64, -58][i % 3]! }));
}

describe('scoreContact', () => {
  it('scores 15 minutes of close contact 14, just short of the threshold alone', () => {
    // Every window saturates (gamma 1), so the score is kmax = 14; the threshold is a sum of 14.84.
    const result = scoreContact(every(10, 900, -50));
    expect(result).toEqual({ score: 14, durationMinutes: 14, windowsAtRisk: 15 });
    const risk = aggregateRisk([result.score]);
    expect(risk).toBeCloseTo(0.09461951660990453, 9);
    expect(isAtRisk(risk)).toBe(false);
    // A second such epoch puts the user at risk.
    expect(aggregateRisk([result.score, result.score])).toBeCloseTo(0.18028618029631716, 9);
    expect(isAtRisk(aggregateRisk([result.score, result.score]))).toBe(true);
  });

  it('leaves a 3-minute close contact far from risk', () => {
    // Windows with packets end at k = 2: the score is that index.
    const result = scoreContact(every(10, 180, -50));
    expect(result).toEqual({ score: 2, durationMinutes: 2, windowsAtRisk: 3 });
    expect(aggregateRisk([result.score])).toBeCloseTo(0.014099655525354526, 9);
    expect(isAtRisk(aggregateRisk([result.score]))).toBe(false);
  });

  it('gives a far contact nothing: gamma is clipped to 0', () => {
    // -80 dBm is below p0 = -66, so every gamma is negative before clipping.
    expect(scoreContact(every(10, 900, -80))).toEqual({ score: 0, durationMinutes: 14, windowsAtRisk: 0 });
  });

  it('counts only the windows that are close', () => {
    // 7 minutes at -80 then 8 at -55: 9 windows reach the closer readings.
    const result = scoreContact([...every(10, 420, -80), ...every(10, 480, -55, 420)]);
    expect(result.score).toBeCloseTo(10.420158412588602, 9);
    expect(result.durationMinutes).toBe(14);
    expect(result.windowsAtRisk).toBe(9);
  });

  it('drops readings above -5 dBm as erroneous', () => {
    // -3 readings between -62 ones change nothing (kept and capped to -35, they would saturate: 14).
    const withErroneous = scoreContact([...every(10, 900, -62), ...every(10, 900, -3, 5)]);
    expect(withErroneous.score).toBeCloseTo(4.479999999999999, 9);
    expect(withErroneous).toEqual(scoreContact(every(10, 900, -62)));
  });

  it('caps RSSI at -35 dBm', () => {
    // One packet a window (delta 39): -20 scores as -35 (gamma 31/39); uncapped it would give 14.
    const capped = scoreContact(every(120, 900, -20));
    expect(capped.score).toBeCloseTo(13.353846153846154, 9);
    expect(capped).toEqual(scoreContact(every(120, 900, -35)));
    // Just below the cap still counts as weaker.
    expect(scoreContact(every(120, 900, -36)).score).toBeCloseTo(12.923076923076925, 9);
  });

  it('uses the delta for the number of packets in each window', () => {
    // One HELLO a minute at -60: 2-packet windows take delta 27 (gamma 6/27), the last one 39 (6/39).
    const result = scoreContact(every(60, 900, -60));
    expect(result.score).toBeCloseTo(3.6678361242967528, 9);
    expect(result.durationMinutes).toBe(14);
    expect(result.windowsAtRisk).toBe(15);
  });

  it('averages the RSSI of a window by soft-max', () => {
    // Readings cycling -70, -64, -58 for 10 minutes: the soft-max leans to the strongest.
    const result = scoreContact(cycling());
    expect(result.score).toBeCloseTo(3.179581877720486, 9);
    expect(result.durationMinutes).toBe(9);
    expect(result.windowsAtRisk).toBe(10);
  });

  it('ignores a contact whose HELLOs overrun the epoch and its tolerance', () => {
    // tf - t0 = 961 s > 900 + 60: ignored; 960 s: scored (the last HELLO goes to the last slot).
    const spanning = (span: number): ScoredHello[] => [...every(10, 900, -50), { timeCollectedOnDevice: T0 + span, rssiCalibrated: -50 }];
    expect(scoreContact(spanning(961))).toEqual({ score: 0, durationMinutes: 0, windowsAtRisk: 0 });
    expect(scoreContact(spanning(960))).toEqual({ score: 14, durationMinutes: 14, windowsAtRisk: 15 });
  });

  it('skips a HELLO whose minute index equals the slot count, as robert-server does', () => {
    // Index 15 (t - t0 in [900, 960)) is skipped, index 16 goes to slot 14, index 14 stays there.
    const pair = (dt: number): ScoredHello[] => [
      { timeCollectedOnDevice: T0, rssiCalibrated: -50 },
      { timeCollectedOnDevice: T0 + dt, rssiCalibrated: -50 },
    ];
    expect(scoreContact(pair(930))).toEqual({ score: 0, durationMinutes: 0, windowsAtRisk: 1 });
    expect(scoreContact(pair(960)).score).toBeCloseTo(6.892307692307692, 9);
    expect(scoreContact(pair(960))).toEqual(scoreContact(pair(899)));
  });

  it('scores a single HELLO 0: the last window with packets is the first', () => {
    // kmax = 0 multiplies the score away, though the window itself is close.
    expect(scoreContact([{ timeCollectedOnDevice: T0, rssiCalibrated: -50 }])).toEqual({ score: 0, durationMinutes: 0, windowsAtRisk: 1 });
  });

  it('sorts the HELLOs without changing the caller’s array', () => {
    // The same HELLOs reversed and interleaved score as in order.
    const inOrder = cycling();
    const shuffled = [...inOrder.filter((_, i) => i % 2 === 1).reverse(), ...inOrder.filter((_, i) => i % 2 === 0)];
    const before = [...shuffled];
    expect(scoreContact(shuffled)).toEqual(scoreContact(inOrder));
    expect(scoreContact(shuffled).score).toBeCloseTo(3.179581877720486, 9);
    expect(shuffled).toEqual(before);
  });

  it('refuses to score no HELLO', () => {
    expect(() => scoreContact([])).toThrow(RangeError);
  });
});

describe('aggregateRisk', () => {
  it('sums the scores of several epochs', () => {
    // 5 + 6 + 4 is the same exposure as one score of 15, which crosses 0.1.
    expect(aggregateRisk([5, 6, 4])).toBeCloseTo(0.10102495183876858, 9);
    expect(aggregateRisk([5, 6, 4])).toBeCloseTo(aggregateRisk([15]), 12);
    expect(isAtRisk(aggregateRisk([5, 6, 4]))).toBe(true);
  });

  it('is 0 without exposure', () => {
    expect(aggregateRisk([])).toBe(0);
    expect(isAtRisk(0)).toBe(false);
  });

  it('takes other parameters', () => {
    // A lower threshold makes a 15-minute close contact alone enough.
    const lower = { ...DEFAULT_SCORING, riskThreshold: 0.09 };
    expect(isAtRisk(aggregateRisk([14], lower), lower)).toBe(true);
  });
});
