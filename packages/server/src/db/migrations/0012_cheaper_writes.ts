import { sql, type Kysely } from 'kysely';

/**
 * Fewer and cheaper writes per request (docs/domain.md, Continuity: overload):
 * - rate-limit counters are UNLOGGED: no WAL for the busiest upserts. After a crash of
 *   PostgreSQL itself (not of this server) they restart at zero, which only gives callers a
 *   fresh window. Room is left in each page so that incrementing a counter is a heap-only update.
 *   The sweep finds old windows through a BRIN index, which costs next to nothing to keep.
 * - the audit log keeps the index by actor (searching one professional's actions) and the
 *   primary key; the index by action is replaced by a BRIN index on time: rows arrive in time
 *   order, so a time range is found by block ranges, with the action checked on those rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`alter table rate_limit_hits set unlogged`,
    sql`alter table rate_limit_hits set (fillfactor = 70)`,
    sql`create index rate_limit_hits_window_brin on rate_limit_hits using brin (window_start)`,
    sql`drop index audit_log_action_idx`,
    sql`create index audit_log_occurred_brin on audit_log using brin (occurred_at)`,
  ]) {
    await statement.execute(db);
  }
}
