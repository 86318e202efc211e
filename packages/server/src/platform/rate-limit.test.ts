import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { openTestDatabase } from '../testing/database.js';
import { countHit, sweepOldCounters } from './rate-limit.js';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openTestDatabase();
  await migrateToLatest(database);
});
afterAll(() => database?.close());

describe('rate-limit counters', () => {
  it('are kept in an unlogged table (no WAL for the busiest upserts)', async () => {
    const { rows } = await sql<{ relpersistence: string }>`select relpersistence from pg_class where oid = 'rate_limit_hits'::regclass`.execute(database.db);
    expect(rows[0]?.relpersistence).toBe('u');
  });

  it('count hits in fixed windows and refuse past the limit', async () => {
    const now = new Date('2026-12-07T10:15:00Z');
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await countHit(database.db, 'test:limit', 3, 3_600_000, now));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]!.retryAfterSeconds).toBe(45 * 60);
    expect((await countHit(database.db, 'test:limit', 3, 3_600_000, new Date('2026-12-07T11:00:00Z'))).allowed).toBe(true);
  });

  it('are swept when older than two days, and only then', async () => {
    const now = new Date('2026-12-10T12:00:00Z');
    await countHit(database.db, 'test:old', 10, 3_600_000, new Date('2026-12-08T11:00:00Z'));
    await countHit(database.db, 'test:recent', 10, 3_600_000, new Date('2026-12-08T12:00:00Z'));
    await sweepOldCounters(database.db, now);
    const { rows } = await sql<{ key: string }>`select key from rate_limit_hits where key like 'test:%' order by key`.execute(database.db);
    expect(rows.map((r) => r.key)).toEqual(['test:recent']);
  });
});
