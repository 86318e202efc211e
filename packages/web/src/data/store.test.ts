// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, meAnswer, pharmacist, reloadPage, stubNetwork, stubOffline } from '../testing/browser';

/** The identity store and the API client as a page loads them. */
async function openStore() {
  return { ...(await import('./store')), ...(await import('./api')) };
}

beforeEach(async () => {
  await freshProfile();
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the identity store', () => {
  it('starts loading, and shows the sign-in page to a browser never signed in, without asking the server', async () => {
    const requests = stubNetwork(meAnswer);
    const { loadMe, readMe, getCsrfToken } = await openStore();
    expect(readMe()).toEqual({ status: 'loading' });

    await loadMe();

    expect(readMe()).toEqual({ status: 'signed-out' });
    expect(getCsrfToken()).toBeNull();
    expect(requests).toEqual([]);
  });

  it('signs in from /api/me after a sign-in started, keeps the CSRF token apart, and shows the identity offline after a reload', async () => {
    const requests = stubNetwork(meAnswer);
    let store = await openStore();
    store.noteSignInStarted();

    await store.loadMe();

    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/me']);
    expect(store.readMe()).toEqual({ status: 'signed-in', me: pharmacist, offline: false });
    expect(store.getCsrfToken()).toBe('csrf-token-1');

    // Reloaded with the server unreachable: the identity known last, flagged offline, no token.
    reloadPage();
    stubOffline();
    store = await openStore();
    await store.loadMe();
    expect(store.readMe()).toEqual({ status: 'signed-in', me: pharmacist, offline: true });
    expect(store.getCsrfToken()).toBeNull();
  });

  it('signs out on a 401 with the server’s reason, and forgets the identity kept on the device', async () => {
    stubNetwork(meAnswer);
    let store = await openStore();
    store.noteSignInStarted();
    await store.loadMe();

    reloadPage();
    const requests = stubNetwork(() => errorAnswer(401, 'AUTH_SESSION_EXPIRED', 'Votre session a expiré. Reconnectez-vous avec Pro Santé Connect.'));
    store = await openStore();
    await store.loadMe();
    expect(store.readMe()).toEqual({ status: 'signed-out', reason: 'Votre session a expiré. Reconnectez-vous avec Pro Santé Connect.' });
    expect(requests).toHaveLength(1);

    // Nothing is left: the next page load does not even ask.
    reloadPage();
    const after = stubNetwork(meAnswer);
    store = await openStore();
    await store.loadMe();
    expect(store.readMe()).toEqual({ status: 'signed-out' });
    expect(after).toEqual([]);
  });

  it('says why when the server fails and nothing is known, and forgetMe clears the identity', async () => {
    stubNetwork(() => errorAnswer(500, 'INTERNAL', 'Une erreur interne est survenue. Si elle persiste, communiquez la référence au support.'));
    let store = await openStore();
    store.noteSignInStarted();
    await store.loadMe();
    expect(store.readMe()).toEqual({ status: 'error', message: 'Une erreur interne est survenue. Si elle persiste, communiquez la référence au support.' });

    stubNetwork(meAnswer);
    await store.loadMe();
    expect(store.readMe()).toMatchObject({ status: 'signed-in', offline: false });
    await store.forgetMe();
    reloadPage();
    const requests = stubOffline();
    store = await openStore();
    await store.loadMe();
    expect(store.readMe()).toEqual({ status: 'signed-out' });
    expect(requests).toEqual([]);
  });

  it('keeps the identity known when something else answers in the server’s place (a captive portal’s page)', async () => {
    stubNetwork(meAnswer);
    let store = await openStore();
    store.noteSignInStarted();
    await store.loadMe();

    reloadPage();
    stubNetwork(() => new Response('<html><body>Wi-Fi : acceptez les conditions</body></html>', { status: 200, headers: { 'content-type': 'text/html' } }));
    store = await openStore();
    await store.loadMe();
    expect(store.readMe()).toEqual({ status: 'signed-in', me: pharmacist, offline: true });
    expect(store.getCsrfToken()).toBeNull();

    // The same answer with nothing kept on the device: an error, not a sign-in page.
    await store.forgetMe();
    store.noteSignInStarted();
    reloadPage();
    stubNetwork(() => json(200, { hello: 'world' }));
    store = await openStore();
    await store.loadMe();
    expect(store.readMe()).toEqual({ status: 'error', message: 'Réponse inattendue du serveur. Réessayez dans un instant ou rechargez la page.' });
  });

  it('keeps the identity known while the server is overloaded, and asks again after its delay', async () => {
    stubNetwork(meAnswer);
    let store = await openStore();
    store.noteSignInStarted();
    await store.loadMe();

    reloadPage();
    let overloaded = true;
    const requests = stubNetwork(() => (overloaded ? json(503, { error: { code: 'SERVICE_OVERLOADED', message: 'Le service est très sollicité.', requestId: 'r', retryAfterSeconds: 5 } }, { 'retry-after': '5' }) : meAnswer()));
    // The retry is scheduled with the server's Retry-After (5 s); it is run here at once.
    const realSetTimeout = globalThis.setTimeout;
    const retries: Array<{ run: () => void; ms: number | undefined }> = [];
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((run: () => void, ms?: number, ...rest: unknown[]) => {
      if (ms !== undefined && ms >= 1_000) {
        retries.push({ run, ms });
        return 0 as unknown as ReturnType<typeof setTimeout>;
      }
      return realSetTimeout(run, ms, ...rest);
    }) as typeof setTimeout);
    store = await openStore();
    await store.loadMe();
    expect(store.readMe()).toEqual({ status: 'signed-in', me: pharmacist, offline: true });
    expect(retries.map((r) => r.ms)).toEqual([5_000]);
    expect(requests).toHaveLength(1);

    overloaded = false;
    retries[0]!.run();
    await vi.waitFor(() => expect(store.readMe()).toEqual({ status: 'signed-in', me: pharmacist, offline: false }));
    expect(requests).toHaveLength(2);
  });
});
