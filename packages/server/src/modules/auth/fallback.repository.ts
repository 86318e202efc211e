import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export async function findSessionChannel(db: Executor, sessionId: string) {
  const row = await db.selectFrom('sessions').select('channel').where('id', '=', sessionId).executeTakeFirst();
  return row?.channel;
}

export async function upsertEnrollment(db: Executor, enrollment: { professionalId: string; totpSecret: string; now: Date; expiresAt: Date }): Promise<void> {
  await db
    .insertInto('fallback_enrollments')
    .values({ professional_id: enrollment.professionalId, totp_secret: enrollment.totpSecret, created_at: enrollment.now, expires_at: enrollment.expiresAt })
    .onConflict((oc) =>
      oc.column('professional_id').doUpdateSet((eb) => ({
        totp_secret: eb.ref('excluded.totp_secret'),
        created_at: eb.ref('excluded.created_at'),
        expires_at: eb.ref('excluded.expires_at'),
      })),
    )
    .execute();
}

export async function findEnrollment(db: Executor, professionalId: string, now: Date) {
  return db
    .selectFrom('fallback_enrollments')
    .select(['totp_secret', 'created_at'])
    .where('professional_id', '=', professionalId)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Takes the pending enrollment out only if it is still the one that was checked (a newer one may have replaced it). */
export async function deleteEnrollment(db: Executor, professionalId: string, createdAt: Date): Promise<boolean> {
  const row = await db
    .deleteFrom('fallback_enrollments')
    .where('professional_id', '=', professionalId)
    .where('created_at', '=', createdAt)
    .returning('professional_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteExpiredEnrollments(db: Executor, now: Date): Promise<void> {
  await db.deleteFrom('fallback_enrollments').where('expires_at', '<=', now).execute();
}

export async function upsertAccount(
  db: Executor,
  account: { professionalId: string; passwordHash: string; totpSecret: string; totpLastStep: number; now: Date },
): Promise<void> {
  const values = {
    password_hash: account.passwordHash,
    totp_secret: account.totpSecret,
    totp_last_step: account.totpLastStep,
    enrolled_at: account.now,
    last_used_at: null,
    failed_attempts: 0,
    locked_until: null,
  };
  await db
    .insertInto('fallback_accounts')
    .values({ professional_id: account.professionalId, ...values })
    .onConflict((oc) => oc.column('professional_id').doUpdateSet(values))
    .execute();
}

export async function findAccountStatus(db: Executor, professionalId: string) {
  return db
    .selectFrom('fallback_accounts')
    .select(['enrolled_at', 'last_used_at', 'locked_until'])
    .where('professional_id', '=', professionalId)
    .executeTakeFirst();
}

export async function findAccountForSignIn(db: Executor, idNatPs: string) {
  return db
    .selectFrom('fallback_accounts')
    .innerJoin('professionals', 'professionals.id', 'fallback_accounts.professional_id')
    .select([
      'fallback_accounts.professional_id as professionalId',
      'fallback_accounts.password_hash as passwordHash',
      'fallback_accounts.totp_secret as totpSecret',
      'fallback_accounts.totp_last_step as totpLastStep',
      'fallback_accounts.locked_until as lockedUntil',
    ])
    .where('professionals.id_nat_ps', '=', idNatPs)
    .executeTakeFirst();
}

export async function deleteAccount(db: Executor, professionalId: string): Promise<boolean> {
  const row = await db.deleteFrom('fallback_accounts').where('professional_id', '=', professionalId).returning('professional_id').executeTakeFirst();
  return row !== undefined;
}

/** Sessions opened with credentials that no longer exist; returns their ids (for the session cache). */
export async function deleteFallbackSessions(db: Executor, professionalId: string): Promise<string[]> {
  const rows = await db.deleteFrom('sessions').where('professional_id', '=', professionalId).where('channel', '=', 'fallback').returning('id').execute();
  return rows.map((row) => row.id);
}

/**
 * One more consecutive failure; the `maxFailures`-th locks the account until `lockUntil` and
 * starts the count again. One statement, so concurrent attempts all count.
 */
export async function recordFailedAttempt(db: Executor, professionalId: string, maxFailures: number, lockUntil: Date) {
  return db
    .updateTable('fallback_accounts')
    .set({
      failed_attempts: sql<number>`case when failed_attempts + 1 >= ${maxFailures} then 0 else failed_attempts + 1 end`,
      locked_until: sql<Date | null>`case when failed_attempts + 1 >= ${maxFailures} then ${lockUntil}::timestamptz else locked_until end`,
    })
    .where('professional_id', '=', professionalId)
    .returning(['failed_attempts', 'locked_until'])
    .executeTakeFirst();
}

/**
 * Records a successful sign-in with the code of time step `step`, only if no code of this or a
 * later step was accepted before: of two concurrent uses of one code, one wins.
 */
export async function acceptSignIn(db: Executor, professionalId: string, step: number, now: Date): Promise<boolean> {
  const row = await db
    .updateTable('fallback_accounts')
    .set({ totp_last_step: step, last_used_at: now, failed_attempts: 0, locked_until: null })
    .where('professional_id', '=', professionalId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
    .returning('professional_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function touchProfessionalSignIn(db: Executor, professionalId: string, now: Date): Promise<void> {
  await db.updateTable('professionals').set({ last_sign_in_at: now }).where('id', '=', professionalId).execute();
}
