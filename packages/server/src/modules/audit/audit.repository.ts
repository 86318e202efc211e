import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export interface AuditFilter {
  /** The professionals' ids for an IdNat_PS filter (empty: nobody matches). */
  actorIds: string[] | null;
  action: { exact: string } | { prefix: string } | null;
  outcome: string | null;
  targetType: string | null;
  targetId: string | null;
  from: Date | null;
  to: Date | null;
  /** Entries older than this id (keyset pagination, newest first). */
  before: string | null;
  /** A regional operator's region: entries by professionals with an activity there, only. */
  region: string | null;
  limit: number;
}

// actor_id holds a professional's id (a UUID) or nothing.
const actorUuid = sql`(case when a.actor_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then a.actor_id::uuid end)`;

/**
 * One page of entries, newest first, found through the audit log's indexes (actor, target,
 * BRIN on time). A search the indexes do not narrow (a rare action over years) may walk the
 * whole log: it is stopped after `timeoutMs` (PostgreSQL's statement_timeout, error 57014).
 */
export async function searchAudit(db: Kysely<Database>, f: AuditFilter, timeoutMs: number) {
  return db.transaction().execute(async (trx) => {
    await sql`set local statement_timeout = ${sql.lit(Math.trunc(timeoutMs))}`.execute(trx);
    return searchQuery(trx, f).execute();
  });
}

function searchQuery(db: Executor, f: AuditFilter) {
  let query = db
    .selectFrom('audit_log as a')
    .select(['a.id', 'a.occurred_at', 'a.actor_type', 'a.actor_id', 'a.action', 'a.outcome', 'a.target_type', 'a.target_id', 'a.ip', 'a.request_id', 'a.details'])
    .orderBy('a.id', 'desc')
    .limit(f.limit);
  if (f.actorIds) query = query.where('a.actor_id', 'in', f.actorIds.length > 0 ? f.actorIds : ['-']);
  if (f.action && 'exact' in f.action) query = query.where('a.action', '=', f.action.exact);
  if (f.action && 'prefix' in f.action) query = query.where('a.action', 'like', `${f.action.prefix.replace(/[\\%_]/g, '\\$&')}%`);
  if (f.outcome) query = query.where('a.outcome', '=', f.outcome as 'success');
  if (f.targetType) query = query.where('a.target_type', '=', f.targetType);
  if (f.targetId) query = query.where('a.target_id', '=', f.targetId);
  if (f.from) query = query.where('a.occurred_at', '>=', f.from);
  if (f.to) query = query.where('a.occurred_at', '<', f.to);
  if (f.before) query = query.where('a.id', '<', sql<number>`${f.before}::bigint`);
  if (f.region) {
    const region = f.region;
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('professional_zones as z').select(sql`1`.as('one')).where('z.region', '=', region).where('z.professional_id', '=', sql<string>`${actorUuid}`)),
    );
  }
  return query;
}

export async function findProfessionalIds(db: Executor, idNatPs: string): Promise<string[]> {
  return (await db.selectFrom('professionals').select('id').where('id_nat_ps', '=', idNatPs).execute()).map((row) => row.id);
}

export async function findProfessionals(db: Executor, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('professionals').select(['id', 'id_nat_ps', 'given_name', 'family_name']).where('id', 'in', ids).execute();
}
