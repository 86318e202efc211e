// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, pharmacist, reloadPage, stubNetwork, stubOffline, type SentRequest } from '../../testing/browser';
import type { InboxEntry, InboxMessage } from '../../data/inbox';

const ACTION_ID = '0b4c3f7e-1d55-4f0e-9a43-6d9f0c7b2a11';
const INFO_ID = '5e2a9c1d-7b3f-4c8e-8d21-9f4a6b0e3c22';
const at = (iso: string) => new Date(iso).toISOString();

const action: InboxEntry = {
  id: ACTION_ID,
  version: 1,
  reference: 'DGS-URGENT N°2026_02',
  title: 'Conservation des vaccins',
  kind: 'action',
  priority: 'high',
  publishedAt: at('2026-03-10T09:00:00Z'),
  corrected: false,
  expiresAt: null,
  readAt: null,
  acknowledgedAt: null,
};
const info: InboxEntry = {
  ...action,
  id: INFO_ID,
  reference: 'DGS-URGENT N°2026_01',
  title: 'Nouvelles recommandations',
  kind: 'information',
  priority: 'normal',
  publishedAt: at('2026-03-09T09:00:00Z'),
  corrected: true,
  readAt: at('2026-03-09T10:00:00Z'),
};
const actionMessage: InboxMessage = {
  ...action,
  bodyHtml: '<p>Les flacons <strong>doivent</strong> rester entre 2 et 8 °C.</p>',
  targets: { professions: ['Pharmacien'], zone: ['Nouvelle-Aquitaine'] },
  attachments: [{ id: 'f1', filename: 'consignes.pdf', bytes: 120_000, sha256: 'ab', url: `/api/messages/${ACTION_ID}/attachments/f1` }],
  correctionNote: null,
};
const infoMessage: InboxMessage = { ...info, bodyHtml: '<p>Voir la note.</p>', targets: actionMessage.targets, attachments: [], correctionNote: 'Date de la note corrigée.' };

const RECEIPT_AT = '2026-03-10T09:30:00.000Z';
let requests: SentRequest[];
let acknowledgeAnswer: (r: SentRequest) => Response;

function serve(list: InboxEntry[]) {
  requests = stubNetwork((r) => {
    if (r.path === '/api/inbox') {
      return json(200, { unread: list.filter((m) => !m.readAt).length, actionsPending: list.filter((m) => m.kind === 'action' && !m.acknowledgedAt).length, messages: list });
    }
    if (r.path === `/api/inbox/${ACTION_ID}`) return json(200, actionMessage);
    if (r.path === `/api/inbox/${INFO_ID}`) return json(200, infoMessage);
    if (r.path === `/api/inbox/${ACTION_ID}/read`) return json(200, { readAt: RECEIPT_AT, acknowledgedAt: null });
    if (r.path === `/api/inbox/${ACTION_ID}/acknowledge`) return acknowledgeAnswer(r);
    return errorAnswer(404, 'NOT_FOUND', "Cette ressource n'existe pas.");
  });
}

/** The page at `address`, as the pharmacist opens it. */
async function openPage(address: string) {
  window.history.replaceState(null, '', address);
  const { InboxPage } = await import('./InboxPage');
  (await import('../../data/api')).setCsrfToken('csrf-token-1');
  return render(<InboxPage me={pharmacist} />);
}

beforeEach(async () => {
  await freshProfile();
  acknowledgeAnswer = () => json(200, { readAt: RECEIPT_AT, acknowledgedAt: RECEIPT_AT });
  serve([action, info]);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

describe('the urgent messages inbox page', () => {
  it('says so when no message is addressed to the professional', async () => {
    serve([]);
    await openPage('/messages');
    expect(await screen.findByText('Aucun message urgent ne vous est adressé.')).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Messages urgents');
  });

  it('lists unread first with their kind, priority, reference, date, correction and state', async () => {
    await openPage('/messages');
    const list = await screen.findByTestId('inbox-list');
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => within(li).getByRole('heading', { level: 2 }).textContent)).toEqual(['Conservation des vaccins', 'Nouvelles recommandations']);
    expect(items[0]!.textContent).toContain('DGS-URGENT N°2026_02');
    expect(items[0]!.textContent).toContain('10/03/2026');
    expect(within(items[0]!).getByText('Pour action')).toBeTruthy();
    expect(within(items[0]!).getByText('Prioritaire')).toBeTruthy();
    expect(within(items[0]!).getByText('Non lu')).toBeTruthy();
    expect(within(items[0]!).queryByText('Rectificatif')).toBeNull();
    expect(within(items[1]!).getByText('Pour information')).toBeTruthy();
    expect(within(items[1]!).getByText('Rectificatif')).toBeTruthy();
    expect(within(items[1]!).getByText('Lu')).toBeTruthy();
    expect(within(items[0]!).getByRole('link').getAttribute('href')).toBe(`/messages?message=${ACTION_ID}`);
    expect(screen.getByText(/1 message non lu\. 1 message pour action attend votre confirmation\./)).toBeTruthy();
  });

  it('opens a message: read at once, its body and attachments; "J’ai pris connaissance" records the acknowledgement', async () => {
    await openPage(`/messages?message=${ACTION_ID}`);
    const article = await screen.findByTestId('inbox-message');
    expect(within(article).getByRole('heading', { level: 1 }).textContent).toBe('Conservation des vaccins');
    expect(screen.getByTestId('message-reference').textContent).toBe('DGS-URGENT N°2026_02');
    expect(article.textContent).toContain('Pharmacien');
    expect(article.textContent).toContain('Nouvelle-Aquitaine');
    expect(within(screen.getByTestId('message-body')).getByText('doivent').tagName).toBe('STRONG');
    const attachment = within(article).getByRole('link', { name: 'consignes.pdf' });
    expect(attachment.getAttribute('href')).toBe(`/api/messages/${ACTION_ID}/attachments/f1`);
    await vi.waitFor(() => expect(requests.some((r) => r.path === `/api/inbox/${ACTION_ID}/read`)).toBe(true));
    const read = requests.find((r) => r.path === `/api/inbox/${ACTION_ID}/read`)!;
    expect(read).toMatchObject({ method: 'POST', body: { version: 1 } });
    expect(read.headers['x-csrf-token']).toBe('csrf-token-1');

    fireEvent.click(screen.getByRole('button', { name: "J'ai pris connaissance" }));
    const acknowledged = await screen.findByTestId('acknowledged');
    expect(acknowledged.textContent).toMatch(/^Pris connaissance le 10\/03\/2026 à \d\d:30\.$/);
    expect(requests.filter((r) => r.path === `/api/inbox/${ACTION_ID}/acknowledge`)).toHaveLength(1);
    expect(screen.queryByRole('button', { name: "J'ai pris connaissance" })).toBeNull();
    await vi.waitFor(() => expect(document.activeElement).toBe(acknowledged));
  });

  it('shows the correction note of a corrected message, and no acknowledgement for information', async () => {
    await openPage(`/messages?message=${INFO_ID}`);
    expect((await screen.findByTestId('correction-note')).textContent).toBe('Rectificatif : Date de la note corrigée.');
    expect(screen.queryByRole('button', { name: "J'ai pris connaissance" })).toBeNull();
    // Already read: not marked again.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it('offline, shows the last version known of the list and of a message opened before, and refuses to acknowledge with a clear message', async () => {
    let page = await openPage(`/messages?message=${ACTION_ID}`);
    await screen.findByTestId('inbox-message');
    await vi.waitFor(() => expect(requests.some((r) => r.path.endsWith('/read'))).toBe(true));
    const { refreshInbox } = await import('../../data/inbox');
    await act(() => refreshInbox(pharmacist.idNatPs));
    page.unmount();

    reloadPage();
    stubOffline();
    page = await openPage('/messages');
    expect((await screen.findByTestId('inbox-stale')).textContent).toContain('Serveur injoignable : dernière version connue de vos messages');
    expect(within(screen.getByTestId('inbox-list')).getAllByRole('listitem')).toHaveLength(2);
    page.unmount();

    await openPage(`/messages?message=${ACTION_ID}`);
    const article = await screen.findByTestId('inbox-message');
    expect(article.textContent).toContain('dernière version connue de ce message');
    fireEvent.click(screen.getByRole('button', { name: "J'ai pris connaissance" }));
    expect((await screen.findByRole('alert')).textContent).toBe('Connexion impossible : réessayez quand le serveur sera joignable.');
    expect(screen.queryByTestId('acknowledged')).toBeNull();
  });

  it('reloads a message corrected meanwhile, with the server’s reason, before it can be acknowledged', async () => {
    acknowledgeAnswer = () => errorAnswer(409, 'MESSAGES_VERSION_STALE', 'Ce message a été rectifié depuis : relisez la nouvelle version avant d’en prendre connaissance.');
    await openPage(`/messages?message=${ACTION_ID}`);
    await screen.findByTestId('inbox-message');
    const opens = () => requests.filter((r) => r.method === 'GET' && r.path === `/api/inbox/${ACTION_ID}`).length;
    expect(opens()).toBe(1);
    fireEvent.click(screen.getByRole('button', { name: "J'ai pris connaissance" }));
    expect((await screen.findByRole('alert')).textContent).toContain('Ce message a été rectifié depuis');
    await vi.waitFor(() => expect(opens()).toBe(2));
  });
});

describe('links to a message', () => {
  it('says a link cut by a mail client is broken, with the way back, and asks the server nothing', async () => {
    await openPage(`/messages?message=${ACTION_ID.slice(0, 20)}`);
    expect((await screen.findByRole('alert')).textContent).toContain('Ce lien de message est incomplet ou erroné');
    expect(screen.getByRole('link', { name: '← Tous les messages urgents' })).toBeTruthy();
    expect(requests.filter((r) => r.path.startsWith('/api/inbox/'))).toHaveLength(0);
  });

  it('shows the public trace of a withdrawn message: when and why', async () => {
    requests = stubNetwork(() => errorAnswer(410, 'MESSAGES_WITHDRAWN_PUBLIC', 'Ce message a été retiré par son auteur : il ne s’applique plus.', {
      reference: 'DGS-URGENT N°2026_02',
      withdrawnAt: '2026-03-10T13:05:00.000Z',
      reason: 'Publié par erreur',
    }));
    window.history.replaceState(null, '', `/dgs-urgent?message=${ACTION_ID}`);
    const { PublicMessagesPage } = await import('./PublicMessagesPage');
    render(<PublicMessagesPage />);
    const trace = await screen.findByTestId('public-message-withdrawn');
    expect(within(trace).getByRole('heading').textContent).toBe('DGS-URGENT N°2026_02 : message retiré');
    // Paris time, whatever the computer's clock.
    expect(trace.textContent).toContain('Ce message a été retiré par son auteur le 10/03/2026 à 14:05 : il ne s’applique plus.');
    expect(trace.textContent).toContain('Motif : Publié par erreur');
  });
});

describe('the banner of action messages', () => {
  it('names each action message not acknowledged, with a link to read and confirm it', async () => {
    const { UrgentMessageBanner } = await import('./UrgentMessageBanner');
    const { refreshInbox } = await import('../../data/inbox');
    render(<UrgentMessageBanner owner={pharmacist.idNatPs} />);
    const banner = screen.getByTestId('message-banner');
    expect(banner.textContent).toBe('');
    await act(() => refreshInbox(pharmacist.idNatPs));
    expect(within(banner).getByRole('region', { name: 'Message urgent pour action' })).toBeTruthy();
    const item = within(banner).getByRole('listitem');
    expect(item.textContent).toContain('Message urgent pour action : DGS-URGENT N°2026_02 — Conservation des vaccins');
    expect(within(item).getByRole('link', { name: /^Lire et confirmer/ }).getAttribute('href')).toBe(`/messages?message=${ACTION_ID}`);
  });
});
