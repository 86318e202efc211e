import type { Db } from '../../db/database.js';
import { auditRow, recordAudit } from '../../platform/audit.js';
import { HOUR, MINUTE } from '../../platform/clock.js';
import type { RequestContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { fixedWindow } from '../../platform/rate-limit.js';
import type { CodeHasher } from '../../platform/code-hasher.js';
import { generateCrockford, normalizeCrockford } from '../../platform/crockford.js';
import { generateShortCode, groupForDictation, normalizeShortCode } from './code-format.js';
import { hashToken } from '../../platform/secrets.js';
import { normalizeRetrievalCode } from '../../platform/retrieval-code.js';
import * as repo from './codes.repository.js';
import type { CodeHistory, IssueCodeBody } from '@prostopcovid/contracts/codes';

export interface CodesDeps {
  db: Db;
  hasher: CodeHasher;
  publicUrl: string;
  ttlMinutes: number;
  issueLimitPerHour: number;
}

const MAX_DRAWS = 8;

/** A signed-in doctor or nurse issues a 6-character code for a patient just diagnosed. */
export async function issueCode(deps: CodesDeps, ctx: RequestContext, input: IssueCodeBody) {
  const professional = ctx.professional!;
  if (input.caseKind === 'confirmed' && input.qrCodeUnavailable !== true) {
    throw new AppError('CODES_QR_CONFIRMATION_REQUIRED');
  }
  const expiresAt = new Date(ctx.now.getTime() + deps.ttlMinutes * MINUTE);
  // The limit counts issues per clock hour, in the shared counter table.
  const { start: windowStart, retryAfterSeconds } = fixedWindow(ctx.now, HOUR);
  const qrCodeUnavailable = input.qrCodeUnavailable === true;
  // The SI-DEP result this code replaces: its COVID+ long code must not stay usable in parallel.
  let resultId: string | null = null;
  if (input.resultRetrievalCode !== undefined) {
    const retrieval = normalizeRetrievalCode(input.resultRetrievalCode);
    const result = retrieval ? await repo.findTestResultByRetrieval(deps.db, hashToken(retrieval)) : undefined;
    if (!result || result.result !== 'detected') throw new AppError('CODES_RESULT_NOT_FOUND');
    resultId = result.id;
  }
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const code = generateShortCode();
    const [hash, ...olderHashes] = deps.hasher.candidates(code);
    const statement: repo.IssueStatement = {
      counterKey: `issue:${professional.id}`,
      windowStart,
      limit: deps.issueLimitPerHour,
      hash: hash!,
      olderHashes,
      keyId: deps.hasher.currentKeyId,
      caseKind: input.caseKind,
      qrCodeUnavailable,
      professionalId: professional.id,
      now: ctx.now,
      expiresAt,
      revokeLongCodesOf: resultId,
      audit: auditRow(ctx, {
        action: 'codes.issue',
        outcome: 'success',
        targetType: 'declaration_code',
        // No health data: not the case's kind, nor which test result (the code row links it).
        details: { qrCodeUnavailable },
      }),
    };
    // Linked to a result: hold that result's row first, so a concurrent reprint of its COVID+
    // document either sees this code or has its long code revoked by it.
    const { hits, codeId } = resultId
      ? await deps.db.transaction().execute(async (trx) => {
          await repo.lockTestResult(trx, resultId);
          return repo.insertCountedCode(trx, statement);
        })
      : await repo.insertCountedCode(deps.db, statement);
    if (hits === null) {
      await recordAudit(deps.db, ctx, { action: 'codes.issue', outcome: 'denied', details: { reason: 'CODES_ISSUE_LIMIT' } });
      throw new AppError('CODES_ISSUE_LIMIT', { retryAfterSeconds });
    }
    if (codeId) {
      return {
        code,
        codeForDictation: groupForDictation(code),
        expiresAt: expiresAt.toISOString(),
        deepLink: codeDeepLink(deps.publicUrl, code),
      };
    }
    // The value is taken (rare): if by an expired code, free it; either way draw again.
    await repo.releaseExpiredHash(deps.db, hash!, ctx.now);
  }
  throw new AppError('CODES_GENERATION_FAILED');
}

const LONG_CODE_LENGTH = 12;
/** Long codes (a COVID+ document's, a laboratory's) are valid this many days (docs/domain.md: 10 to 15). */
export const LONG_CODE_VALIDITY_DAYS = 15;

/** A long one-time code: 12 Crockford Base32 characters (60 bits), cryptographically random. */
export function generateLongCode(): string {
  return generateCrockford(LONG_CODE_LENGTH);
}

/** What a person or a lab typed as a long code, canonical, or null. */
export function normalizeLongCode(input: string): string | null {
  return normalizeCrockford(input, LONG_CODE_LENGTH);
}

/** The QR code's text and the deep link of a declaration code: the app's page with the code. */
export function codeDeepLink(publicUrl: string, code: string): string {
  return `${publicUrl}/app#code=${code}`;
}

/**
 * What the app sent as a code, canonical: a 6-character code from a professional, or the
 * 12-character one of a COVID+ document. Null when it can be neither.
 */
export function normalizeDeclarationCode(input: string): string | null {
  return normalizeShortCode(input) ?? normalizeLongCode(input);
}

/**
 * The long one-time code of a positive result's COVID+ document (docs/domain.md, Declaration codes): 12
 * characters, valid `days`, redeemable by the app like a short code. Returned once.
 */
export async function issueLongCode(deps: CodesDeps, ctx: RequestContext, testResultId: string, days = LONG_CODE_VALIDITY_DAYS) {
  const expiresAt = new Date(ctx.now.getTime() + days * 24 * HOUR);
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const code = generateLongCode();
    const id = await repo.replaceLongCode(deps.db, { hash: deps.hasher.hash(code), keyId: deps.hasher.currentKeyId, testResultId, now: ctx.now, expiresAt });
    if (id === 'replaced-by-short-code') throw new AppError('TESTS_COVID_PLUS_REPLACED');
    if (id) {
      await recordAudit(deps.db, ctx, { action: 'codes.issue_long', outcome: 'success', targetType: 'declaration_code', targetId: id });
      return { code, expiresAt, deepLink: codeDeepLink(deps.publicUrl, code) };
    }
  }
  throw new AppError('CODES_GENERATION_FAILED');
}

/** The professional's own codes: when, which case, what became of it. Never the code. */
export async function listIssuedCodes(deps: CodesDeps, ctx: RequestContext): Promise<CodeHistory> {
  const rows = await repo.listCodesOfProfessional(deps.db, ctx.professional!.id, 100);
  return {
    codes: rows.map((row) => ({
      id: row.id,
      issuedAt: row.issued_at.toISOString(),
      caseKind: row.case_kind ?? 'confirmed',
      status: row.consumed_at ? 'used' : row.expires_at <= ctx.now ? 'expired' : 'pending',
      expiresAt: row.expires_at.toISOString(),
      usedAt: row.consumed_at?.toISOString() ?? null,
    })),
  };
}
