import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RequestContext } from './context.js';

export interface AuditEntry {
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  targetType?: string;
  targetId?: string;
  /** Never a secret nor health data: identifiers, reasons, counts. */
  details?: Record<string, unknown>;
  /** Overrides the actor from the context (e.g. the professional who just signed in). */
  actorId?: string;
}

/** The audit row's columns (for statements that write the audit row themselves, in one round trip). */
export function auditRow(ctx: RequestContext, entry: AuditEntry) {
  const actorId = entry.actorId ?? ctx.professional?.id ?? null;
  return {
    occurred_at: ctx.now,
    actor_type: actorId ? ('professional' as const) : ('anonymous' as const),
    actor_id: actorId,
    action: entry.action,
    outcome: entry.outcome,
    target_type: entry.targetType ?? null,
    target_id: entry.targetId ?? null,
    ip: ctx.ip,
    user_agent: ctx.userAgent,
    request_id: ctx.requestId,
    details: JSON.stringify(entry.details ?? {}),
  };
}

/** Writes one audit row with the caller's transaction, so the audit and the change commit together. */
export async function recordAudit(
  trx: Transaction<Database> | Kysely<Database>,
  ctx: RequestContext,
  entry: AuditEntry,
): Promise<void> {
  await trx.insertInto('audit_log').values(auditRow(ctx, entry)).execute();
}

/** The audit row of a change no person made (the PSC circuit breaker), with the caller's transaction. */
export async function recordSystemAudit(trx: Transaction<Database> | Kysely<Database>, now: Date, entry: AuditEntry): Promise<void> {
  const ctx: RequestContext = { requestId: '', ip: '', userAgent: null, now, professional: null };
  await trx
    .insertInto('audit_log')
    .values({ ...auditRow(ctx, entry), actor_type: 'system', ip: null, request_id: null })
    .execute();
}

/**
 * The audit row as part of a single-statement change (a data-modifying CTE): one row per row
 * of `source`, whose target id and extra details are SQL over that source.
 */
export function auditInsertFrom(row: ReturnType<typeof auditRow>, source: string, targetId: RawBuilder<unknown>, extraDetails: RawBuilder<unknown>) {
  return sql`insert into audit_log (occurred_at, actor_type, actor_id, action, outcome, target_type, target_id, ip, user_agent, request_id, details)
      select ${row.occurred_at}, ${row.actor_type}, ${row.actor_id}, ${row.action}, ${row.outcome}, ${row.target_type}, ${targetId}, ${row.ip}, ${row.user_agent}, ${row.request_id},
        ${row.details}::jsonb || ${extraDetails}
      from ${sql.table(source)}`;
}
