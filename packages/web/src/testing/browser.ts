import { clear, createStore, values } from 'idb-keyval';
import { vi } from 'vitest';

/**
 * Test support for the portal's unit tests: a fresh browser profile (empty IndexedDB and
 * localStorage, module state reset as by a page load) and a stub of the network that answers
 * like the server. The real server is exercised by the browser tests (packages/server/e2e).
 */

export interface SentRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

export type Answer = (request: SentRequest) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** The server's error body (platform/error-handler.ts). */
export function errorAnswer(status: number, code: string, message: string, details?: unknown, headers: Record<string, string> = {}): Response {
  return json(status, { error: { code, message, requestId: 'req-test', ...(details === undefined ? {} : { details }) } }, headers);
}

/** `fetch` answered by `answer`; every request is recorded. The answer throwing is a network failure. */
export function stubNetwork(answer: Answer): SentRequest[] {
  const requests: SentRequest[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://localhost');
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
      const request = { method: init.method ?? 'GET', path: url.pathname + url.search, headers, body };
      requests.push(request);
      return answer(request);
    }),
  );
  return requests;
}

/** The network is down: every request fails as `fetch` does offline. */
export function stubOffline(): SentRequest[] {
  return stubNetwork(() => {
    throw new TypeError('Failed to fetch');
  });
}

/**
 * A new browser profile: nothing in IndexedDB or localStorage, modules loaded afresh. The
 * stores are emptied rather than the IndexedDB replaced: idb-keyval (a dependency, not reset
 * with the portal's modules) keeps its connection to the default store.
 */
export async function freshProfile(): Promise<void> {
  await clear();
  await clear(createStore('prostopcovid-outbox', 'acts'));
  localStorage.clear();
  vi.resetModules();
}

/** What the outbox holds in IndexedDB, whatever the modules think. */
export function storedActs(): Promise<Array<{ key: string; kind: string; status: string }>> {
  return values(createStore('prostopcovid-outbox', 'acts'));
}

/** The same profile after a page reload: storage kept, every module's state lost. */
export function reloadPage(): void {
  vi.resetModules();
}

const later = new Date(Date.now() + 3_600_000).toISOString();

/** /api/me of a pharmacist (tests and vaccinations). */
export const pharmacist = {
  idNatPs: '810000000001',
  givenName: 'Claire',
  familyName: 'Pharmacienne',
  professions: [{ code: '21', label: 'Pharmacien' }],
  rights: ['codes:issue', 'tests:record', 'vaccinations:record'] as Array<'codes:issue' | 'tests:record' | 'vaccinations:record'>,
  session: { authMeans: 'CPS', idleExpiresAt: later, absoluteExpiresAt: later },
};

export const meAnswer = () => json(200, { ...pharmacist, csrfToken: 'csrf-token-1' });
