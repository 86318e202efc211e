// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, stubNetwork, stubOffline } from '../testing/browser';
import type { CodeHistoryEntry } from './codes';

const issuedAt = new Date(Date.now() - 60_000).toISOString();
const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
const first: CodeHistoryEntry = { id: 'c1', issuedAt, caseKind: 'confirmed', status: 'pending', expiresAt, usedAt: null };
const issued = { code: 'AB12CD', codeForDictation: 'A B 1 2 C D', expiresAt, deepLink: 'https://bonjour.tousanticovid.gouv.fr/app/code/AB12CD' };

async function openCodes() {
  const codes = await import('./codes');
  (await import('./api')).setCsrfToken('csrf-token-1');
  const history = renderHook(() => codes.useCodeHistory());
  return { ...codes, history };
}

beforeEach(async () => {
  await freshProfile();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the code history', () => {
  it('loads the professional’s codes', async () => {
    const requests = stubNetwork(() => json(200, { codes: [first] }));
    const { loadCodeHistory, history } = await openCodes();
    expect(history.result.current).toEqual({ status: 'idle' });

    await act(() => loadCodeHistory());

    expect(history.result.current).toEqual({ status: 'loaded', codes: [first] });
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/codes']);
  });

  it('says why the history is missing', async () => {
    stubOffline();
    const { loadCodeHistory, history } = await openCodes();
    await act(() => loadCodeHistory());
    expect(history.result.current).toEqual({ status: 'error', message: 'Le serveur est injoignable. Vérifiez votre connexion.' });
  });

  it('issues a code with the CSRF token, returns it once and keeps it out of the history', async () => {
    const second: CodeHistoryEntry = { ...first, id: 'c2', caseKind: 'probable' };
    let codes = [first];
    const requests = stubNetwork((r) => {
      if (r.method === 'POST' && r.path === '/api/codes') {
        codes = [second, first];
        return json(201, issued);
      }
      return json(200, { codes });
    });
    const { issueCode, history } = await openCodes();

    const answer = await act(() => issueCode('probable', false));

    expect(answer).toEqual(issued);
    const post = requests.find((r) => r.method === 'POST')!;
    expect(post.body).toEqual({ caseKind: 'probable', qrCodeUnavailable: false });
    expect(post.headers['x-csrf-token']).toBe('csrf-token-1');
    // The history is asked again after the code is issued; the code itself is not in it.
    await vi.waitFor(() => expect(history.result.current).toEqual({ status: 'loaded', codes: [second, first] }));
    expect(JSON.stringify(history.result.current)).not.toContain(issued.code);
  });

  it('sends the result’s retrieval code for a confirmed case, and passes a refusal on', async () => {
    const requests = stubNetwork((r) =>
      r.method === 'POST' ? errorAnswer(400, 'CODES_RESULT_NOT_FOUND', 'Aucun résultat positif ne correspond au code de résultat saisi.') : json(200, { codes: [] }),
    );
    const { issueCode } = await openCodes();
    await expect(issueCode('confirmed', true, 'ABCD2345EFGH')).rejects.toMatchObject({ status: 400, code: 'CODES_RESULT_NOT_FOUND', message: 'Aucun résultat positif ne correspond au code de résultat saisi.' });
    expect(requests[0]!.body).toEqual({ caseKind: 'confirmed', qrCodeUnavailable: true, resultRetrievalCode: 'ABCD2345EFGH' });
  });
});
