// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, reloadPage, stubNetwork, stubOffline, type SentRequest } from '../testing/browser';
import type { ActEntry } from './outbox';

const patient = { familyName: 'DUPONT', givenName: 'Marie', birthDate: '1985-04-12', sex: 'F' as const };
const testInput = {
  kind: 'test' as const,
  body: { patient, testType: 'antigen' as const, sampledAt: '2026-03-10T14:00:00.000Z', result: 'not-detected' as const, deviceId: '1232', place: 'Pharmacie de la Gare' },
  display: { deviceName: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test', deviceActive: true },
};
const vaccinationInput = {
  kind: 'vaccination' as const,
  body: { patient, product: 'EU/1/20/1528', doseNumber: 1, seriesTotal: 2, vaccinatedOn: '2026-03-10', lotNumber: 'FK5127', place: 'Centre de vaccination' },
  display: { productName: 'Comirnaty', manufacturerName: 'BioNTech' },
};

const stored = (id: string) => json(201, { id, recordedAt: '2026-03-10T14:05:00.000Z', capturedAt: null, replayed: false, retrievalCode: 'X', device: { id: '1232', name: 'Panbio', active: true }, warnings: [] });

/** The outbox module as a page loads it, with a session (CSRF token) already known. */
async function openOutbox({ signedIn = true } = {}) {
  const outbox = await import('./outbox');
  if (signedIn) (await import('./api')).setCsrfToken('csrf-token-1');
  return outbox;
}

function actPosts(requests: SentRequest[]) {
  return requests.filter((r) => r.method === 'POST' && (r.path === '/api/tests' || r.path === '/api/vaccinations'));
}

/**
 * The retry a failed send schedules would outlive its test (and its module, after a reload)
 * and send the next test's acts: the jitter is fixed (0.99 of the 2 s window) and that one
 * timer is never started.
 */
const RETRY_MS = 1_980;

beforeEach(async () => {
  await freshProfile();
  vi.spyOn(Math, 'random').mockReturnValue(0.99);
  const realSetTimeout = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((run: () => void, ms?: number, ...rest: unknown[]) =>
    ms === RETRY_MS ? (0 as unknown as ReturnType<typeof setTimeout>) : realSetTimeout(run, ms, ...rest)) as typeof setTimeout);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the outbox of acts', () => {
  it('saves an act, sends it at once with its idempotency key and CSRF token, and keeps it as sent', async () => {
    const requests = stubNetwork((r) => (r.path === '/api/tests' ? stored('test-1') : errorAnswer(404, 'NOT_FOUND', 'Introuvable')));
    const { saveAct, findAct, countWaiting } = await openOutbox();

    const entry = await saveAct(testInput);

    expect(entry.status).toBe('sent');
    expect(entry.result).toEqual({ id: 'test-1', recordedAt: '2026-03-10T14:05:00.000Z' });
    expect(entry.attempts).toBe(1);
    const post = actPosts(requests)[0]!;
    expect(actPosts(requests)).toHaveLength(1);
    expect(post.headers['idempotency-key']).toBe(entry.key);
    expect(entry.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(post.headers['x-csrf-token']).toBe('csrf-token-1');
    // The body is the form's, with the retrieval code drawn on the device and the act time.
    expect(post.body).toEqual({ ...testInput.body, retrievalCode: entry.body.retrievalCode, capturedAt: entry.capturedAt });
    expect(entry.body.retrievalCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}$/);
    expect((await findAct(entry.key))?.status).toBe('sent');
    expect(countWaiting([entry])).toBe(0);
  });

  it('lists the acts newest first, as components read them', async () => {
    stubNetwork((r) => stored(r.path === '/api/tests' ? 'test-1' : 'vaccination-1'));
    const { saveAct, useOutbox } = await openOutbox();
    const view = renderHook(() => useOutbox((s) => s.entries));

    const first = await act(() => saveAct(testInput));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await act(() => saveAct(vaccinationInput));

    expect(view.result.current.map((e) => e.key)).toEqual([second.key, first.key]);
    expect(view.result.current.map((e) => e.kind)).toEqual(['vaccination', 'test']);
    expect(view.result.current.every((e) => e.status === 'sent')).toBe(true);
  });

  it('keeps an act pending while the server cannot be reached, and sends it after a reload once it can', async () => {
    stubOffline();
    let outbox = await openOutbox();
    const entry = await outbox.saveAct(testInput);
    expect(entry.status).toBe('pending');
    expect(entry.lastError?.message).toBe('Le serveur est injoignable.');
    expect(outbox.countWaiting([entry])).toBe(1);
    const sender = renderHook(() => outbox.useOutbox((s) => s.sender));
    expect(sender.result.current).toMatchObject({ kind: 'waiting', failures: 1, message: 'Le serveur est injoignable.' });
    expect(vi.mocked(setTimeout).mock.calls.some(([, ms]) => ms === RETRY_MS)).toBe(true);

    // The page is reloaded: the module state is gone, IndexedDB is not.
    reloadPage();
    const requests = stubNetwork(() => stored('test-9'));
    outbox = await openOutbox();
    const kept = await outbox.findAct(entry.key);
    expect(kept).toMatchObject({ key: entry.key, status: 'pending', body: { retrievalCode: entry.body.retrievalCode } });

    const view = renderHook(() => outbox.useOutbox((s) => s.entries));
    outbox.startOutbox();
    await vi.waitFor(() => expect(view.result.current[0]?.status).toBe('sent'));
    expect(view.result.current[0]!.result?.id).toBe('test-9');
    // Sent again with the same key: the server stores it once.
    expect(actPosts(requests).map((r) => r.headers['idempotency-key'])).toEqual([entry.key]);
    expect((await outbox.findAct(entry.key))?.attempts).toBe(2);
  });

  it('sets a refused act aside with the server’s reasons, and a correction keeps its key and retrieval code', async () => {
    const details = [{ path: '/patient/email', message: 'must match format "email"' }];
    let refuse = true;
    const requests = stubNetwork(() => (refuse ? errorAnswer(400, 'REQUEST_INVALID', 'La requête est invalide.', details) : stored('test-2')));
    const { saveAct, countToCorrect, countWaiting } = await openOutbox();

    const refused = await saveAct({ ...testInput, body: { ...testInput.body, patient: { ...patient, email: 'marie..dupont@example.org' } } });
    expect(refused.status).toBe('rejected');
    expect(refused.lastError).toEqual({ status: 400, code: 'REQUEST_INVALID', message: 'La requête est invalide.', details });
    expect(countToCorrect([refused])).toBe(1);
    expect(countWaiting([refused])).toBe(0);

    refuse = false;
    const corrected = await saveAct(testInput, refused);
    expect(corrected).toMatchObject({ key: refused.key, status: 'sent', capturedAt: refused.capturedAt });
    expect(corrected.body.retrievalCode).toBe(refused.body.retrievalCode);
    expect(corrected.body.patient).toEqual(patient);
    expect(actPosts(requests)).toHaveLength(2);
  });

  it('gives a new retrieval code to an act whose code was taken, and a new key to one whose key was', async () => {
    let answer = errorAnswer(409, 'ACTS_RETRIEVAL_CODE_TAKEN', 'Ce code de récupération est déjà attribué à un autre acte.');
    stubNetwork(() => answer);
    const { saveAct, findAct } = await openOutbox();

    const taken = await saveAct(testInput);
    expect(taken.status).toBe('conflict');
    answer = stored('test-3');
    const newCode = await saveAct(testInput, taken);
    expect(newCode.key).toBe(taken.key);
    expect(newCode.body.retrievalCode).not.toBe(taken.body.retrievalCode);
    expect(newCode.status).toBe('sent');

    answer = errorAnswer(422, 'ACTS_IDEMPOTENCY_CONFLICT', "Cet acte porte la clé d'envoi d'un autre acte déjà enregistré.");
    const reused = await saveAct(vaccinationInput);
    expect(reused.status).toBe('conflict');
    answer = stored('vaccination-3');
    const newKey = await saveAct(vaccinationInput, reused);
    expect(newKey.key).not.toBe(reused.key);
    expect(newKey.status).toBe('sent');
    // The conflicting entry is replaced, not kept beside its correction.
    expect(await findAct(reused.key)).toBeUndefined();
  });

  it('waits for a new sign-in when there is no session, without losing the act', async () => {
    const requests = stubNetwork(() => errorAnswer(401, 'AUTH_REQUIRED', 'Vous devez vous connecter avec Pro Santé Connect.'));
    const { saveAct, useOutbox } = await openOutbox({ signedIn: false });
    const sender = renderHook(() => useOutbox((s) => s.sender));

    const entry = await act(() => saveAct(testInput));

    expect(entry.status).toBe('pending');
    expect(entry.lastError).toEqual({ status: 401, message: 'Reconnectez-vous : les actes en attente seront envoyés ensuite.' });
    expect(sender.result.current).toEqual({ kind: 'signed-out', message: 'Reconnectez-vous : les actes en attente seront envoyés ensuite.' });
    // Never signed in on this browser: not even /api/me is asked, and no act leaves.
    expect(requests).toEqual([]);
  });

  it('clears the sent acts only, when asked', async () => {
    let online = true;
    stubNetwork(() => {
      if (!online) throw new TypeError('Failed to fetch');
      return stored('test-4');
    });
    const { saveAct, clearSent, useOutbox } = await openOutbox();
    const view = renderHook(() => useOutbox((s) => s.entries));

    const sent = await act(() => saveAct(testInput));
    online = false;
    const waiting = await act(() => saveAct(vaccinationInput));
    expect(view.result.current.map((e: ActEntry) => e.status).sort()).toEqual(['pending', 'sent']);

    await act(() => clearSent());

    expect(view.result.current.map((e) => e.key)).toEqual([waiting.key]);
    expect(sent.status).toBe('sent');
  });
});
