import type { Db } from '../../db/database.js';
import { recordAudit } from '../../platform/audit.js';
import { HOUR, MINUTE } from '../../platform/clock.js';
import type { RequestContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import type { CodeHasher } from './code-hasher.js';
import { generateShortCode, groupForDictation } from './code-format.js';
import * as repo from './codes.repository.js';
import type { CodeHistory, IssueCodeBody } from './codes.schemas.js';

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
  try {
    const code = await deps.db.transaction().execute(async (trx) => {
      await repo.lockProfessional(trx, professional.id);
      const recent = await repo.countCodesIssuedSince(trx, professional.id, new Date(ctx.now.getTime() - HOUR));
      if (recent.count >= deps.issueLimitPerHour) {
        const freesAt = (recent.oldest?.getTime() ?? ctx.now.getTime()) + HOUR;
        throw new AppError('CODES_ISSUE_LIMIT', { retryAfterSeconds: Math.max(1, Math.ceil((freesAt - ctx.now.getTime()) / 1000)) });
      }
      for (let draw = 0; draw < MAX_DRAWS; draw++) {
        const candidate = generateShortCode();
        const [current, ...older] = deps.hasher.candidates(candidate);
        // The same value may still be live under a previous key: draw again rather than share it.
        if (older.length > 0 && (await repo.isLiveCodeHash(trx, older, ctx.now))) continue;
        const values = {
          hash: current!,
          keyId: deps.hasher.currentKeyId,
          kind: 'short' as const,
          caseKind: input.caseKind,
          qrCodeUnavailable: input.qrCodeUnavailable === true,
          professionalId: professional.id,
          now: ctx.now,
          expiresAt,
        };
        let id = await repo.insertCode(trx, values);
        if (!id && (await repo.releaseExpiredHash(trx, current!, ctx.now))) id = await repo.insertCode(trx, values);
        if (!id) continue;
        await recordAudit(trx, ctx, {
          action: 'codes.issue',
          outcome: 'success',
          targetType: 'declaration_code',
          targetId: id,
          details: { caseKind: input.caseKind, qrCodeUnavailable: values.qrCodeUnavailable },
        });
        return candidate;
      }
      throw new AppError('CODES_GENERATION_FAILED');
    });
    return {
      code,
      codeForDictation: groupForDictation(code),
      expiresAt: expiresAt.toISOString(),
      deepLink: `${deps.publicUrl}/app#code=${code}`,
    };
  } catch (error) {
    if (error instanceof AppError && error.code === 'CODES_ISSUE_LIMIT') {
      await recordAudit(deps.db, ctx, { action: 'codes.issue', outcome: 'denied', details: { reason: error.code } });
    }
    throw error;
  }
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
