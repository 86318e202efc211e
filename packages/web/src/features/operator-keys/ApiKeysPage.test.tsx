// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { entries } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, pharmacist, stubNetwork, type SentRequest } from '../../testing/browser';
import type { OperatorKey } from '../../data/operator-keys';

const operator = { ...pharmacist, rights: [...pharmacist.rights, 'operator' as const] };
const API_KEY = `opk_${'A'.repeat(43)}`;
const NEW_ID = '5a0e8d2c-3b1f-4c6d-9e7a-1b2c3d4e5f60';

const key = (id: string, label: string, overrides: Partial<OperatorKey> = {}): OperatorKey => ({
  id,
  label,
  region: '75',
  createdAt: '2026-03-10T08:15:00.000Z',
  revokedAt: null,
  ...overrides,
});

/** What the server holds: GET lists it, POST adds to it, DELETE revokes. */
let keys: OperatorKey[];
let requests: SentRequest[];
let createAnswer: (() => Response) | null;

const authoring = {
  scope: { kind: 'regional', region: '75', regionName: 'Nouvelle-Aquitaine', series: 'ARS Nouvelle-Aquitaine' },
  professions: [],
  professionCategories: [],
  regions: [{ code: '75', name: 'Nouvelle-Aquitaine' }],
  departments: [],
  reminderHours: 0,
};

beforeEach(async () => {
  await freshProfile();
  keys = [key('1d8b6c1e-0000-4000-8000-000000000001', 'Entrepôt régional', { revokedAt: '2026-03-11T09:00:00.000Z' }), key('1d8b6c1e-0000-4000-8000-000000000002', 'Tableau de bord ARS')];
  createAnswer = null;
  requests = stubNetwork((r) => {
    if (r.path === '/api/messages/authoring') return json(200, authoring);
    if (r.path === '/api/admin/api-keys' && r.method === 'GET') return json(200, { keys });
    if (r.path === '/api/admin/api-keys' && r.method === 'POST') {
      if (createAnswer) return createAnswer();
      const created = key(NEW_ID, (r.body as { label: string }).label, { createdAt: '2026-03-12T10:00:00.000Z' });
      keys = [created, ...keys];
      return json(201, { key: created, apiKey: API_KEY });
    }
    const revoked = /^\/api\/admin\/api-keys\/([0-9a-f-]+)$/.exec(r.path);
    if (revoked && r.method === 'DELETE') {
      keys = keys.map((k) => (k.id === revoked[1] ? { ...k, revokedAt: '2026-03-12T11:00:00.000Z' } : k));
      return new Response(null, { status: 204 });
    }
    return errorAnswer(404, 'NOT_FOUND', "Cette ressource n'existe pas.");
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  window.history.replaceState(null, '', '/');
});

async function openPage(me = operator) {
  window.history.replaceState(null, '', '/cles-api');
  const { ApiKeysPage } = await import('./ApiKeysPage');
  (await import('../../data/api')).setCsrfToken('csrf-token-1');
  render(<ApiKeysPage me={me} />);
}

const rows = () => within(screen.getByTestId('keys-table')).getAllByTestId('key-row').map((tr) => [...tr.children].map((cell) => cell.textContent));
const writes = () => requests.filter((r) => r.method !== 'GET');

describe("the operators' API keys page", () => {
  it('is refused to a professional who is not an operator, and asks nothing', async () => {
    await openPage(pharmacist);
    expect(screen.getByRole('alert').textContent).toMatch(/réservée aux opérateurs/);
    expect(requests).toEqual([]);
  });

  it('explains what a key reads, with a curl example of this origin, and lists the keys of the scope', async () => {
    await openPage();
    await screen.findByTestId('keys-table');
    const usage = screen.getByTestId('keys-usage');
    expect(usage.textContent).toContain('GET /api/kpi/v1/codes?fromDate=AAAA-MM-JJ&toDate=AAAA-MM-JJ');
    expect(usage.textContent).toContain('Authorization: Bearer opk_…');
    const curl = screen.getByTestId('keys-curl').textContent;
    expect(curl).toMatch(/^export CLE_API='opk_…'/);
    expect(curl).toMatch(new RegExp(`curl -H "Authorization: Bearer \\$CLE_API" \\\\\\n  "${window.location.origin}/api/kpi/v1/codes\\?fromDate=\\d{4}-\\d\\d-\\d\\d&toDate=\\d{4}-\\d\\d-\\d\\d"$`));
    await vi.waitFor(() => expect(screen.getByTestId('keys-scope').textContent).toContain('les vôtres lisent les chiffres de la région Nouvelle-Aquitaine.'));
    expect(rows()).toEqual([
      ['Entrepôt régional', 'Région Nouvelle-Aquitaine (75)', '10/03/2026 09:15', 'Révoquée le 11/03/2026 10:00', ''],
      ['Tableau de bord ARS', 'Région Nouvelle-Aquitaine (75)', '10/03/2026 09:15', 'Active', 'Révoquer'],
    ]);

    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue();
    fireEvent.click(screen.getByRole('button', { name: "Copier l'exemple" }));
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith(curl));
  });

  it('creates a key, shows it once with a warning and a copy button, and never stores it', async () => {
    await openPage();
    await screen.findByTestId('keys-table');
    fireEvent.change(screen.getByLabelText('Libellé'), { target: { value: '  Tableau de bord DGS  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Créer la clé' }));
    const panel = await screen.findByTestId('new-key');
    const post = writes()[0]!;
    expect([post.method, post.path, post.body, post.headers['x-csrf-token']]).toEqual(['POST', '/api/admin/api-keys', { label: 'Tableau de bord DGS' }, 'csrf-token-1']);
    expect(within(panel).getByTestId('new-key-value').textContent).toBe(API_KEY);
    expect(within(panel).getByTestId('new-key-warning').textContent).toContain('Copiez cette clé maintenant : elle ne sera plus jamais affichée.');
    await vi.waitFor(() => expect(document.activeElement).toBe(within(panel).getByRole('heading', { level: 2 })));
    expect(screen.getByLabelText<HTMLInputElement>('Libellé').value).toBe('');
    // The list, asked again, holds it.
    await vi.waitFor(() => expect(rows()[0]!.slice(0, 2)).toEqual(['Tableau de bord DGS', 'Région Nouvelle-Aquitaine (75)']));

    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue();
    fireEvent.click(within(panel).getByRole('button', { name: 'Copier la clé' }));
    await vi.waitFor(() => expect(screen.getByTestId('new-key-copy').textContent).toBe('Clé copiée dans le presse-papiers.'));
    expect(writeText).toHaveBeenCalledWith(API_KEY);

    // Nothing of it on the device.
    expect(JSON.stringify({ ...localStorage })).not.toContain('opk_');
    expect(JSON.stringify(await entries())).not.toContain('opk_');

    fireEvent.click(within(panel).getByRole('button', { name: "J'ai copié la clé : la masquer" }));
    expect(screen.queryByTestId('new-key')).toBeNull();
    expect(document.body.textContent).not.toContain(API_KEY);
  });

  it('says when the copy fails: the key is then copied by hand', async () => {
    await openPage();
    fireEvent.change(screen.getByLabelText('Libellé'), { target: { value: 'Tableau' } });
    fireEvent.click(screen.getByRole('button', { name: 'Créer la clé' }));
    const panel = await screen.findByTestId('new-key');
    vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new DOMException('Refusé', 'NotAllowedError'));
    fireEvent.click(within(panel).getByRole('button', { name: 'Copier la clé' }));
    await vi.waitFor(() => expect(screen.getByTestId('new-key-copy').textContent).toBe('La copie a échoué : sélectionnez la clé et copiez-la à la main.'));
  });

  it('asks for a label before sending, and shows the server’s refusal', async () => {
    await openPage();
    await screen.findByTestId('keys-table');
    fireEvent.change(screen.getByLabelText('Libellé'), { target: { value: '   ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Créer la clé' }));
    expect(screen.getByRole('alert').textContent).toBe("Donnez un libellé à la clé : ce qu'elle sert à lire, et pour qui.");
    expect(screen.getByLabelText('Libellé').getAttribute('aria-invalid')).toBe('true');
    expect(writes()).toEqual([]);

    createAnswer = () => errorAnswer(403, 'AUTH_FORBIDDEN', "Vous n'avez pas le droit d'effectuer cette action.");
    fireEvent.change(screen.getByLabelText('Libellé'), { target: { value: 'Tableau' } });
    fireEvent.click(screen.getByRole('button', { name: 'Créer la clé' }));
    await vi.waitFor(() => expect(screen.getByRole('alert').textContent).toBe("Vous n'avez pas le droit d'effectuer cette action."));
    expect(screen.queryByTestId('new-key')).toBeNull();
  });

  it('revokes a key after a confirmation, not without', async () => {
    await openPage();
    await screen.findByTestId('keys-table');
    const confirm = vi.fn(() => false);
    vi.stubGlobal('confirm', confirm);
    fireEvent.click(screen.getByRole('button', { name: 'Révoquer la clé « Tableau de bord ARS »' }));
    expect(confirm).toHaveBeenCalledOnce();
    expect(writes()).toEqual([]);

    confirm.mockReturnValue(true);
    fireEvent.click(screen.getByRole('button', { name: 'Révoquer la clé « Tableau de bord ARS »' }));
    expect(await screen.findByTestId('keys-notice')).toHaveProperty('textContent', 'Clé « Tableau de bord ARS » révoquée.');
    const revoke = writes()[0]!;
    expect([revoke.method, revoke.path, revoke.headers['x-csrf-token']]).toEqual(['DELETE', '/api/admin/api-keys/1d8b6c1e-0000-4000-8000-000000000002', 'csrf-token-1']);
    await vi.waitFor(() => expect(rows()[1]![3]).toBe('Révoquée le 12/03/2026 12:00'));
    expect(screen.queryByRole('button', { name: /^Révoquer/ })).toBeNull();
  });

  it('without the scope (its request failed), still lists the keys by region code', async () => {
    requests = stubNetwork((r) => (r.path === '/api/admin/api-keys' ? json(200, { keys: [key('1d8b6c1e-0000-4000-8000-000000000003', 'National', { region: null }), key('1d8b6c1e-0000-4000-8000-000000000004', 'Bretagne', { region: '53' })] }) : errorAnswer(503, 'UNAVAILABLE', 'Service indisponible.')));
    await openPage();
    await screen.findByTestId('keys-table');
    expect(rows().map((row) => row[1])).toEqual(['Nationale', 'Région 53']);
    expect(screen.getByTestId('keys-scope').textContent).toContain('les chiffres nationaux pour la DGS, ceux de sa région pour une ARS.');
  });

  it('says when the list cannot be read, and when there is no key', async () => {
    requests = stubNetwork(() => errorAnswer(503, 'UNAVAILABLE', 'Service momentanément indisponible.'));
    await openPage();
    await vi.waitFor(() => expect(screen.getByTestId('keys').textContent).toContain('Service momentanément indisponible.'));
    cleanup();
    keys = [];
    requests = stubNetwork((r) => (r.path === '/api/admin/api-keys' ? json(200, { keys }) : errorAnswer(404, 'NOT_FOUND', 'Introuvable.')));
    await openPage();
    expect((await screen.findByTestId('keys-empty')).textContent).toBe("Aucune clé pour l'instant.");
  });
});
