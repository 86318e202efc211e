import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { LAB_LONG_CODES_MAX_PER_REQUEST } from '@prostopcovid/contracts/labs';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { recordAudit } from '../../platform/audit.js';
import { DAY } from '../../platform/clock.js';
import type { CodeHasher } from '../../platform/code-hasher.js';
import type { RequestContext } from '../../platform/context.js';
import { csvLine } from '../../platform/csv.js';
import { addDays, parisDate, parisDayStart } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { openWithToken, sealWithToken } from '../../platform/secrets.js';
import { codeDeepLink, generateLongCode, LONG_CODE_VALIDITY_DAYS, normalizeLongCode } from '../codes/codes.service.js';
import * as repo from './long-codes.repository.js';

export interface LongCodesDeps {
  db: Db;
  hasher: CodeHasher;
  publicUrl: string;
  /** Long codes a lab may request per Paris calendar day. */
  longCodesPerDay: number;
}

/** The lab and the key a request came with (the key in clear only for the request's length). */
export interface LabCaller {
  labId: string;
  keyId: string;
  apiKey: string;
}

export interface LongCodesBatch {
  batchId: string;
  validFrom: Date;
  validUntil: Date;
  remainingToday: number;
  codes: string[];
  /** An earlier answer given again (same Idempotency-Key). */
  replayed: boolean;
}

/** How long the answer to a request with an Idempotency-Key can be fetched again. */
const REPLAY_HOURS = 24;
const MAX_DRAWS = 8;

/** The quota's counter and window: the lab's Paris calendar day. */
function quotaWindow(labId: string, now: Date) {
  const today = parisDate(now);
  const resetsAt = parisDayStart(addDays(today, 1));
  const retryAfterSeconds = Math.max(1, Math.ceil((resetsAt.getTime() - now.getTime()) / 1000));
  return { key: `lab-long-codes:${labId}`, windowStart: parisDayStart(today), resetsAt, retryAfterSeconds };
}

/** The codes of a request with an Idempotency-Key, sealed under a key only the lab's API key gives. */
const sealPurpose = (batchId: string) => `lab-long-codes:${batchId}`;

/**
 * A laboratory's long one-time codes made in advance (docs/domain.md, Numbers): the format, HMAC,
 * validity and QR text of a COVID+ document's long code, attached later to a positive result in a
 * results batch. Only their HMACs are stored; the quota counts them per Paris day; the audit row
 * (same transaction) holds the batch, never a code.
 *
 * With an Idempotency-Key, the same request sent again within 24 hours gets the same codes: they are
 * kept sealed (AES-256-GCM) under a key derived from the lab's API key, which the server does not
 * keep (only its SHA-256), so neither the database nor the server's keys can open them.
 */
export async function requestLongCodes(deps: LongCodesDeps, ctx: RequestContext, caller: LabCaller, count: number, idempotencyKey?: string): Promise<LongCodesBatch> {
  if (count > LAB_LONG_CODES_MAX_PER_REQUEST) {
    throw new AppError('LABS_LONG_CODES_TOO_MANY', { publicDetails: { requested: count, max: LAB_LONG_CODES_MAX_PER_REQUEST } });
  }
  const quota = quotaWindow(caller.labId, ctx.now);
  if (idempotencyKey) {
    const earlier = await replayLongCodes(deps, ctx, caller, count, idempotencyKey);
    if (earlier) return earlier;
  }
  const batchId = randomUUID();
  const validUntil = new Date(ctx.now.getTime() + LONG_CODE_VALIDITY_DAYS * DAY);
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const used = await repo.countAgainstQuota(trx, { key: quota.key, windowStart: quota.windowStart, count, limit: deps.longCodesPerDay });
    if (used === null) return { refused: true as const };
    const codes = await insertCodes(deps, trx, { batchId, labId: caller.labId, count, now: ctx.now, validUntil });
    const stored = await repo.insertBatch(trx, {
      id: batchId,
      labId: caller.labId,
      keyId: caller.keyId,
      count,
      now: ctx.now,
      validUntil,
      idempotencyKey: idempotencyKey ?? null,
      sealedCodes: idempotencyKey ? sealWithToken(caller.apiKey, sealPurpose(batchId), codes.join('')) : null,
    });
    // Another request with the same Idempotency-Key committed first: undo this one, answer that one.
    if (!stored) throw new IdempotencyRace();
    await recordAudit(trx, ctx, {
      action: 'labs.long_codes_issue',
      outcome: 'success',
      targetType: 'lab_long_code_batch',
      targetId: batchId,
      details: { labId: caller.labId, keyId: caller.keyId, count, validUntil: validUntil.toISOString(), idempotencyKey: idempotencyKey !== undefined },
    });
    return { refused: false as const, codes, remainingToday: deps.longCodesPerDay - used };
  }).catch(async (error: unknown) => {
    if (!(error instanceof IdempotencyRace) || !idempotencyKey) throw error;
    const earlier = await replayLongCodes(deps, ctx, caller, count, idempotencyKey);
    if (!earlier) throw new AppError('LABS_IDEMPOTENCY_EXPIRED');
    return { refused: false as const, replayed: earlier };
  });
  if ('replayed' in outcome) return outcome.replayed;
  if (outcome.refused) {
    const remainingToday = Math.max(0, deps.longCodesPerDay - (await repo.quotaUsed(deps.db, quota.key, quota.windowStart)));
    await recordAudit(deps.db, ctx, { action: 'labs.long_codes_issue', outcome: 'denied', targetType: 'lab', targetId: caller.labId, details: { keyId: caller.keyId, requested: count, remainingToday, reason: 'LABS_LONG_CODES_QUOTA' } });
    throw new AppError('LABS_LONG_CODES_QUOTA', {
      retryAfterSeconds: quota.retryAfterSeconds,
      publicDetails: { requested: count, remainingToday, perDay: deps.longCodesPerDay, resetsAt: quota.resetsAt.toISOString() },
    });
  }
  return { batchId, validFrom: ctx.now, validUntil, remainingToday: outcome.remainingToday, codes: outcome.codes, replayed: false };
}

class IdempotencyRace extends Error {}

/** `count` distinct new codes stored as HMACs in the batch; a value that clashes with a live code is drawn again. */
async function insertCodes(deps: LongCodesDeps, trx: Transaction<Database>, batch: { batchId: string; labId: string; count: number; now: Date; validUntil: Date }): Promise<string[]> {
  const codeByHash = new Map<string, string>();
  const draw = (n: number) => {
    const hashes: string[] = [];
    while (hashes.length < n) {
      const code = generateLongCode();
      const hash = deps.hasher.hash(code);
      if (codeByHash.has(hash)) continue;
      codeByHash.set(hash, code);
      hashes.push(hash);
    }
    return hashes;
  };
  let pending = draw(batch.count);
  for (let attempt = 0; attempt < MAX_DRAWS; attempt++) {
    const inserted = await repo.insertLabLongCodes(trx, { id: batch.batchId, labId: batch.labId, hashes: pending, keyId: deps.hasher.currentKeyId, now: batch.now, expiresAt: batch.validUntil });
    if (inserted === pending.length) return [...codeByHash.values()];
    const clashed = await repo.hashesMissingFromBatch(trx, batch.batchId, pending);
    for (const hash of clashed) codeByHash.delete(hash);
    pending = draw(clashed.length);
  }
  throw new AppError('CODES_GENERATION_FAILED');
}

/**
 * The answer already given to this Idempotency-Key, or undefined when there is none. 422 for the
 * key reused with another count; 409 when the answer is no longer kept (past 24 hours) or was
 * sealed under another API key of the lab.
 */
async function replayLongCodes(deps: LongCodesDeps, ctx: RequestContext, caller: LabCaller, count: number, idempotencyKey: string): Promise<LongCodesBatch | undefined> {
  const batch = await repo.findBatchByIdempotencyKey(deps.db, caller.labId, idempotencyKey);
  if (!batch) return undefined;
  if (batch.count !== count) throw new AppError('LABS_IDEMPOTENCY_CONFLICT', { publicDetails: { requested: count, earlier: batch.count } });
  const fresh = ctx.now.getTime() - batch.issued_at.getTime() < REPLAY_HOURS * 3_600_000;
  const opened = fresh && batch.sealed_codes ? openWithToken(caller.apiKey, sealPurpose(batch.id), batch.sealed_codes) : undefined;
  if (opened === undefined) throw new AppError('LABS_IDEMPOTENCY_EXPIRED');
  const codes = opened.match(/.{12}/g) ?? [];
  const quota = quotaWindow(caller.labId, ctx.now);
  const remainingToday = Math.max(0, deps.longCodesPerDay - (await repo.quotaUsed(deps.db, quota.key, quota.windowStart)));
  await recordAudit(deps.db, ctx, { action: 'labs.long_codes_replay', outcome: 'success', targetType: 'lab_long_code_batch', targetId: batch.id, details: { labId: caller.labId, keyId: caller.keyId, count } });
  return { batchId: batch.id, validFrom: batch.issued_at, validUntil: batch.valid_until, remainingToday, codes, replayed: true };
}

/** The JSON answer. */
export function longCodesJson(publicUrl: string, batch: LongCodesBatch) {
  return {
    batchId: batch.batchId,
    count: batch.codes.length,
    validFrom: batch.validFrom.toISOString(),
    validUntil: batch.validUntil.toISOString(),
    remainingToday: batch.remainingToday,
    codes: batch.codes.map((code) => ({ qrText: codeDeepLink(publicUrl, code), code })),
  };
}

export const LONG_CODES_CSV_HEADER = ['qr_text', 'code', 'valid_from', 'valid_until'] as const;

/** The CSV answer (RFC 4180, UTF-8, CRLF, a header line): one line per code. The same batch always gives the same text. */
export function longCodesCsv(publicUrl: string, batch: LongCodesBatch): string {
  const from = batch.validFrom.toISOString();
  const until = batch.validUntil.toISOString();
  const lines = [csvLine(LONG_CODES_CSV_HEADER)];
  for (const code of batch.codes) lines.push(csvLine([codeDeepLink(publicUrl, code), code, from, until]));
  return lines.join('');
}

export interface CodeToAttach {
  index: number;
  sampleId: string;
  /** As the lab sent it (normalised here). */
  longCode: string;
}

export interface AttachPlan {
  /** Problems by item index (the whole batch is then refused). */
  faults: Map<number, string[]>;
  /** For each sample id to be created, the code to attach to it. */
  codeIdBySample: Map<string, string>;
}

/**
 * Checks, inside the batch's transaction, the long codes a results batch attaches: each must be one
 * of this lab's, unused, unexpired, attached to no other result, once in the batch. A code already
 * attached to the same sample (the batch sent again) is fine. The live codes stay locked until the
 * transaction ends, so two batches cannot take the same code.
 * `readKnownResults`: the results of this lab with those sample ids stored before this batch —
 * read once the codes are locked, so that the same batch sent twice at once finds, after waiting,
 * the result the other request committed (a replay), not a code taken by "another" result.
 */
export async function planLongCodeAttachments(
  deps: Pick<LongCodesDeps, 'hasher'>,
  trx: Transaction<Database>,
  labId: string,
  items: CodeToAttach[],
  readKnownResults: () => Promise<Map<string, string>>,
  firstIndexOfSample: Map<string, number>,
  now: Date,
): Promise<AttachPlan> {
  const faults = new Map<number, string[]>();
  const codeIdBySample = new Map<string, string>();
  const fault = (index: number, problem: string) => faults.set(index, [...(faults.get(index) ?? []), `/longCode : ${problem}`]);
  const candidates = new Map<string, string[]>();
  for (const item of items) {
    const code = normalizeLongCode(item.longCode);
    if (code && !candidates.has(code)) candidates.set(code, deps.hasher.candidates(code));
  }
  const rows = await repo.lockLabCodes(trx, [...candidates.values()].flat());
  const knownResults = await readKnownResults();
  const rowByHash = new Map(rows.map((row) => [row.code_hash, row]));
  const codeOfSample = new Map<string, string | null>();
  const sampleOfCode = new Map<string, string>();
  for (const item of items) {
    const code = normalizeLongCode(item.longCode);
    if (!code) {
      fault(item.index, 'code long invalide (12 caractères : chiffres et lettres, sans I, L, O ni U)');
      continue;
    }
    const row = candidates.get(code)!.map((hash) => rowByHash.get(hash)).find((r) => r !== undefined);
    const known = knownResults.get(item.sampleId);
    if (known !== undefined) {
      // Sent before: the same code again is a replay; any other is a change, refused.
      if (row?.test_result_id !== known) fault(item.index, "ce résultat a déjà été reçu sans ce code long : un code ne se rattache qu'à un résultat nouveau");
      continue;
    }
    if (firstIndexOfSample.get(item.sampleId) !== item.index) {
      // The same sample again in this batch: recorded once, with the code of its first occurrence.
      if (codeOfSample.get(item.sampleId) !== code) fault(item.index, 'ce prélèvement figure plusieurs fois dans le lot avec des codes longs différents');
      continue;
    }
    codeOfSample.set(item.sampleId, code);
    const owner = sampleOfCode.get(code);
    if (owner !== undefined) {
      fault(item.index, `code long déjà donné dans ce lot au prélèvement ${owner}`);
      continue;
    }
    sampleOfCode.set(code, item.sampleId);
    // Another lab's code is answered as unknown: a lab learns nothing about other labs' codes.
    if (!row || row.lab_id !== labId) fault(item.index, 'code long inconnu de ce laboratoire');
    else if (row.consumed_at) fault(item.index, 'code long déjà utilisé');
    else if (row.test_result_id) fault(item.index, 'code long déjà rattaché à un autre résultat');
    else if (row.expires_at <= now) fault(item.index, 'code long expiré');
    else codeIdBySample.set(item.sampleId, row.id);
  }
  return { faults, codeIdBySample };
}

export async function attachLongCodes(trx: Transaction<Database>, pairs: Array<{ codeId: string; resultId: string }>): Promise<void> {
  await repo.attachLongCodes(trx, pairs);
}

/** Answers to Idempotency-Keys past 24 hours are deleted. */
export async function purgeSealedLongCodes(db: Db, now: Date): Promise<number> {
  return repo.clearSealedBatches(db, new Date(now.getTime() - REPLAY_HOURS * 3_600_000));
}
