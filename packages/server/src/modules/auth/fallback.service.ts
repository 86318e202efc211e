import { PASSWORD_MIN_LENGTH } from '@prostopcovid/contracts/fallback';
import { recordAudit } from '../../platform/audit.js';
import { HOUR, MINUTE } from '../../platform/clock.js';
import type { RequestContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { countHit } from '../../platform/rate-limit.js';
import { generateToken, hashToken } from '../../platform/secrets.js';
import * as authRepo from './auth.repository.js';
import { safeReturnTo, type ActiveSession, type AuthDeps } from './auth.service.js';
import * as repo from './fallback.repository.js';
import {
  decryptTotpSecret,
  encryptTotpSecret,
  hashPassword,
  matchTotp,
  newTotpSecret,
  spendPasswordCheck,
  totpUri,
  verifyPassword,
} from './fallback.secrets.js';

const ENROLLMENT_TTL = 10 * MINUTE;
// RPPS numbers are public: a low account-wide lock would let anyone shut professionals out of
// the channel precisely during an outage. Guessing is limited per (account, address) instead,
// the same answer for enrolled and unknown accounts; the account-wide lock only stops a
// distributed attack (the password and the TOTP code must both be right anyway).
const ACCOUNT_ADDRESS_LIMIT = 5;
const MAX_FAILURES = 100;
const LOCK_DURATION = 15 * MINUTE;
// Per address, across accounts (password spraying). A hospital behind one address may have
// many professionals signing in at once during an outage, hence a generous limit.
const ADDRESS_LIMIT = 60;
const ADDRESS_WINDOW = 15 * MINUTE;

/** Whether the second channel is open now: always, never, or while a `psc` incident is open. */
export async function isFallbackOpen(deps: AuthDeps): Promise<boolean> {
  const mode = deps.continuity.fallbackSignIn;
  if (mode === 'never') return false;
  return mode === 'always' || (await deps.incidents.has('psc'));
}

/**
 * Enrolling or changing the account needs a PSC session: whoever holds only the fallback
 * credentials must not be able to replace them (nor lock the owner out by deleting them).
 */
async function requirePscSession(deps: AuthDeps, ctx: RequestContext, session: ActiveSession, action: string): Promise<void> {
  if ((await repo.findSessionChannel(deps.db, session.id)) === 'psc') return;
  await recordAudit(deps.db, ctx, {
    action,
    outcome: 'denied',
    targetType: 'professional',
    targetId: session.professional.id,
    details: { reason: 'AUTH_FALLBACK_PSC_REQUIRED' },
  });
  throw new AppError('AUTH_FALLBACK_PSC_REQUIRED');
}

/** A new TOTP secret, pending until a first code confirms it; shown once as a QR code. */
export async function startEnrollment(deps: AuthDeps, ctx: RequestContext, session: ActiveSession) {
  if (deps.continuity.fallbackSignIn === 'never') throw new AppError('AUTH_FALLBACK_NOT_OFFERED');
  await requirePscSession(deps, ctx, session, 'auth.fallback.enrollment_start');
  const secret = newTotpSecret();
  const expiresAt = new Date(ctx.now.getTime() + ENROLLMENT_TTL);
  await deps.db.transaction().execute(async (trx) => {
    await repo.deleteExpiredEnrollments(trx, ctx.now);
    await repo.upsertEnrollment(trx, { professionalId: session.professional.id, totpSecret: secret, now: ctx.now, expiresAt });
    await recordAudit(trx, ctx, { action: 'auth.fallback.enrollment_start', outcome: 'success', targetType: 'professional', targetId: session.professional.id });
  });
  return { secret, otpauthUri: totpUri(secret, session.professional.idNatPs), expiresAt: expiresAt.toISOString() };
}

/**
 * Activates the pending enrollment with the password chosen now and a code from the
 * authenticator app (proof that it holds the secret). Replaces any previous account and ends
 * the sessions opened with it.
 */
export async function activateAccount(deps: AuthDeps, ctx: RequestContext, session: ActiveSession, input: { password: string; totpCode: string }) {
  if (deps.continuity.fallbackSignIn === 'never') throw new AppError('AUTH_FALLBACK_NOT_OFFERED');
  await requirePscSession(deps, ctx, session, 'auth.fallback.activate');
  if ([...input.password].length < PASSWORD_MIN_LENGTH) throw new AppError('AUTH_FALLBACK_PASSWORD_WEAK');
  const professionalId = session.professional.id;
  const enrollment = await repo.findEnrollment(deps.db, professionalId, ctx.now);
  if (!enrollment) throw new AppError('AUTH_FALLBACK_ENROLLMENT_UNKNOWN');
  const step = matchTotp(enrollment.totp_secret, input.totpCode, ctx.now);
  if (step === null) {
    await recordAudit(deps.db, ctx, { action: 'auth.fallback.activate', outcome: 'failure', targetType: 'professional', targetId: professionalId, details: { reason: 'AUTH_FALLBACK_CODE_MISMATCH' } });
    throw new AppError('AUTH_FALLBACK_CODE_MISMATCH');
  }
  const password = await hashPassword(input.password);
  const totpSecret = encryptTotpSecret(password.key, professionalId, enrollment.totp_secret);
  await deps.db.transaction().execute(async (trx) => {
    if (!(await repo.deleteEnrollment(trx, professionalId, enrollment.created_at))) throw new AppError('AUTH_FALLBACK_ENROLLMENT_UNKNOWN');
    // The confirming code counts as used: it cannot also open a session.
    await repo.upsertAccount(trx, { professionalId, passwordHash: password.stored, totpSecret, totpLastStep: step, now: ctx.now });
    const ended = await repo.deleteFallbackSessions(trx, professionalId);
    await deps.sessionCache.ended(trx, ended);
    await recordAudit(trx, ctx, { action: 'auth.fallback.activate', outcome: 'success', targetType: 'professional', targetId: professionalId, details: { endedSessions: ended.length } });
  });
  return readAccountStatus(deps, professionalId);
}

export async function readAccountStatus(deps: AuthDeps, professionalId: string) {
  const row = await repo.findAccountStatus(deps.db, professionalId);
  return {
    enrolled: row !== undefined,
    enrolledAt: row?.enrolled_at.toISOString() ?? null,
    lastUsedAt: row?.last_used_at?.toISOString() ?? null,
    signInMode: deps.continuity.fallbackSignIn,
  };
}

/** Removes the account and ends the sessions it opened (also when the channel is no longer offered). */
export async function removeAccount(deps: AuthDeps, ctx: RequestContext, session: ActiveSession): Promise<void> {
  await requirePscSession(deps, ctx, session, 'auth.fallback.remove');
  const professionalId = session.professional.id;
  await deps.db.transaction().execute(async (trx) => {
    if (!(await repo.deleteAccount(trx, professionalId))) throw new AppError('AUTH_FALLBACK_NOT_ENROLLED');
    const ended = await repo.deleteFallbackSessions(trx, professionalId);
    await deps.sessionCache.ended(trx, ended);
    await recordAudit(trx, ctx, { action: 'auth.fallback.remove', outcome: 'success', targetType: 'professional', targetId: professionalId, details: { endedSessions: ended.length } });
  });
}

export interface FallbackSignInInput {
  idNatPs: string;
  password: string;
  totpCode: string;
  returnTo?: string;
}

/**
 * Signs a pre-enrolled professional in without PSC. Unknown account, wrong password and wrong
 * or reused code all get one answer, after the same scrypt work, so none can be told apart.
 */
export async function signInWithFallback(deps: AuthDeps, ctx: RequestContext, input: FallbackSignInInput) {
  // Counted before anything else, refusals included: the audit rows they write stay bounded.
  const limit = await countHit(deps.db, `fallback-sign-in:ip:${ctx.ip}`, ADDRESS_LIMIT, ADDRESS_WINDOW, ctx.now);
  if (!limit.allowed) throw new AppError('RATE_LIMITED', { retryAfterSeconds: limit.retryAfterSeconds });
  const perAccount = await countHit(deps.db, `fallback-sign-in:account:${input.idNatPs}:ip:${ctx.ip}`, ACCOUNT_ADDRESS_LIMIT, ADDRESS_WINDOW, ctx.now);
  if (!perAccount.allowed) throw new AppError('RATE_LIMITED', { retryAfterSeconds: perAccount.retryAfterSeconds });

  const audit = (outcome: 'success' | 'failure' | 'denied', reason: string, professionalId?: string) =>
    recordAudit(deps.db, ctx, {
      action: 'auth.fallback.sign_in',
      outcome,
      ...(professionalId ? { actorId: professionalId, targetType: 'professional', targetId: professionalId } : {}),
      details: { reason, idNatPs: input.idNatPs },
    });

  if (!(await isFallbackOpen(deps))) {
    await audit('denied', 'AUTH_FALLBACK_DISABLED');
    throw new AppError('AUTH_FALLBACK_DISABLED');
  }

  const account = await repo.findAccountForSignIn(deps.db, input.idNatPs);
  if (!account) {
    await spendPasswordCheck(input.password);
    await audit('failure', 'unknown_account');
    throw new AppError('AUTH_FALLBACK_INVALID');
  }
  const professionalId = account.professionalId;
  const locked = (until: Date) => new AppError('AUTH_FALLBACK_LOCKED', { retryAfterSeconds: Math.max(1, Math.ceil((until.getTime() - ctx.now.getTime()) / 1000)) });
  if (account.lockedUntil && account.lockedUntil > ctx.now) {
    await audit('denied', 'AUTH_FALLBACK_LOCKED', professionalId);
    throw locked(account.lockedUntil);
  }

  const fail = async (reason: string): Promise<never> => {
    const counted = await repo.recordFailedAttempt(deps.db, professionalId, MAX_FAILURES, new Date(ctx.now.getTime() + LOCK_DURATION));
    await audit('failure', reason, professionalId);
    // The failure that locks the account says so at once.
    if (counted?.locked_until && counted.locked_until > ctx.now) throw locked(counted.locked_until);
    throw new AppError('AUTH_FALLBACK_INVALID');
  };

  const key = await verifyPassword(account.passwordHash, input.password);
  if (!key) return fail('wrong_password');
  const step = matchTotp(decryptTotpSecret(key, professionalId, account.totpSecret), input.totpCode, ctx.now);
  if (step === null) return fail('wrong_code');
  if (account.totpLastStep !== null && step <= Number(account.totpLastStep)) return fail('code_reused');

  const sessionToken = generateToken();
  const accepted = await deps.db.transaction().execute(async (trx) => {
    // Checked again in the update: a concurrent sign-in may have just used this code.
    if (!(await repo.acceptSignIn(trx, professionalId, step, ctx.now))) return false;
    await authRepo.insertSession(trx, {
      id: hashToken(sessionToken),
      professionalId,
      idTokenSealed: null,
      authMeans: 'fallback-totp',
      acr: 'fallback',
      channel: 'fallback',
      now: ctx.now,
      absoluteExpiresAt: new Date(ctx.now.getTime() + deps.session.absoluteHours * HOUR),
    });
    await repo.touchProfessionalSignIn(trx, professionalId, ctx.now);
    await recordAudit(trx, ctx, {
      action: 'auth.fallback.sign_in',
      outcome: 'success',
      actorId: professionalId,
      targetType: 'professional',
      targetId: professionalId,
      details: { idNatPs: input.idNatPs, authMeans: 'fallback-totp' },
    });
    return true;
  });
  if (!accepted) return fail('code_reused');
  return { sessionToken, returnTo: safeReturnTo(input.returnTo) };
}
