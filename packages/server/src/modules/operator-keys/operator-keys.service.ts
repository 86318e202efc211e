import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { recordAudit } from '../../platform/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { generateToken, hashToken } from '../../platform/secrets.js';
import { operatorScope } from '../messages/messages.service.js';
import * as repo from './operator-keys.repository.js';

export interface OperatorKeysDeps {
  db: Db;
  operators: Config['operators'];
}

/** What a machine holding an operator's key may read: national, or one region. */
export interface OperatorKeyScope {
  keyId: string;
  region: string | null;
}

const regionOf = (deps: OperatorKeysDeps, ctx: RequestContext): string | null => {
  const scope = operatorScope(deps, ctx);
  return scope.kind === 'regional' ? scope.region : null;
};

const view = (row: { id: string; label: string; region: string | null; created_at: Date; revoked_at: Date | null }) => ({
  id: row.id,
  label: row.label,
  region: row.region,
  createdAt: row.created_at.toISOString(),
  revokedAt: row.revoked_at?.toISOString() ?? null,
});

/** A new key with the operator's scope, returned once: only its SHA-256 is stored. */
export async function createOperatorKey(deps: OperatorKeysDeps, ctx: RequestContext, label: string) {
  const region = regionOf(deps, ctx);
  const apiKey = `opk_${generateToken()}`;
  const key = await deps.db.transaction().execute(async (trx) => {
    const row = await repo.insertKey(trx, { keyHash: hashToken(apiKey), label: label.trim(), region, createdBy: ctx.professional!.id, now: ctx.now });
    await recordAudit(trx, ctx, { action: 'operator_keys.create', outcome: 'success', targetType: 'operator_api_key', targetId: row.id, details: { region } });
    return row;
  });
  return { key: view(key), apiKey };
}

export async function listOperatorKeys(deps: OperatorKeysDeps, ctx: RequestContext) {
  return { keys: (await repo.listKeys(deps.db, regionOf(deps, ctx))).map(view) };
}

/** Revokes a key: any for a national operator, their region's for a regional one. */
export async function revokeOperatorKey(deps: OperatorKeysDeps, ctx: RequestContext, id: string): Promise<void> {
  const region = regionOf(deps, ctx);
  await deps.db.transaction().execute(async (trx) => {
    if (!(await repo.revokeKey(trx, id, region, ctx.now))) throw new AppError('OPERATOR_KEY_NOT_FOUND');
    await recordAudit(trx, ctx, { action: 'operator_keys.revoke', outcome: 'success', targetType: 'operator_api_key', targetId: id });
  });
}

/**
 * Machine-to-machine: `Authorization: Bearer opk_…`. A key works only while the operator who
 * made it still is one, with the same scope (the configuration may have changed since).
 */
export async function authenticateOperatorKey(deps: OperatorKeysDeps, authorization: string | undefined): Promise<OperatorKeyScope> {
  const key = /^Bearer (opk_[A-Za-z0-9_-]{43})$/.exec(authorization ?? '')?.[1];
  const row = key ? await repo.findActiveKey(deps.db, hashToken(key)) : undefined;
  if (!row || !deps.operators.some((o) => o.idNatPs === row.creator && o.region === row.region)) throw new AppError('OPERATOR_KEY_INVALID');
  return { keyId: row.id, region: row.region };
}
