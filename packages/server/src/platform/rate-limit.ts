import { sql } from 'kysely';
import type { Db } from '../db/database.js';

const DAY = 86_400_000;

export interface RateLimitResult {
  allowed: boolean;
  hits: number;
  retryAfterSeconds: number;
}

/**
 * Fixed-window counter kept in the database, so that every server process sees the same
 * count. Each call counts one hit, allowed or not.
 */
export async function hitRateLimit(db: Db, key: string, limit: number, windowMs: number, now: Date): Promise<RateLimitResult> {
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const row = await db
    .insertInto('rate_limit_hits')
    .values({ key, window_start: windowStart, hits: 1 })
    .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ hits: sql`rate_limit_hits.hits + 1` }))
    .returning('hits')
    .executeTakeFirstOrThrow();
  // Windows are at most a day long, so older rows are useless; sweeping now and then keeps
  // the table small without a timer.
  if (Math.random() < 0.001) {
    await db.deleteFrom('rate_limit_hits').where('window_start', '<', new Date(now.getTime() - 2 * DAY)).execute();
  }
  return {
    allowed: row.hits <= limit,
    hits: row.hits,
    retryAfterSeconds: Math.max(1, Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000)),
  };
}
