import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { auditInsertFrom, type auditRow } from '../../platform/audit.js';
import { defaultPolicy } from '../auth/policy.js';
import { actZone } from '../statistics/attribution.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** An expired, unused code no longer needs its hash: clearing it frees the value. */
export async function releaseExpiredHash(db: Executor, hash: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('declaration_codes')
    .set({ code_hash: null })
    .where('code_hash', '=', hash)
    .where('consumed_at', 'is', null)
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listCodesOfProfessional(db: Executor, professionalId: string, limit: number) {
  return db
    .selectFrom('declaration_codes')
    .select(['id', 'issued_at', 'case_kind', 'expires_at', 'consumed_at'])
    .where('professional_id', '=', professionalId)
    .where('kind', '=', 'short')
    .orderBy('issued_at', 'desc')
    .limit(limit)
    .execute();
}

export interface IssueStatement {
  counterKey: string;
  windowStart: Date;
  limit: number;
  hash: string;
  /** Hashes of the same value under older keys: it must not be live under any of them. */
  olderHashes: string[];
  keyId: string;
  caseKind: 'confirmed' | 'probable';
  qrCodeUnavailable: boolean;
  professionalId: string;
  now: Date;
  expiresAt: Date;
  /** The test result whose COVID+ long code must stop working once this code exists. */
  revokeLongCodesOf: string | null;
  audit: ReturnType<typeof auditRow>;
}

/**
 * Counts the issue against the professional's hourly limit, inserts the code and its audit
 * row: one statement, hence atomic, in one round trip. The counter row's lock serialises a
 * professional's concurrent issues, so the limit is exact. `hits` is null when the limit is
 * reached (nothing written); `codeId` is null when the value clashed with a live code.
 */
export async function insertCountedCode(db: Executor, s: IssueStatement): Promise<{ hits: number | null; codeId: string | null }> {
  const older = s.olderHashes.length > 0 ? sql`code_hash in (${sql.join(s.olderHashes)})` : sql`false`;
  const name = s.olderHashes.length > 0 ? `issue_code_${s.olderHashes.length}` : 'issue_code';
  const zone = actZone(s.professionalId, defaultPolicy['codes:issue']);
  const { rows } = await sql<{ hits: number | null; code_id: string | null }>`/* prepared:${sql.raw(name)} */
    with hit as (
      insert into rate_limit_hits as r (key, window_start, hits) values (${s.counterKey}, ${s.windowStart}, 1)
      on conflict (key, window_start) do update set hits = r.hits + 1 where r.hits < ${s.limit}
      returning hits
    ), code as (
      insert into declaration_codes (code_hash, key_id, kind, case_kind, qr_code_unavailable, professional_id, issued_at, expires_at, test_result_id, department, profession)
      select ${s.hash}, ${s.keyId}, 'short', ${s.caseKind}, ${s.qrCodeUnavailable}, ${s.professionalId}, ${s.now}, ${s.expiresAt}, ${s.revokeLongCodesOf}::uuid,
        ${zone.department}, ${zone.profession} from hit
      where not exists (select 1 from declaration_codes where ${older} and consumed_at is null and expires_at > ${s.now})
      on conflict (code_hash) where consumed_at is null do nothing
      returning id
    ), revoked as (
      update declaration_codes set expires_at = ${s.now}
      where test_result_id = ${s.revokeLongCodesOf}::uuid and kind = 'long' and consumed_at is null and expires_at > ${s.now} and exists (select 1 from code)
      returning id
    ), audit as (
      ${auditInsertFrom(s.audit, 'code', sql`code.id::text`, sql`jsonb_build_object('longCodesRevoked', (select count(*) from revoked))`)}
    )
    select (select hits from hit) as hits, (select id from code) as code_id
  `.execute(db);
  return { hits: rows[0]?.hits ?? null, codeId: rows[0]?.code_id ?? null };
}

export async function lockTestResult(trx: Transaction<Database>, id: string): Promise<void> {
  await trx.selectFrom('test_results').select('id').where('id', '=', id).forUpdate().execute();
}

/** A test result by the retrieval code printed on the patient's document. */
export async function findTestResultByRetrieval(db: Executor, retrievalHash: string) {
  return db.selectFrom('test_results').select(['id', 'result']).where('retrieval_hash', '=', retrievalHash).executeTakeFirst();
}

/**
 * A new long code for a COVID+ document; any earlier one of the same result stops working
 * (a reprint replaces it). Undefined when the value clashes with a live code (draw again);
 * 'replaced-by-short-code' when a 6-character code was already issued for the result.
 */
export async function replaceLongCode(db: Kysely<Database>, row: { hash: string; keyId: string; testResultId: string; now: Date; expiresAt: Date }) {
  return db.transaction().execute(async (trx) => {
    // One reprint at a time per result, so two long codes can never both be live.
    await lockTestResult(trx, row.testResultId);
    // Once a professional gave a 6-character code for this result, no long code may come back.
    const short = await trx.selectFrom('declaration_codes').select('id').where('test_result_id', '=', row.testResultId).where('kind', '=', 'short').executeTakeFirst();
    if (short) return 'replaced-by-short-code' as const;
    await trx
      .updateTable('declaration_codes')
      .set({ expires_at: row.now })
      .where('test_result_id', '=', row.testResultId)
      .where('kind', '=', 'long')
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', row.now)
      .execute();
    const inserted = await trx
      .insertInto('declaration_codes')
      .values((eb) => ({
        code_hash: row.hash,
        key_id: row.keyId,
        kind: 'long',
        case_kind: 'confirmed',
        professional_id: null,
        issued_at: row.now,
        expires_at: row.expiresAt,
        test_result_id: row.testResultId,
        // Counted where the result was recorded.
        department: eb.selectFrom('test_results').select('department').where('id', '=', row.testResultId),
        profession: eb.selectFrom('test_results').select('profession').where('id', '=', row.testResultId),
      }))
      .onConflict((oc) => oc.column('code_hash').where('consumed_at', 'is', null).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted?.id;
  });
}
