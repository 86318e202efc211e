import type { Db } from '../db/database.js';

const DAY = 86_400_000;

/**
 * Counters (`rate_limit_hits`) are fixed windows of at most a day, incremented inside the
 * statements they guard; older rows are useless. Sweeping now and then (about once per
 * thousand calls) keeps the table small without a timer.
 */
export async function sweepOldCounters(db: Db, now: Date): Promise<void> {
  if (Math.random() >= 0.001) return;
  await db.deleteFrom('rate_limit_hits').where('window_start', '<', new Date(now.getTime() - 2 * DAY)).execute();
}
