import { describe, expect, it } from 'vitest';
import type { OutboxEntry } from './outbox.js';
import { sendAct } from './transport.js';

const entry: OutboxEntry = { key: 'k-1', kind: 'vaccination', body: { lotNumber: 'FK1234' }, capturedAt: '2026-11-20T10:00:00.000Z', status: 'pending', attempts: 0 };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

describe('sendAct', () => {
  it('posts the act with its idempotency key and CSRF token, and reads the answer', async () => {
    const calls: Array<{ url: string; init: RequestInit; self: unknown }> = [];
    const fetch = function (this: unknown, url: string | URL | Request, init?: RequestInit) {
      calls.push({ url: url instanceof Request ? url.url : url.toString(), init: init!, self: this });
      return Promise.resolve(json(201, { id: 'v-1', recordedAt: '2026-11-20T10:00:01.000Z' }));
    } as typeof globalThis.fetch;
    const outcome = await sendAct(entry, { fetch, csrfToken: 'csrf', baseUrl: 'http://127.0.0.1:1', headers: { cookie: 'pscv_session=s' } });
    expect(outcome).toEqual({ kind: 'stored', id: 'v-1', recordedAt: '2026-11-20T10:00:01.000Z' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('http://127.0.0.1:1/api/vaccinations');
    // Called on nothing: the browser's fetch refuses another `this`.
    expect(calls[0]!.self).toBeUndefined();
    expect(calls[0]!.init).toMatchObject({ method: 'POST', body: JSON.stringify(entry.body) });
    expect(calls[0]!.init.headers).toEqual({
      cookie: 'pscv_session=s',
      'content-type': 'application/json',
      accept: 'application/json',
      'x-csrf-token': 'csrf',
      'idempotency-key': 'k-1',
    });
    expect(calls[0]!.init).not.toHaveProperty('credentials');
  });

  it('sends same-origin requests in the portal', async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
      seen = { url: url instanceof Request ? url.url : url.toString(), init: init! };
      return json(200, { id: 't-1', recordedAt: 'r' });
    }) as typeof globalThis.fetch;
    expect((await sendAct({ ...entry, kind: 'test' }, { fetch, csrfToken: 'c', credentials: 'same-origin' })).kind).toBe('stored');
    expect(seen?.url).toBe('/api/tests');
    expect(seen?.init.credentials).toBe('same-origin');
  });

  it('retries when the server cannot be reached or the answer is not the server’s', async () => {
    const unreachable = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof globalThis.fetch;
    expect(await sendAct(entry, { fetch: unreachable, csrfToken: 'c' })).toEqual({ kind: 'retry', message: 'Le serveur est injoignable.' });
    const redirected = (async () => {
      const response = json(200, { id: 'x', recordedAt: 'r' });
      Object.defineProperty(response, 'redirected', { value: true });
      return response;
    }) as typeof globalThis.fetch;
    expect((await sendAct(entry, { fetch: redirected, csrfToken: 'c' })).kind).toBe('retry');
    const portal = (async () => new Response('<html>Wi-Fi</html>', { status: 200 })) as typeof globalThis.fetch;
    expect((await sendAct(entry, { fetch: portal, csrfToken: 'c' })).kind).toBe('retry');
  });

  it('passes the server’s refusals and Retry-After on', async () => {
    const shed = (async () => json(503, { error: { code: 'OVERLOADED', message: 'Surcharge' } }, { 'retry-after': '7' })) as typeof globalThis.fetch;
    expect(await sendAct(entry, { fetch: shed, csrfToken: 'c' })).toEqual({ kind: 'retry', message: 'Surcharge', retryAfterMs: 7000 });
    const invalid = (async () => json(400, { error: { code: 'REQUEST_INVALID', message: 'Invalide' } })) as typeof globalThis.fetch;
    expect(await sendAct(entry, { fetch: invalid, csrfToken: 'c' })).toMatchObject({ kind: 'rejected', status: 400, code: 'REQUEST_INVALID' });
    const signedOut = (async () => json(401, { error: { code: 'AUTH_REQUIRED', message: 'Connectez-vous' } })) as typeof globalThis.fetch;
    expect((await sendAct(entry, { fetch: signedOut, csrfToken: 'c' })).kind).toBe('unauthenticated');
  });
});
