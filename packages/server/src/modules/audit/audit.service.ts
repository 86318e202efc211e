import { AUDIT_EXPORT_MAX, type AuditEntry, type AuditPage, type AuditQuery } from '@prostopcovid/contracts/audit';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { recordAudit } from '../../platform/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { csvLine } from '../../platform/csv.js';
import { instantOf } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { operatorScope } from '../messages/messages.service.js';
import * as repo from './audit.repository.js';

export interface AuditDeps {
  db: Db;
  operators: Config['operators'];
  /** AUDIT_SEARCH_TIMEOUT_MS: one query's limit. */
  timeoutMs: number;
}

const PAGE_DEFAULT = 100;
const EXPORT_PAGE = 1000;

/** The query as the repository's filter; a regional operator sees the entries of professionals of their region only. */
async function filterOf(deps: AuditDeps, ctx: RequestContext, query: AuditQuery): Promise<repo.AuditFilter> {
  const scope = operatorScope(deps, ctx);
  const from = query.from === undefined ? null : instantOf(query.from);
  const to = query.to === undefined ? null : instantOf(query.to);
  if (from && to && from >= to) throw new AppError('AUDIT_PERIOD_INVALID');
  const action = query.action === undefined ? null : query.action.endsWith('.*') ? { prefix: query.action.slice(0, -1) } : { exact: query.action };
  return {
    actorIds: query.actor === undefined ? null : await repo.findProfessionalIds(deps.db, query.actor),
    action,
    outcome: query.outcome ?? null,
    targetType: query.targetType ?? null,
    targetId: query.targetId ?? null,
    from,
    to,
    before: query.before ?? null,
    region: scope.kind === 'regional' ? scope.region : null,
    limit: query.limit === undefined ? PAGE_DEFAULT : Number(query.limit),
  };
}

async function entriesOf(deps: AuditDeps, rows: Awaited<ReturnType<typeof repo.searchAudit>>): Promise<AuditEntry[]> {
  const actorIds = [...new Set(rows.map((row) => row.actor_id).filter((id): id is string => id !== null && /^[0-9a-f-]{36}$/.test(id)))];
  const actors = new Map((await repo.findProfessionals(deps.db, actorIds)).map((p) => [p.id, p]));
  return rows.map((row) => {
    const actor = row.actor_id ? actors.get(row.actor_id) : undefined;
    return {
      id: String(row.id),
      occurredAt: row.occurred_at.toISOString(),
      actorType: row.actor_type,
      actor: actor ? { idNatPs: actor.id_nat_ps, name: `${actor.given_name} ${actor.family_name}` } : null,
      action: row.action,
      outcome: row.outcome,
      targetType: row.target_type,
      targetId: row.target_id,
      ip: row.ip,
      requestId: row.request_id,
      details: row.details,
    };
  });
}

/** The search, or a clear 400 when the database gave up on it (statement timeout, 57014). */
async function search(deps: AuditDeps, filter: repo.AuditFilter) {
  try {
    return await repo.searchAudit(deps.db, filter, deps.timeoutMs);
  } catch (error) {
    if ((error as { code?: string }).code === '57014') throw new AppError('AUDIT_SEARCH_TOO_BROAD', { cause: error });
    throw error;
  }
}

/** What was asked, for the audit entry of the search itself (no free text beyond the filters). */
const searchDetails = (query: AuditQuery) => Object.fromEntries(Object.entries(query).filter(([key]) => key !== 'before' && key !== 'limit'));

/** One page of the audit log, newest first; the search is itself audited. */
export async function searchAuditLog(deps: AuditDeps, ctx: RequestContext, query: AuditQuery): Promise<AuditPage> {
  const filter = await filterOf(deps, ctx, query);
  // One more than the page: whether there is a next page.
  const rows = await search(deps, { ...filter, limit: filter.limit + 1 });
  const page = rows.slice(0, filter.limit);
  await recordAudit(deps.db, ctx, { action: 'audit.search', outcome: 'success', targetType: 'audit_log', details: { ...searchDetails(query), page: query.before ? 'next' : 'first' } });
  return { entries: await entriesOf(deps, page), next: rows.length > filter.limit ? String(page.at(-1)!.id) : null };
}

export const AUDIT_CSV_HEADER = ['id', 'horodatage', 'type_acteur', 'idnat_ps', 'acteur', 'action', 'resultat', 'type_cible', 'cible', 'ip', 'requete', 'details'];

/** Every matching entry as CSV (RFC 4180, UTF-8), newest first, up to AUDIT_EXPORT_MAX lines; audited. */
export async function exportAuditLog(deps: AuditDeps, ctx: RequestContext, query: AuditQuery): Promise<{ csv: string; lines: number; truncated: boolean }> {
  const filter = await filterOf(deps, ctx, { ...query, before: undefined, limit: undefined });
  let csv = csvLine(AUDIT_CSV_HEADER);
  let lines = 0;
  let before: string | null = null;
  for (;;) {
    const rows = await search(deps, { ...filter, before, limit: Math.min(EXPORT_PAGE, AUDIT_EXPORT_MAX - lines) });
    for (const e of await entriesOf(deps, rows)) {
      csv += csvLine([e.id, e.occurredAt, e.actorType, e.actor?.idNatPs, e.actor?.name, e.action, e.outcome, e.targetType, e.targetId, e.ip, e.requestId, JSON.stringify(e.details)]);
    }
    lines += rows.length;
    if (rows.length === 0 || lines >= AUDIT_EXPORT_MAX || rows.length < EXPORT_PAGE) break;
    before = String(rows.at(-1)!.id);
  }
  const truncated = lines >= AUDIT_EXPORT_MAX;
  await recordAudit(deps.db, ctx, { action: 'audit.export', outcome: 'success', targetType: 'audit_log', details: { ...searchDetails(query), lines, truncated } });
  return { csv, lines, truncated };
}
