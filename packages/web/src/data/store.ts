import { del, get, set } from 'idb-keyval';
import { MeResponse, type Right } from '@prostopcovid/contracts/auth';
import { ApiError, NetworkError, apiRequest, setCsrfToken } from './api';
import { forgetInbox } from './inbox';
import { createLocalState } from './local-state';

/** Who is signed in, as /api/me says (its CSRF token is kept apart, in memory only). */
export type Me = Omit<MeResponse, 'csrfToken'>;
export type { Right };

export type MeState =
  | { status: 'loading' }
  | { status: 'signed-out'; reason?: string }
  | { status: 'signed-in'; me: Me; offline: boolean }
  | { status: 'error'; message: string };

/**
 * The client's local store. Components read from here, never from fetch: the last known
 * state is kept in IndexedDB so the portal can show it while the server is unreachable
 * (docs/domain.md, Continuity); the outbox of acts will live beside it.
 */
interface State {
  me: MeState;
}

const state = createLocalState<State>({ me: { status: 'loading' } });
const update = state.update;
const ME_KEY = 'me';

/**
 * Whether this browser may hold a session. The session cookie is HttpOnly, so the page cannot
 * see it; without this mark every anonymous visit would ask /api/me and get a 401. Set when a
 * sign-in starts or /api/me answers, cleared by a 401 or a sign-out. Without localStorage, ask.
 */
const SESSION_MARK_KEY = 'prostopcovid:session';

function mayHoldSession(): boolean {
  try {
    return localStorage.getItem(SESSION_MARK_KEY) !== null;
  } catch {
    return true;
  }
}

function markSession(present: boolean): void {
  try {
    if (present) localStorage.setItem(SESSION_MARK_KEY, '1');
    else localStorage.removeItem(SESSION_MARK_KEY);
  } catch {
    // Private mode without storage: /api/me is then always asked.
  }
}

/** Called as the browser leaves for a sign-in (PSC or the second channel): the page it returns to asks /api/me. */
export function noteSignInStarted(): void {
  markSession(true);
}

export function useStore<T>(select: (s: State) => T): T {
  return state.use(select);
}

export function readMe(): MeState {
  return state.get().me;
}

export async function loadMe(): Promise<void> {
  const cached = await get<Me>(ME_KEY).catch(() => undefined);
  if (!cached && !mayHoldSession()) {
    // Never signed in here, or signed out: the sign-in page, without a request bound to fail.
    setCsrfToken(null);
    update({ me: { status: 'signed-out' } });
    return;
  }
  if (cached && state.get().me.status === 'loading') update({ me: { status: 'signed-in', me: cached, offline: true } });
  try {
    const { csrfToken, ...me } = await apiRequest(MeResponse, 'GET', '/api/me');
    setCsrfToken(csrfToken);
    await set(ME_KEY, me).catch(() => undefined);
    markSession(true);
    update({ me: { status: 'signed-in', me, offline: false } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      markSession(false);
      await del(ME_KEY).catch(() => undefined);
      await forgetInbox();
      update({ me: { status: 'signed-out', reason: error.code === 'AUTH_SESSION_EXPIRED' ? error.message : undefined } });
    } else if (cached && (error instanceof NetworkError || (error instanceof ApiError && error.code === 'RESPONSE_UNEXPECTED'))) {
      // Unreachable, or something else answered in the server's place (a captive portal): the last known identity.
      update({ me: { status: 'signed-in', me: cached, offline: true } });
    } else if (error instanceof ApiError && (error.status === 503 || error.status === 429)) {
      // Overloaded or PSC unavailable: a passing state, tried again by itself after the server's delay.
      setTimeout(() => void loadMe(), Math.min(60, Math.max(1, error.retryAfterSeconds ?? 10)) * 1000);
      update({ me: cached ? { status: 'signed-in', me: cached, offline: true } : { status: 'error', message: error.message } });
    } else {
      update({ me: { status: 'error', message: error instanceof Error ? error.message : 'Erreur inconnue' } });
    }
  }
}

export async function forgetMe(): Promise<void> {
  markSession(false);
  await del(ME_KEY).catch(() => undefined);
  // The urgent messages kept for offline reading are this professional's.
  await forgetInbox();
}
