export interface BackoffPolicy {
  /** First retry waits up to this long. */
  baseMs: number;
  /** No wait is ever longer than this. */
  capMs: number;
}

/** The pro portal's policy: 2 s doubling up to 2 minutes. */
export const defaultBackoff: BackoffPolicy = { baseMs: 2_000, capMs: 120_000 };

/**
 * Capped exponential backoff with full jitter: a uniform wait in [0, min(cap, base·2^attempt)].
 * Thousands of clients that lost the service together then come back spread over the whole
 * window instead of in one surge (docs/domain.md, Continuity: overload).
 */
export function backoffDelay(failures: number, policy: BackoffPolicy = defaultBackoff, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}
