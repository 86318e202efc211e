import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from './backoff.js';
import { generateRetrievalCode, OutboxSender, type OutboxEntry, type OutboxStore, type SendOutcome } from './outbox.js';
import { classifyResponse } from './transport.js';

class MemoryStore implements OutboxStore {
  readonly entries = new Map<string, OutboxEntry>();
  async all() {
    return [...this.entries.values()];
  }
  async put(entry: OutboxEntry) {
    this.entries.set(entry.key, entry);
  }
}

const entry = (key: string, minute: number): OutboxEntry => ({
  key,
  kind: 'test',
  body: { n: key },
  capturedAt: new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString(),
  status: 'pending',
  attempts: 0,
});

afterEach(() => vi.useRealTimers());

describe('backoffDelay (capped exponential, full jitter)', () => {
  it('stays within [0, min(cap, base·2^(n-1))]', () => {
    const policy = { baseMs: 1000, capMs: 10_000 };
    expect(backoffDelay(1, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(3996);
    expect(backoffDelay(30, policy, () => 0.999)).toBe(9990);
    expect(backoffDelay(30, policy, () => 0)).toBe(0);
  });

  it('spreads clients uniformly over the window', () => {
    const delays = Array.from({ length: 10_000 }, () => backoffDelay(10, { baseMs: 1000, capMs: 60_000 }));
    const firstTenth = delays.filter((d) => d < 6000).length;
    expect(firstTenth).toBeGreaterThan(800);
    expect(firstTenth).toBeLessThan(1200);
  });
});

describe('OutboxSender', () => {
  it('sends in capture order, sets rejected acts aside and keeps going', async () => {
    const store = new MemoryStore();
    await store.put(entry('b', 2));
    await store.put(entry('a', 1));
    await store.put(entry('c', 3));
    const order: string[] = [];
    const sender = new OutboxSender({
      store,
      transport: async (e): Promise<SendOutcome> => {
        order.push(e.key);
        return e.key === 'b' ? { kind: 'rejected', status: 400, code: 'REQUEST_INVALID', message: 'Date invalide' } : { kind: 'stored', id: `id-${e.key}`, recordedAt: 'now' };
      },
    });
    await sender.flush();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(store.entries.get('a')).toMatchObject({ status: 'sent', attempts: 1, result: { id: 'id-a' } });
    expect(store.entries.get('b')).toMatchObject({ status: 'rejected', lastError: { message: 'Date invalide', code: 'REQUEST_INVALID' } });
    expect(sender.state.kind).toBe('idle');
  });

  it('backs off on failures with growing, jittered waits (or Retry-After), then sends each act once', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    await store.put(entry('a', 1));
    let up = false;
    const sent: string[] = [];
    const waits: number[] = [];
    const sender = new OutboxSender({
      store,
      policy: { baseMs: 1000, capMs: 8000 },
      random: () => 0.5,
      now: () => 0,
      transport: async (e): Promise<SendOutcome> => {
        if (!up) return { kind: 'retry', message: 'Serveur injoignable' };
        sent.push(e.key);
        return { kind: 'stored', id: 'x', recordedAt: 'now' };
      },
      onChange: () => {
        if (sender.state.kind === 'waiting') waits.push(sender.state.until);
      },
    });
    await sender.flush();
    for (let i = 0; i < 4; i += 1) await vi.advanceTimersByTimeAsync(10_000);
    expect(waits.slice(0, 6)).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    up = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toEqual(['a']);
    expect(store.entries.get('a')).toMatchObject({ status: 'sent', attempts: waits.length + 1 });
    sender.stop();
  });

  it('keeps new acts for the next try while the server is unreachable, and spreads the retries when the network returns', async () => {
    vi.useFakeTimers();
    const store = new MemoryStore();
    await store.put(entry('a', 1));
    let attempts = 0;
    const sender = new OutboxSender({
      store,
      policy: { baseMs: 60_000, capMs: 60_000 },
      random: () => 0.9,
      now: () => Date.now(),
      transport: async (): Promise<SendOutcome> => {
        attempts += 1;
        return { kind: 'retry', message: 'injoignable' };
      },
    });
    await sender.flush();
    expect(attempts).toBe(1);
    expect((sender.state as { until: number }).until - Date.now()).toBe(54_000);
    await store.put(entry('b', 2));
    await sender.submit();
    expect(attempts).toBe(1); // no immediate try: the server is known unreachable
    sender.networkBack(8_000);
    expect((sender.state as { until: number }).until - Date.now()).toBe(7_200); // 0.9 of min(cap, 8 s), sooner than planned
    await vi.advanceTimersByTimeAsync(7_200);
    expect(attempts).toBe(2);
    sender.stop();
  });

  it('pauses without losing anything when the session is gone', async () => {
    const store = new MemoryStore();
    await store.put(entry('a', 1));
    const sender = new OutboxSender({ store, transport: async () => ({ kind: 'unauthenticated', message: 'Session expirée' }) });
    await sender.flush();
    expect(sender.state).toEqual({ kind: 'signed-out', message: 'Session expirée' });
    expect(store.entries.get('a')?.status).toBe('pending');
  });

  it('runs one pass at a time however often it is kicked', async () => {
    const store = new MemoryStore();
    await store.put(entry('a', 1));
    let calls = 0;
    const sender = new OutboxSender({
      store,
      transport: async () => {
        calls += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return { kind: 'stored', id: 'x', recordedAt: 'now' };
      },
    });
    await Promise.all([sender.kick(), sender.kick(), sender.flush()]);
    expect(calls).toBe(1);
  });
});

describe('generateRetrievalCode', () => {
  it('draws 12 Crockford base32 characters grouped by four, different each time', () => {
    const codes = new Set(Array.from({ length: 1000 }, () => generateRetrievalCode()));
    expect(codes.size).toBe(1000);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });
});

describe('classifyResponse', () => {
  it('reads answers the same way in the browser and the simulation', () => {
    expect(classifyResponse(201, { id: 'i', recordedAt: 'r' }, null)).toEqual({ kind: 'stored', id: 'i', recordedAt: 'r' });
    expect(classifyResponse(200, { id: 'i', recordedAt: 'r' }, null).kind).toBe('stored');
    expect(classifyResponse(503, null, '30')).toMatchObject({ kind: 'retry', retryAfterMs: 30_000 });
    expect(classifyResponse(429, { error: { code: 'RATE_LIMITED', message: 'Trop' } }, null)).toMatchObject({ kind: 'retry', message: 'Trop' });
    expect(classifyResponse(401, { error: { code: 'AUTH_REQUIRED', message: 'Connectez-vous' } }, null).kind).toBe('unauthenticated');
    expect(classifyResponse(403, { error: { code: 'AUTH_CSRF_INVALID', message: 'Jeton' } }, null).kind).toBe('unauthenticated');
    expect(classifyResponse(422, { error: { code: 'ACTS_IDEMPOTENCY_CONFLICT', message: 'Conflit' } }, null)).toEqual({
      kind: 'conflict',
      status: 422,
      code: 'ACTS_IDEMPOTENCY_CONFLICT',
      message: 'Conflit',
    });
    // A 200 that is not the server's answer (captive portal, proxy page) proves nothing.
    expect(classifyResponse(200, null, null).kind).toBe('retry');
    expect(classifyResponse(200, '<html>Wi-Fi</html>', null).kind).toBe('retry');
    expect(classifyResponse(400, { error: { code: 'REQUEST_INVALID', message: 'Invalide', details: [1] } }, null)).toEqual({
      kind: 'rejected',
      status: 400,
      code: 'REQUEST_INVALID',
      message: 'Invalide',
      details: [1],
    });
  });
});
