import type { Db } from '../../db/database.js';
import { auditRow, recordAudit } from '../../platform/audit.js';
import { MINUTE } from '../../platform/clock.js';
import type { RequestContext } from '../../platform/context.js';
import { isValidIsoDate, parisDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { fixedWindow } from '../../platform/rate-limit.js';
import { generateToken, hashToken } from '../../platform/secrets.js';
import type { CodeHasher } from '../../platform/code-hasher.js';
import { normalizeDeclarationCode } from '../codes/codes.service.js';
import { contactWindow, isOnsetDateAllowed } from './contact-window.js';
import * as repo from './declarations.repository.js';
import type { DeclareBody } from '@prostopcovid/contracts/declarations';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export interface DeclarationsDeps {
  db: Db;
  hasher: CodeHasher;
  redeemLimitPerDevice: number;
  redeemLimitPerAddress: number;
  redeemWindowMinutes: number;
  uploadTokenMinutes: number;
}

const DEVICE_ID = /^[A-Za-z0-9_-]{8,128}$/;

/**
 * The app redeems a code with the onset answer. A wrong, expired or used code gets one and
 * the same answer; attempts are limited per device and per address whatever their outcome.
 */
export async function declareWithCode(deps: DeclarationsDeps, ctx: RequestContext, deviceId: string | undefined, input: DeclareBody) {
  if (!deviceId || !DEVICE_ID.test(deviceId)) throw new AppError('DECLARATION_DEVICE_REQUIRED');
  const today = parisDate(ctx.now);
  const onset = input.onset;
  if (onset.kind !== 'unknown' && (!isValidIsoDate(onset.date) || !isOnsetDateAllowed(onset.date, today))) {
    throw new AppError('DECLARATION_ONSET_INVALID');
  }

  const windowMs = deps.redeemWindowMinutes * MINUTE;
  const { start: windowStart, retryAfterSeconds } = fixedWindow(ctx.now, windowMs);
  const code = normalizeDeclarationCode(input.code);
  const window = contactWindow(onset, today);
  const uploadToken = generateToken();
  const tokenExpiresAt = new Date(ctx.now.getTime() + deps.uploadTokenMinutes * MINUTE);
  // Even input that cannot be a code goes through the statement: it counts against the
  // limits, and every refusal takes the same path.
  const { hits, declarationId } = await repo.redeemCounted(deps.db, {
    limits: [
      { key: `redeem:device:${deviceId}`, limit: deps.redeemLimitPerDevice },
      { key: `redeem:ip:${ctx.ip}`, limit: deps.redeemLimitPerAddress },
    ],
    windowStart,
    hashes: code ? deps.hasher.candidates(code) : [],
    now: ctx.now,
    onsetKind: onset.kind,
    onsetDate: onset.kind === 'unknown' ? null : onset.date,
    windowFrom: window.from,
    windowTo: window.to,
    tokenHash: hashToken(uploadToken),
    tokenExpiresAt,
    audit: auditRow(ctx, { action: 'declarations.redeem', outcome: 'success', targetType: 'declaration' }),
  });
  const refusedBy = hits.find((h) => !h.allowed);
  if (refusedBy) {
    // Audited once per window and limiter, not for every refused hit, so a flood cannot fill the log.
    const limit = refusedBy.key.startsWith('redeem:device:') ? deps.redeemLimitPerDevice : deps.redeemLimitPerAddress;
    if (refusedBy.hits === limit + 1) {
      await recordAudit(deps.db, ctx, { action: 'declarations.rate_limited', outcome: 'denied', details: { limiter: refusedBy.key.split(':')[1] } });
    }
    throw new AppError('DECLARATION_RATE_LIMITED', { retryAfterSeconds });
  }
  if (!declarationId) {
    await recordAudit(deps.db, ctx, { action: 'declarations.redeem', outcome: 'failure', details: { reason: 'CODE_INVALID' } });
    throw new AppError('CODE_INVALID');
  }
  return { uploadToken, tokenExpiresAt: tokenExpiresAt.toISOString(), window };
}

export type ReportClaim =
  | { kind: 'claimed'; declarationId: string; window: { from: string; to: string } }
  | { kind: 'replay'; accepted: number; rejectedOutsideWindow: number };

/**
 * The ROBERT report's credential is a declaration's upload token: single use, except that the
 * very same report (same digest) sent again gets the first answer back (a lost response).
 * Runs inside the caller's transaction, so a failed report leaves the token unused.
 */
export async function claimReportToken(db: Executor, token: string, digest: Buffer, now: Date): Promise<ReportClaim> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) throw new AppError('DECLARATION_TOKEN_INVALID');
  const tokenHash = hashToken(token);
  const claimed = await repo.claimReport(db, tokenHash, digest, now);
  if (claimed) return { kind: 'claimed', declarationId: claimed.id, window: { from: claimed.window_from, to: claimed.window_to } };
  const replay = await repo.findReportReplay(db, tokenHash, digest);
  if (replay?.contacts_accepted != null) return { kind: 'replay', accepted: replay.contacts_accepted, rejectedOutsideWindow: replay.contacts_rejected ?? 0 };
  throw new AppError('DECLARATION_TOKEN_INVALID');
}

export async function recordReportCounts(db: Executor, declarationId: string, accepted: number, rejectedOutsideWindow: number): Promise<void> {
  await repo.recordReportCounts(db, declarationId, accepted, rejectedOutsideWindow);
}
