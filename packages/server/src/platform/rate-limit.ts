import { sql } from 'kysely';
import type { Db } from '../db/database.js';

const DAY = 86_400_000;

/**
 * Counters (`rate_limit_hits`) are fixed windows of at most a day, incremented inside the
 * statements they guard; older rows are useless. Swept on a timer (never inside a request),
 * through the BRIN index on window_start; every process may sweep, the deletes are idempotent.
 */
export async function sweepOldCounters(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('rate_limit_hits').where('window_start', '<', new Date(now.getTime() - 2 * DAY)).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The fixed window `now` falls in, and the seconds until the next one (for Retry-After). */
export function fixedWindow(now: Date, windowMs: number): { start: Date; retryAfterSeconds: number } {
  const start = Math.floor(now.getTime() / windowMs) * windowMs;
  return { start: new Date(start), retryAfterSeconds: Math.max(1, Math.ceil((start + windowMs - now.getTime()) / 1000)) };
}

/** Counts one hit against `key` in its fixed window; true while within `limit`. */
export async function countHit(db: Db, key: string, limit: number, windowMs: number, now: Date): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const { start: windowStart, retryAfterSeconds } = fixedWindow(now, windowMs);
  const row = await db
    .insertInto('rate_limit_hits')
    .values({ key, window_start: windowStart, hits: 1 })
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ hits: sql`rate_limit_hits.hits + 1` }))
    .returning('hits')
    .executeTakeFirstOrThrow();
  return { allowed: row.hits <= limit, retryAfterSeconds };
}
