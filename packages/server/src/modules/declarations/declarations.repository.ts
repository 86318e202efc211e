import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { auditInsertFrom, type auditRow } from '../../platform/audit.js';

type Executor = Kysely<Database> | Transaction<Database>;

export async function insertDeclaration(
  db: Executor,
  row: { codeId: string; onsetKind: 'symptoms' | 'test' | 'unknown'; onsetDate: string | null; windowFrom: string; windowTo: string; tokenHash: string; tokenExpiresAt: Date; now: Date },
): Promise<string> {
  const inserted = await db
    .insertInto('declarations')
    .values({
      code_id: row.codeId,
      onset_kind: row.onsetKind,
      onset_date: row.onsetDate,
      window_from: row.windowFrom,
      window_to: row.windowTo,
      upload_token_hash: row.tokenHash,
      token_expires_at: row.tokenExpiresAt,
      declared_at: row.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

/**
 * One report per token: claims it in one statement (rolled back with the transaction on
 * failure), keeping the report's digest so that the same report sent again is recognised.
 */
export async function claimReport(db: Executor, tokenHash: string, digest: Buffer, now: Date) {
  return db
    .updateTable('declarations')
    .set({ uploaded_at: now, report_digest: digest })
    .where('upload_token_hash', '=', tokenHash)
    .where('uploaded_at', 'is', null)
    .where('token_expires_at', '>', now)
    .returning(['id', 'window_from', 'window_to'])
    .executeTakeFirst();
}

/** The answer already given to this very report, if it was sent before with this token. */
export async function findReportReplay(db: Executor, tokenHash: string, digest: Buffer) {
  return db
    .selectFrom('declarations')
    .select(['contacts_accepted', 'contacts_rejected'])
    .where('upload_token_hash', '=', tokenHash)
    .where('report_digest', '=', digest)
    .executeTakeFirst();
}

export async function recordReportCounts(db: Executor, id: string, accepted: number, rejected: number): Promise<void> {
  await db.updateTable('declarations').set({ contacts_accepted: accepted, contacts_rejected: rejected }).where('id', '=', id).execute();
}

export interface RedeemStatement {
  limits: Array<{ key: string; limit: number }>;
  windowStart: Date;
  /** The code's hash under every accepted key; empty when the input cannot be a code. */
  hashes: string[];
  now: Date;
  onsetKind: 'symptoms' | 'test' | 'unknown';
  onsetDate: string | null;
  windowFrom: string;
  windowTo: string;
  tokenHash: string;
  tokenExpiresAt: Date;
  audit: ReturnType<typeof auditRow>;
}

/**
 * One statement, so one round trip and one commit: count the attempt against every limit,
 * and only if all allow it, consume the live code, record the declaration and its audit row.
 * The consuming UPDATE is what makes concurrent attempts safe: exactly one gets the row.
 */
export async function redeemCounted(db: Executor, s: RedeemStatement) {
  const counters = sql.join(s.limits.map((l) => sql`(${l.key}, ${s.windowStart}::timestamptz, 1)`));
  const limitOf = sql.join(s.limits.map((l) => sql`when ${l.key} then ${l.limit}::int`), sql` `);
  const matches = s.hashes.length > 0 ? sql`code_hash in (${sql.join(s.hashes)})` : sql`false`;
  // The text varies only with the number of limits and hashes: a handful of prepared statements.
  const name = `redeem_code_${s.limits.length}_${s.hashes.length}`;
  const { rows } = await sql<{ hits: Array<{ key: string; hits: number; allowed: boolean }>; declaration_id: string | null; code_id: string | null; code_kind: string | null }>`/* prepared:${sql.raw(name)} */
    with hit as (
      insert into rate_limit_hits as r (key, window_start, hits) values ${counters}
      on conflict (key, window_start) do update set hits = r.hits + 1
      returning key, hits, hits <= (case key ${limitOf} end) as allowed
    ), consumed as (
      -- A laboratory's long code counts only once the lab has attached it to a (positive) result.
      update declaration_codes set consumed_at = ${s.now}
      where ${matches} and consumed_at is null and expires_at > ${s.now} and (lab_batch_id is null or test_result_id is not null)
        and (select bool_and(allowed) from hit)
      returning id, kind
    ), declaration as (
      insert into declarations (code_id, onset_kind, onset_date, window_from, window_to, upload_token_hash, token_expires_at, declared_at)
      select id, ${s.onsetKind}, ${s.onsetDate}::date, ${s.windowFrom}::date, ${s.windowTo}::date, ${s.tokenHash}, ${s.tokenExpiresAt}, ${s.now} from consumed
      returning id, code_id
    ), audit as (
      ${auditInsertFrom(s.audit, 'declaration', sql`declaration.id::text`, sql`jsonb_build_object('codeId', declaration.code_id, 'codeKind', (select kind from consumed))`)}
    )
    select (select json_agg(json_build_object('key', key, 'hits', hits, 'allowed', allowed)) from hit) as hits,
      (select id from declaration) as declaration_id, (select id from consumed) as code_id, (select kind from consumed) as code_kind
  `.execute(db);
  const row = rows[0]!;
  return { hits: typeof row.hits === 'string' ? (JSON.parse(row.hits) as typeof row.hits) : row.hits, declarationId: row.declaration_id };
}
