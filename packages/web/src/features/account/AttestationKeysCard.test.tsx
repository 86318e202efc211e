// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { set } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { freshProfile, json, pharmacist, stubNetwork, type SentRequest } from '../../testing/browser';

const HERE = 'kid-of-this-browser-0000000000000000000000';
const key = (kid: string, enrolledAt: string, userAgent: string | null) => ({ kid, enrolledAt, revokedAt: null, userAgent });
let keys: ReturnType<typeof key>[];
let requests: SentRequest[];

beforeEach(async () => {
  await freshProfile();
  keys = [];
  requests = stubNetwork((r) => {
    if (r.method === 'GET' && r.path === '/api/attestation-keys') return json(200, { keys });
    if (r.method === 'DELETE') {
      keys = keys.filter((k) => `/api/attestation-keys/${k.kid}` !== r.path);
      return new Response(null, { status: 204 });
    }
    // The enrolment tried after a revocation: refused here, the list tells the rest.
    return json(409, { error: { code: 'ATTESTATIONS_KEY_LIMIT', message: 'Limite atteinte.', requestId: 'r' } });
  });
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

async function openCard() {
  const { AttestationKeysCard } = await import('./AttestationKeysCard');
  render(<AttestationKeysCard idNatPs={pharmacist.idNatPs} />);
  return screen.findByTestId('attestation-keys');
}

describe('the browsers that sign provisional attestations', () => {
  it('names this browser and the others, and revokes one after a confirmation', async () => {
    await set(`attestation-key:${pharmacist.idNatPs}`, { kid: HERE, enrolled: true });
    keys = [key(HERE, '2026-03-10T08:00:00Z', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0'), key('kid-old-laptop', '2026-01-05T17:30:00Z', 'Mozilla/5.0 (Windows NT 10.0) Firefox/121.0')];
    const card = await openCard();
    const items = await within(card).findAllByRole('listitem');
    expect(items.map((li) => li.querySelector('strong')!.textContent)).toEqual(['Ce navigateur', 'Firefox sur Windows']);
    expect(within(card).queryByTestId('attestation-key-missing')).toBeNull();

    vi.stubGlobal('confirm', () => true);
    fireEvent.click(within(card).getByRole('button', { name: "Révoquer la clé de l'appareil enregistré le 05/01/2026 18:30" }));
    await vi.waitFor(() => expect(within(card).getAllByRole('listitem')).toHaveLength(1));
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/attestation-keys/kid-old-laptop']);
  });

  it('says when this browser has no key because ten browsers already have one', async () => {
    keys = Array.from({ length: 10 }, (_, i) => key(`kid-${i}`, '2026-03-01T08:00:00Z', null));
    const card = await openCard();
    expect((await within(card).findByTestId('attestation-key-missing')).textContent).toContain('Le nombre maximal de navigateurs est atteint : révoquez-en un ci-dessous.');
  });
});
