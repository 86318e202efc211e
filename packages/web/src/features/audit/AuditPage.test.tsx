// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, pharmacist, stubNetwork, type SentRequest } from '../../testing/browser';
import type { AuditEntry, AuditPage } from '../../data/audit';

// The CSV handed to the browser as a download.
const saved = vi.hoisted(() => [] as Array<{ blob: Blob; filename: string }>);
vi.mock('../../data/save-file', () => ({ saveFile: (blob: Blob, filename: string) => saved.push({ blob, filename }) }));

const operator = { ...pharmacist, rights: [...pharmacist.rights, 'operator' as const] };
const CLAIRE = '899700100009';
const TEST_ID = '0b7c3f4e-1d2a-4c5b-8e9f-a0b1c2d3e4f5';

const entry = (id: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  id: String(id),
  occurredAt: '2026-03-10T08:15:02.000Z',
  actorType: 'professional',
  actor: { idNatPs: CLAIRE, name: 'Claire DEMO-PHARMACIEN-BORDEAUX' },
  action: 'tests.record',
  outcome: 'success',
  targetType: 'test_result',
  targetId: TEST_ID,
  ip: '192.0.2.10',
  requestId: 'req-42',
  details: { testType: 'antigen', outbox: true },
  ...overrides,
});

let requests: SentRequest[];
let answer: (path: string) => Response | Promise<Response>;
let csv: () => Response;

beforeEach(async () => {
  await freshProfile();
  saved.length = 0;
  answer = () => json(200, { entries: [entry(12)], next: null } satisfies AuditPage);
  csv = () => new Response('id,horodatage\r\n12,2026-03-10T08:15:02.000Z\r\n', { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="journal-audit.csv"', 'x-audit-lines': '1', 'x-audit-truncated': 'false' } });
  requests = stubNetwork((r) => {
    if (r.path.startsWith('/api/audit.csv')) return csv();
    if (r.path.startsWith('/api/audit')) return answer(r.path);
    return errorAnswer(404, 'NOT_FOUND', "Cette ressource n'existe pas.");
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

async function openPage(address: string, me = operator) {
  window.history.replaceState(null, '', address);
  const { AuditPage } = await import('./AuditPage');
  render(<AuditPage me={me} />);
}

const results = () => screen.findByTestId('audit-results');
const searches = () => requests.filter((r) => r.path.startsWith('/api/audit') && !r.path.startsWith('/api/audit.csv')).map((r) => r.path);
const cells = (row: HTMLElement) => [...row.children].map((cell) => cell.textContent);

describe('the audit search page', () => {
  it('is refused to a professional who is not an operator, and asks nothing', async () => {
    await openPage('/journal', pharmacist);
    expect(screen.getByRole('alert').textContent).toMatch(/réservée aux opérateurs/);
    expect(requests).toEqual([]);
  });

  it('says that the consultation is audited and that a regional operator sees their region only', async () => {
    await openPage('/journal');
    await results();
    const notice = screen.getByTestId('audit-notice').textContent;
    expect(notice).toContain('Votre consultation est enregistrée dans le journal');
    expect(notice).toContain('Un opérateur régional (ARS) ne voit que les actions des professionnels exerçant dans sa région');
    expect(searches()).toEqual(['/api/audit']);
  });

  it('searches with the filters of the address, shown in the form in Paris time, and lists the entries', async () => {
    await openPage(`/journal?actor=${CLAIRE}&action=tests.*&outcome=success&from=2026-03-10T00:00:00%2B01:00&to=2026-03-11T00:00:00%2B01:00&limit=25`);
    await results();
    expect(searches()).toEqual([`/api/audit?actor=${CLAIRE}&action=tests.*&outcome=success&from=2026-03-10T00:00:00%2B01:00&to=2026-03-11T00:00:00%2B01:00&limit=25`]);
    expect(screen.getByLabelText<HTMLInputElement>('IdNat_PS du professionnel').value).toBe(CLAIRE);
    expect(screen.getByLabelText<HTMLInputElement>('Action').value).toBe('tests.*');
    expect(screen.getByLabelText<HTMLSelectElement>('Résultat').value).toBe('success');
    expect(screen.getByLabelText<HTMLInputElement>('Du').value).toBe('2026-03-10T00:00');
    expect(screen.getByLabelText<HTMLInputElement>('Au (exclu)').value).toBe('2026-03-11T00:00');
    expect(screen.getByLabelText<HTMLSelectElement>('Lignes par page').value).toBe('25');
    expect(screen.getByTestId('audit-summary').textContent).toBe(
      `Filtres : professionnel ${CLAIRE}, action tests.*, résultat « Réussite », depuis le 10/03/2026 00:00, avant le 11/03/2026 00:00. 1 entrée sur la première page, de la plus récente à la plus ancienne.`,
    );

    const table = screen.getByTestId('audit-table');
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['Date et heure', 'Acteur', 'Action', 'Résultat', 'Cible', 'Détails', 'Origine']);
    const [row] = within(table).getAllByTestId('audit-entry');
    expect(cells(row!)).toEqual([
      '10/03/2026 09:15:02',
      `Claire DEMO-PHARMACIEN-BORDEAUX${CLAIRE}`,
      "tests.recordEnregistrement d'un test",
      'Réussite',
      `Résultat de test${TEST_ID}`,
      'type de test : antigéniqueenvoyé depuis la file de l’appareil : oui',
      '192.0.2.10requête req-42',
    ]);
    // In French; the key as recorded (and exported in the CSV) is the label's title.
    const items = within(row!).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual(['type de test : antigénique', 'envoyé depuis la file de l’appareil : oui']);
    expect(items.map((li) => li.querySelector('[title]')!.getAttribute('title'))).toEqual(['testType', 'outbox']);
  });

  it('shows who acted without a session, the system, failures, and details of every kind compactly', async () => {
    answer = () =>
      json(200, {
        entries: [
          entry(3, { actorType: 'anonymous', actor: null, action: 'declarations.redeem', outcome: 'failure', targetType: null, targetId: null, ip: null, requestId: null, details: { reason: 'CODE_INVALID' } }),
          entry(2, { actorType: 'system', actor: null, action: 'incidents.open_automatic', targetType: 'incident', details: { component: 'psc', counts: [1, 2], nested: { a: 1 }, none: null } }),
          entry(1, { action: 'something.new', outcome: 'denied', targetType: 'unheard_of', details: {} }),
        ],
        next: null,
      });
    await openPage('/journal');
    await results();
    const rows = within(screen.getByTestId('audit-table')).getAllByTestId('audit-entry').map(cells);
    expect(rows[0]!.slice(1)).toEqual(['Sans session (laboratoire, patient, application, machine)', "declarations.redeemDéclaration dans l'application avec un code", 'Échec', '—', 'motif : CODE_INVALID', '—']);
    expect(rows[1]![1]).toBe('Système (tâche automatique)');
    expect(rows[1]![5]).toBe('composant : psccounts : 1, 2nested : {"a":1}none : —');
    expect(rows[2]!.slice(2, 6)).toEqual(['something.new', 'Refus', `unheard_of${TEST_ID}`, '—']);
  });

  it('checks the IdNat_PS before sending: a malformed one is said, not sent', async () => {
    await openPage('/journal');
    await results();
    const field = screen.getByLabelText<HTMLInputElement>('IdNat_PS du professionnel');
    expect(document.getElementById(field.getAttribute('aria-describedby')!)!.textContent).toContain('8 suivi des 11 chiffres du RPPS, ou 0 suivi des 9 chiffres ADELI');
    fireEvent.change(field, { target: { value: '12345' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rechercher' }));
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(field.getAttribute('aria-describedby')).toBe('audit-actor-hint audit-actor-error');
    expect(document.getElementById('audit-actor-error')!.textContent).toMatch(/^IdNat_PS invalide : 8 suivi des 11 chiffres du RPPS/);
    expect(document.activeElement).toBe(field);
    expect(searches()).toEqual(['/api/audit']);
    expect(window.location.search).toBe('');

    // An ADELI number (0 + 9 digits), typed with spaces: accepted and sent.
    fireEvent.change(field, { target: { value: '0 123 456 789' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rechercher' }));
    await vi.waitFor(() => expect(window.location.search).toBe('?actor=0123456789'));
    await vi.waitFor(() => expect(searches().at(-1)).toBe('/api/audit?actor=0123456789'));
  });

  it('puts the filters chosen in the address, the period in Paris time as instants, and a start after the end is not sent', async () => {
    await openPage('/journal');
    await results();
    fireEvent.change(screen.getByLabelText('IdNat_PS du professionnel'), { target: { value: CLAIRE } });
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'tests.record' } });
    fireEvent.change(screen.getByLabelText('Résultat'), { target: { value: 'denied' } });
    fireEvent.change(screen.getByLabelText('Type de cible'), { target: { value: 'test_result' } });
    fireEvent.change(screen.getByLabelText('Identifiant de la cible'), { target: { value: TEST_ID } });
    fireEvent.change(screen.getByLabelText('Du'), { target: { value: '2026-07-01T08:00' } });
    fireEvent.change(screen.getByLabelText('Au (exclu)'), { target: { value: '2026-12-01T08:00' } });
    fireEvent.change(screen.getByLabelText('Lignes par page'), { target: { value: '10' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rechercher' }));
    const expected = `?actor=${CLAIRE}&action=tests.record&outcome=denied&targetType=test_result&targetId=${TEST_ID}&from=2026-07-01T08:00:00%2B02:00&to=2026-12-01T08:00:00%2B01:00&limit=10`;
    await vi.waitFor(() => expect(window.location.search).toBe(expected));
    await vi.waitFor(() => expect(searches().at(-1)).toBe(`/api/audit${expected}`));
    await results();

    const before = searches().length;
    fireEvent.change(screen.getByLabelText('Du'), { target: { value: '2026-12-02T08:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rechercher' }));
    expect(document.getElementById('audit-to-error')!.textContent).toBe('La fin de la période doit suivre son début.');
    expect(searches()).toHaveLength(before);

    // "Effacer les filtres": every entry again, the form emptied.
    fireEvent.click(screen.getByRole('button', { name: 'Effacer les filtres' }));
    await vi.waitFor(() => expect(window.location.search).toBe(''));
    await vi.waitFor(() => expect(searches().at(-1)).toBe('/api/audit'));
    await results();
    expect(screen.getByLabelText<HTMLInputElement>('IdNat_PS du professionnel').value).toBe('');
    expect(screen.getByLabelText<HTMLInputElement>('Du').value).toBe('');
  });

  it('follows the keyset cursor to the next page and back to the first', async () => {
    answer = (path) =>
      path.includes('before=')
        ? json(200, { entries: [entry(8), entry(7)], next: null })
        : json(200, { entries: [entry(12), entry(11), entry(10)], next: '10' });
    await openPage(`/journal?actor=${CLAIRE}&limit=3`);
    await results();
    expect(screen.getByTestId('audit-summary').textContent).toMatch(/3 entrées sur la première page, de la plus récente à la plus ancienne ; il y en a d’autres, plus anciennes\.$/);
    expect(screen.queryByRole('link', { name: 'Revenir à la première page' })).toBeNull();
    const next = screen.getByRole('link', { name: 'Page suivante' });
    expect(next.getAttribute('href')).toBe(`/journal?actor=${CLAIRE}&limit=3&before=10`);
    fireEvent.click(next);
    await vi.waitFor(() => expect(searches().at(-1)).toBe(`/api/audit?actor=${CLAIRE}&limit=3&before=10`));
    await vi.waitFor(() => expect(screen.getByTestId('audit-summary').textContent).toMatch(/2 entrées sur cette page suivante/));
    // The keyboard goes on from the new page's results (focused once they are drawn: waited for, on a busy machine).
    await vi.waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Résultats' })));
    expect(within(screen.getByTestId('audit-table')).getAllByTestId('audit-entry')).toHaveLength(2);
    expect(screen.queryByRole('link', { name: 'Page suivante' })).toBeNull();
    // The CSV is every page: neither the cursor nor the page size.
    expect(screen.getByRole('link', { name: 'Télécharger le CSV' }).getAttribute('href')).toBe(`/api/audit.csv?actor=${CLAIRE}`);

    fireEvent.click(screen.getByRole('link', { name: 'Revenir à la première page' }));
    await vi.waitFor(() => expect(window.location.search).toBe(`?actor=${CLAIRE}&limit=3`));
    await vi.waitFor(() => expect(searches().at(-1)).toBe(`/api/audit?actor=${CLAIRE}&limit=3`));
  });

  it('says when nothing matches', async () => {
    answer = () => json(200, { entries: [], next: null });
    await openPage(`/journal?actor=${CLAIRE}`);
    await results();
    expect(screen.getByTestId('audit-summary').textContent).toBe(`Filtres : professionnel ${CLAIRE}. Aucune entrée ne correspond à ces filtres.`);
    expect(screen.getByTestId('audit-empty').textContent).toContain('Un opérateur régional ne voit pas');
    expect(screen.queryByTestId('audit-table')).toBeNull();
  });

  it("shows the server's French message, with the value it refused", async () => {
    answer = () => errorAnswer(400, 'REQUEST_INVALID', 'La requête est invalide.', [{ path: '/actor', message: 'must match pattern' }]);
    // A search the page cannot check (an action family it does not know) reaches the server.
    await openPage('/journal?action=tests.*');
    const error = await screen.findByTestId('audit-error');
    expect(within(error).getByRole('alert').textContent).toBe(
      'La requête est invalide. Valeur refusée : IdNat_PS (8 suivi des 11 chiffres du RPPS, ou 0 suivi des 9 chiffres ADELI (12 ou 10 chiffres)).',
    );
    expect(within(error).getByRole('link', { name: 'Effacer les filtres' }).getAttribute('href')).toBe('/journal');
    cleanup();

    answer = () => errorAnswer(400, 'AUDIT_PERIOD_INVALID', 'La période est invalide : le début doit précéder la fin.');
    await openPage('/journal?from=2026-03-10T00:00:00Z');
    expect(within(await screen.findByTestId('audit-error')).getByRole('alert').textContent).toBe('La période est invalide : le début doit précéder la fin.');
  });

  it('does not send an address whose filters are malformed, and says which', async () => {
    await openPage('/journal?actor=12345&limit=9999');
    expect(screen.getByTestId('audit-invalid').textContent).toContain('Aucune recherche n');
    expect(document.getElementById('audit-actor-error')!.textContent).toMatch(/^IdNat_PS invalide/);
    expect(document.getElementById('audit-limit-error')!.textContent).toBe('Nombre de lignes par page : de 1 à 500.');
    expect(searches()).toEqual([]);
  });

  it('downloads the CSV of the same filters and says how many lines it holds, or that it was truncated', async () => {
    await openPage(`/journal?actor=${CLAIRE}&action=tests.record&limit=10`);
    await results();
    fireEvent.click(screen.getByRole('link', { name: 'Télécharger le CSV' }));
    await vi.waitFor(() => expect(saved).toHaveLength(1));
    expect(requests.at(-1)!.path).toBe(`/api/audit.csv?actor=${CLAIRE}&action=tests.record`);
    expect(saved[0]!.filename).toBe('journal-audit.csv');
    expect(await saved[0]!.blob.text()).toContain('12,2026-03-10T08:15:02.000Z');
    await vi.waitFor(() => expect(screen.getByTestId('audit-export-status').textContent).toBe('journal-audit.csv téléchargé : 1 entrée.'));

    csv = () => new Response('id\r\n', { status: 200, headers: { 'content-type': 'text/csv', 'x-audit-lines': '50000', 'x-audit-truncated': 'true' } });
    fireEvent.click(screen.getByRole('link', { name: 'Télécharger le CSV' }));
    await vi.waitFor(() => expect(saved).toHaveLength(2));
    await vi.waitFor(() => expect(screen.getByTestId('audit-export-status').textContent).toMatch(/^Export tronqué : journal-audit\.csv s'arrête aux 50\u202f000 entrées les plus récentes/));

    csv = () => errorAnswer(403, 'AUTH_FORBIDDEN', "Vous n'avez pas le droit d'effectuer cette action.");
    fireEvent.click(screen.getByRole('link', { name: 'Télécharger le CSV' }));
    await vi.waitFor(() => expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain("Vous n'avez pas le droit d'effectuer cette action."));
    expect(saved).toHaveLength(2);
  });
});
