import type { ActKind, OutboxEntry, SendOutcome } from './outbox.js';

/**
 * How one act leaves the outbox: the request (with its Idempotency-Key) and the reading of
 * the answer, as the pro portal sends acts (the browser's fetch, the session cookie sent
 * same-origin) and as the outage simulation does (Node's fetch, wrapped to cut the link).
 * `fetch` is injected: nothing here needs Node or the DOM beyond the Fetch API.
 */

/** Where each kind of act is sent (with its Idempotency-Key). */
export const ACT_PATHS: Readonly<Record<ActKind, string>> = { test: '/api/tests', vaccination: '/api/vaccinations' };

const UNREACHABLE = 'Le serveur est injoignable.';
const NOT_THE_SERVER = 'Réponse inattendue (portail de connexion du réseau ?) : nouvel essai plus tard.';

export interface ActTransportOptions {
  /** The browser's fetch or Node's (or a wrapper of it). Called without a `this`, as the browser's fetch requires. */
  fetch: typeof globalThis.fetch;
  /** The session's CSRF token, sent as X-CSRF-Token. */
  csrfToken: string;
  /** Put before ACT_PATHS: '' (the default) in the portal, which is served by the server; the server's URL elsewhere. */
  baseUrl?: string;
  /** 'same-origin' in the portal (the session cookie); outside a browser the cookie goes in `headers`. */
  credentials?: RequestInit['credentials'];
  /** Added to the request's headers (the simulation's session cookie). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Sends one act and says what the outbox should do with it. A request that never reaches
 * the server (fetch throws) or ends somewhere else (a redirect: a network's login page) is
 * retried later; every answer of the server goes through `classifyResponse`.
 */
export async function sendAct(entry: OutboxEntry, options: ActTransportOptions): Promise<SendOutcome> {
  // Destructured: the browser's fetch throws "Illegal invocation" when called on another object.
  const { fetch: send, baseUrl = '', credentials, headers, csrfToken } = options;
  let response: Response;
  try {
    response = await send(`${baseUrl}${ACT_PATHS[entry.kind]}`, {
      method: 'POST',
      ...(credentials ? { credentials } : {}),
      headers: { ...headers, 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrfToken, 'idempotency-key': entry.key },
      body: JSON.stringify(entry.body),
    });
  } catch {
    return { kind: 'retry', message: UNREACHABLE };
  }
  // A redirected POST ended somewhere else (a network's login page): not the server's answer.
  if (response.redirected) return { kind: 'retry', message: NOT_THE_SERVER };
  return classifyResponse(response.status, await response.json().catch(() => null), response.headers.get('retry-after'));
}

/**
 * Reads an HTTP answer to an act the way the outbox needs it. Kept here so the browser and
 * the outage simulation classify answers identically.
 */
export function classifyResponse(status: number, body: unknown, retryAfterHeader: string | null): SendOutcome {
  const record = (body ?? {}) as { id?: string; recordedAt?: string; error?: { code?: string; message?: string; details?: unknown } };
  const message = record.error?.message ?? `Réponse ${status} du serveur`;
  if (status === 200 || status === 201) {
    // Only the server's own answer proves the act is stored: a captive portal or a proxy's
    // login page also answers 200.
    if (typeof record.id === 'string' && typeof record.recordedAt === 'string') return { kind: 'stored', id: record.id, recordedAt: record.recordedAt };
    return { kind: 'retry', message: NOT_THE_SERVER };
  }
  if (status === 401 || record.error?.code === 'AUTH_CSRF_INVALID') return { kind: 'unauthenticated', message };
  if (status === 409 || status === 422) return { kind: 'conflict', status, code: record.error?.code, message };
  if (status === 408 || status === 429 || status >= 500) {
    const seconds = Number(retryAfterHeader);
    return { kind: 'retry', message, ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {}) };
  }
  return { kind: 'rejected', status, code: record.error?.code, message, details: record.error?.details };
}
