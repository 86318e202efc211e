import * as oidc from 'openid-client';
import type { Config, SessionCookies } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { PscExercice } from '../../db/schema.js';
import { recordAudit } from '../../platform/audit.js';
import { MINUTE, HOUR } from '../../platform/clock.js';
import type { RequestContext, SignedInProfessional } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { departmentsOf, regionOf } from '../../platform/territories.js';
import { deriveFromToken, generateToken, hashToken, openWithToken, sealWithToken } from '../../platform/secrets.js';
import * as repo from './auth.repository.js';
import { rightsFor } from './policy.js';
import type { OpenIncidents } from '../incidents/incidents.service.js';
import type { PscClient } from './psc-client.js';
import type { SessionCache } from './session-cache.js';

export interface AuthDeps {
  db: Db;
  psc: PscClient;
  session: { idleMinutes: number; absoluteHours: number; cookies: SessionCookies };
  sessionCache: SessionCache;
  /** IdNat_PS of the authority operators (configured accounts). */
  operators: ReadonlySet<string>;
  /** Open incidents (cached per process): a `psc` incident extends idle timeouts and opens the second channel. */
  incidents: OpenIncidents;
  continuity: Config['continuity'];
}

const LOGIN_ATTEMPT_TTL = 10 * MINUTE;
const ID_NAT_PS = /^(8\d{11}|0\d{9})$/;

/**
 * Only a path of this site: an open redirect after sign-in would be a phishing tool. The
 * value is resolved as a browser would (dot segments, `%2e`, backslashes read as slashes),
 * and the resolved path must not start with `//` or `/\`, which a browser would read as
 * another host when it follows `Location`.
 */
export function safeReturnTo(value: string | undefined): string {
  const base = 'http://return-to.invalid';
  if (!value || !/^\/[\x21-\x7e]*$/.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return '/';
  }
  if (url.origin !== base || /^\/[/\\]/.test(url.pathname)) return '/';
  return url.pathname + url.search + url.hash;
}

const BINDING = /^[A-Za-z0-9_-]{43}$/;

/**
 * Starts a PSC sign-in. The attempt is bound to this browser by a cookie (the database keeps
 * its hash); a browser keeps one binding, so sign-ins started in two tabs both complete.
 */
export async function startSignIn(deps: AuthDeps, ctx: RequestContext, returnTo: string | undefined, existingBinding: string | undefined) {
  const checks = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
  const authorizationUrl = await deps.psc.buildAuthorizationUrl(checks);
  const binding = existingBinding && BINDING.test(existingBinding) ? existingBinding : generateToken();
  // Not the sessions an incident keeps alive.
  await repo.deleteExpiredAuthRows(deps.db, ctx.now, new Date(ctx.now.getTime() - (await idleTimeoutMs(deps))));
  await repo.insertLoginAttempt(deps.db, {
    bindingHash: hashToken(binding),
    ...checks,
    returnTo: safeReturnTo(returnTo),
    now: ctx.now,
    expiresAt: new Date(ctx.now.getTime() + LOGIN_ATTEMPT_TTL),
  });
  return { authorizationUrl, binding };
}

export interface CompletedSignIn {
  sessionToken: string;
  returnTo: string;
}

export async function completeSignIn(
  deps: AuthDeps,
  ctx: RequestContext,
  binding: string | undefined,
  callbackUrl: URL,
): Promise<CompletedSignIn> {
  try {
    return await completeSignInOrThrow(deps, ctx, binding, callbackUrl);
  } catch (error) {
    // A callback without any binding cookie is noise anyone can send: not worth an audit row.
    if (error instanceof AppError && binding) {
      await recordAudit(deps.db, ctx, {
        action: 'auth.sign_in',
        outcome: error.statusCode === 403 ? 'denied' : 'failure',
        details: { reason: error.code },
      });
    }
    throw error;
  }
}

async function completeSignInOrThrow(
  deps: AuthDeps,
  ctx: RequestContext,
  binding: string | undefined,
  callbackUrl: URL,
): Promise<CompletedSignIn> {
  const params = callbackUrl.searchParams;
  const state = params.get('state');
  if (!binding || !state) throw new AppError('AUTH_LOGIN_UNKNOWN');
  const attempt = await repo.consumeLoginAttempt(deps.db, state, hashToken(binding), ctx.now);
  if (!attempt) {
    // Started elsewhere (another browser, a forged link) or already used or expired.
    throw new AppError((await repo.loginAttemptExists(deps.db, state)) ? 'AUTH_STATE_MISMATCH' : 'AUTH_LOGIN_UNKNOWN');
  }
  if (params.has('error')) {
    throw new AppError('AUTH_PROVIDER_DENIED', { details: { providerError: params.get('error') } });
  }
  const { idToken, claims, userinfo } = await deps.psc.completeAuthorization(callbackUrl, {
    state: attempt.state,
    nonce: attempt.nonce,
    codeVerifier: attempt.code_verifier,
  });
  // eIDAS "substantiel" (CPS card or e-CPS) is the level PSC guarantees; anything less is refused.
  if (claims.acr !== 'eidas1') throw new AppError('AUTH_ACR_INSUFFICIENT', { details: { acr: claims.acr ?? null } });
  const identity = readPscIdentity(userinfo);
  const sessionToken = generateToken();
  await deps.db.transaction().execute(async (trx) => {
    const professional = await repo.upsertProfessional(trx, { ...identity, now: ctx.now });
    // Where they work, for the urgent messages of their zone (docs/domain.md §5).
    await repo.replaceProfessionalZones(trx, professional.id, exerciceZones(identity.exercices));
    await repo.insertSession(trx, {
      id: hashToken(sessionToken),
      professionalId: professional.id,
      idTokenSealed: idToken ? sealWithToken(sessionToken, ID_TOKEN_PURPOSE, idToken) : null,
      authMeans: identity.authMeans,
      acr: claims.acr as string,
      now: ctx.now,
      absoluteExpiresAt: new Date(ctx.now.getTime() + deps.session.absoluteHours * HOUR),
    });
    await recordAudit(trx, ctx, {
      action: 'auth.sign_in',
      outcome: 'success',
      actorId: professional.id,
      targetType: 'professional',
      targetId: professional.id,
      details: { professions: identity.professions, authMeans: identity.authMeans },
    });
  });
  return { sessionToken, returnTo: attempt.return_to };
}

/** Reads the PSC-shaped userinfo claims; a missing national id makes the identity unusable. */
export function readPscIdentity(userinfo: Record<string, unknown>) {
  const idNatPs = typeof userinfo.SubjectNameID === 'string' ? userinfo.SubjectNameID : userinfo.preferred_username;
  if (typeof idNatPs !== 'string' || !ID_NAT_PS.test(idNatPs)) throw new AppError('AUTH_IDENTITY_INCOMPLETE');
  const refPro = userinfo.SubjectRefPro as { exercices?: unknown } | undefined;
  const exercices = (Array.isArray(refPro?.exercices) ? refPro.exercices : [])
    .filter((e): e is PscExercice => typeof e === 'object' && e !== null && typeof (e as PscExercice).codeProfession === 'string')
    .slice(0, 20);
  const professions = [...new Set(exercices.map((e) => e.codeProfession))];
  const text = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : '');
  return {
    idNatPs,
    email: activityEmail(exercices),
    givenName: text(userinfo.given_name),
    familyName: text(userinfo.family_name),
    professions,
    exercices,
    authMeans: typeof userinfo.Mode_Acces_Raccordement === 'string' ? userinfo.Mode_Acces_Raccordement.slice(0, 50) : null,
  };
}

const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const activityField = (activity: Record<string, unknown>, name: string) => (typeof activity[name] === 'string' ? (activity[name]).trim() : '');

/**
 * The address urgent messages are e-mailed to: the one declared to the professional's order for
 * their practice (RPPS `adresseEMailCoordStructure`), the first that looks like an address.
 */
function activityEmail(exercices: PscExercice[]): string | null {
  for (const activity of exercices.flatMap((e) => e.activities ?? [])) {
    const address = activityField(activity, 'adresseEMailCoordStructure');
    if (address.length <= 254 && EMAIL.test(address)) return address;
  }
  return null;
}

/**
 * The (profession, department, region) of each exercice's activities, from their INSEE commune
 * code or postcode; an exercice with no known address counts with department '' (national
 * messages reach it, territorial ones cannot).
 */
export function exerciceZones(exercices: PscExercice[]): Array<{ profession: string; department: string; region: string }> {
  const zones = new Map<string, { profession: string; department: string; region: string }>();
  for (const exercice of exercices) {
    const found = (exercice.activities ?? []).flatMap((activity) =>
      departmentsOf({ postcode: activityField(activity, 'codePostalCoordStructure'), communeCode: activityField(activity, 'codeCommuneCoordStructure') }),
    );
    for (const department of found.length > 0 ? found : ['']) {
      zones.set(`${exercice.codeProfession}/${department}`, { profession: exercice.codeProfession, department, region: department ? (regionOf(department) ?? '') : '' });
    }
  }
  return [...zones.values()];
}

const ID_TOKEN_PURPOSE = 'session id_token';

/** The session's synchronizer token, derived from the cookie value: the database never holds it. */
function csrfTokenOf(sessionToken: string): string {
  return deriveFromToken(sessionToken, 'session csrf').toString('base64url');
}

export interface ActiveSession {
  id: string;
  csrfToken: string;
  authMeans: string | null;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  professional: SignedInProfessional;
}

export type SessionLookup = { status: 'active'; session: ActiveSession } | { status: 'expired' } | { status: 'none' };

/**
 * While PSC is down (a `psc` incident, declared or automatic) nobody can sign in again, so an
 * idle session is kept much longer (docs/domain.md, Continuity: open sessions stay valid through an
 * incident); the absolute timeout still applies. The incident list is cached per process.
 */
const SESSION_GRACE_AFTER_INCIDENT_MS = 2 * HOUR;

export async function idleTimeoutMs(deps: Pick<AuthDeps, 'session' | 'incidents' | 'continuity'>): Promise<number> {
  const normal = deps.session.idleMinutes * MINUTE;
  // Unable to tell (database trouble): the normal timeout, rather than failing every request.
  // Kept for a while after the end too: sessions expiring all at once would send everybody to
  // sign in again together, a surge on a PSC just back (the second failure of August 2021).
  const pscDown = await deps.incidents.endedWithin('psc', SESSION_GRACE_AFTER_INCIDENT_MS).catch(() => false);
  return pscDown ? Math.max(normal, deps.continuity.incidentIdleHours * HOUR) : normal;
}

/** Resolves the cookie to a session, enforcing the idle and absolute timeouts. */
export async function resolveSession(deps: AuthDeps, token: string | undefined, now: Date): Promise<SessionLookup> {
  if (!token) return { status: 'none' };
  const id = hashToken(token);
  let row = deps.sessionCache.get(id, now) ?? (await repo.findSessionWithProfessional(deps.db, id));
  if (!row) return { status: 'none' };
  const idleMs = await idleTimeoutMs(deps);
  if (row.absoluteExpiresAt <= now || row.lastSeenAt.getTime() + idleMs <= now.getTime()) {
    deps.sessionCache.delete(id);
    await repo.deleteSession(deps.db, id);
    return { status: 'expired' };
  }
  // Writing on every request would make reads cost a write; a minute of slack is enough.
  let lastSeenAt = row.lastSeenAt;
  if (now.getTime() - lastSeenAt.getTime() > MINUTE) {
    await repo.touchSession(deps.db, id, now);
    lastSeenAt = now;
    row = { ...row, lastSeenAt };
  }
  deps.sessionCache.set(id, row, now);
  const idleExpiresAt = new Date(Math.min(lastSeenAt.getTime() + idleMs, row.absoluteExpiresAt.getTime()));
  return {
    status: 'active',
    session: {
      id,
      csrfToken: csrfTokenOf(token),
      authMeans: row.authMeans,
      idleExpiresAt,
      absoluteExpiresAt: row.absoluteExpiresAt,
      professional: {
        id: row.professionalId,
        idNatPs: row.idNatPs,
        givenName: row.givenName,
        familyName: row.familyName,
        professions: row.professions,
        rights: rightsFor(row.professions, deps.operators.has(row.idNatPs)),
      },
    },
  };
}

/**
 * Ends the local session (if still there) and returns where to send the browser to end the
 * PSC session too: on a shared workstation the next "Se connecter" must not reopen it.
 */
export async function signOut(deps: AuthDeps, ctx: RequestContext, session: ActiveSession | null, sessionToken: string | undefined, postLogoutRedirectUri: string) {
  const removed = session
    ? await deps.db.transaction().execute(async (trx) => {
        const row = await repo.deleteSession(trx, session.id);
        await deps.sessionCache.ended(trx, [session.id]);
        await recordAudit(trx, ctx, { action: 'auth.sign_out', outcome: 'success', targetType: 'professional', targetId: session.professional.id });
        return row;
      })
    : undefined;
  // A session of the second channel has no PSC session to end, and PSC may be down.
  if (removed?.channel === 'fallback') return postLogoutRedirectUri;
  const idToken = removed?.id_token_sealed && sessionToken ? (openWithToken(sessionToken, ID_TOKEN_PURPOSE, removed.id_token_sealed) ?? null) : null;
  const endSessionUrl = await deps.psc.buildEndSessionUrl(idToken, postLogoutRedirectUri);
  return endSessionUrl?.href ?? postLogoutRedirectUri;
}

/** A new sign-in replaces the browser's previous session rather than leaving it alive. */
export async function dropSession(deps: AuthDeps, token: string | undefined): Promise<void> {
  if (!token) return;
  await repo.deleteSession(deps.db, hashToken(token));
  await deps.sessionCache.ended(deps.db, [hashToken(token)]);
}
