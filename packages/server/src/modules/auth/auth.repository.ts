import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, PscExercice } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export async function insertLoginAttempt(
  db: Executor,
  attempt: { bindingHash: string; state: string; nonce: string; codeVerifier: string; returnTo: string; now: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('login_attempts')
    .values({
      state: attempt.state,
      binding_hash: attempt.bindingHash,
      nonce: attempt.nonce,
      code_verifier: attempt.codeVerifier,
      return_to: attempt.returnTo,
      created_at: attempt.now,
      expires_at: attempt.expiresAt,
    })
    .execute();
}

/** Takes the attempt out in one statement, only for the browser that started it: a callback completes once. */
export async function consumeLoginAttempt(db: Executor, state: string, bindingHash: string, now: Date) {
  return db
    .deleteFrom('login_attempts')
    .where('state', '=', state)
    .where('binding_hash', '=', bindingHash)
    .where('expires_at', '>', now)
    .returning(['state', 'nonce', 'code_verifier', 'return_to'])
    .executeTakeFirst();
}

export async function loginAttemptExists(db: Executor, state: string): Promise<boolean> {
  return (await db.selectFrom('login_attempts').select('state').where('state', '=', state).executeTakeFirst()) !== undefined;
}

/** Housekeeping on each sign-in: expired attempts and sessions are useless rows. */
export async function deleteExpiredAuthRows(db: Executor, now: Date, idleCutoff: Date): Promise<void> {
  await db.deleteFrom('login_attempts').where('expires_at', '<=', now).execute();
  await db.deleteFrom('sessions').where((eb) => eb.or([eb('absolute_expires_at', '<=', now), eb('last_seen_at', '<=', idleCutoff)])).execute();
}

export async function upsertProfessional(
  db: Executor,
  input: { idNatPs: string; givenName: string; familyName: string; professions: string[]; exercices: PscExercice[]; email: string | null; now: Date },
): Promise<{ id: string }> {
  return db
    .insertInto('professionals')
    .values({
      id_nat_ps: input.idNatPs,
      given_name: input.givenName,
      family_name: input.familyName,
      professions: input.professions,
      exercices: JSON.stringify(input.exercices),
      email: input.email,
      updated_at: input.now,
      last_sign_in_at: input.now,
    })
    .onConflict((oc) =>
      oc.column('id_nat_ps').doUpdateSet((eb) => ({
        given_name: eb.ref('excluded.given_name'),
        family_name: eb.ref('excluded.family_name'),
        professions: eb.ref('excluded.professions'),
        exercices: eb.ref('excluded.exercices'),
        email: eb.ref('excluded.email'),
        updated_at: eb.ref('excluded.updated_at'),
        last_sign_in_at: eb.ref('excluded.last_sign_in_at'),
      })),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** The professional's zones as of this sign-in: the previous ones go (a practice moved or closed). */
export async function replaceProfessionalZones(
  db: Executor,
  professionalId: string,
  zones: Array<{ profession: string; department: string; region: string }>,
): Promise<void> {
  await db.deleteFrom('professional_zones').where('professional_id', '=', professionalId).execute();
  if (zones.length === 0) return;
  await db
    .insertInto('professional_zones')
    .values(zones.map((zone) => ({ professional_id: professionalId, ...zone })))
    .execute();
}

export async function insertSession(
  db: Executor,
  session: {
    id: string;
    professionalId: string;
    idTokenSealed: string | null;
    authMeans: string | null;
    acr: string;
    now: Date;
    absoluteExpiresAt: Date;
    /** How the professional signed in; PSC unless said otherwise. */
    channel?: 'psc' | 'fallback';
  },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: session.id,
      professional_id: session.professionalId,
      id_token_sealed: session.idTokenSealed,
      auth_means: session.authMeans,
      acr: session.acr,
      created_at: session.now,
      last_seen_at: session.now,
      absolute_expires_at: session.absoluteExpiresAt,
      channel: session.channel ?? 'psc',
    })
    .execute();
}

export async function findSessionWithProfessional(db: Executor, id: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('professionals', 'professionals.id', 'sessions.professional_id')
    .select([
      'sessions.id as sessionId',
      'sessions.auth_means as authMeans',
      'sessions.last_seen_at as lastSeenAt',
      'sessions.absolute_expires_at as absoluteExpiresAt',
      'professionals.id as professionalId',
      'professionals.id_nat_ps as idNatPs',
      'professionals.given_name as givenName',
      'professionals.family_name as familyName',
      'professionals.professions as professions',
    ])
    .where('sessions.id', '=', id)
    .modifyFront(sql`/* prepared:find_session */`)
    .executeTakeFirst();
}

export async function touchSession(db: Executor, id: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
}

export async function deleteSession(db: Executor, id: string) {
  return db.deleteFrom('sessions').where('id', '=', id).returning(['id_token_sealed', 'channel']).executeTakeFirst();
}
