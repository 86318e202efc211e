// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, pharmacist, stubNetwork, type SentRequest } from '../../testing/browser';
import type { FollowUp, FollowUpRow, MessageDetail } from '../../data/messages';

// The chart itself (ECharts) is drawn by a real browser (packages/server/e2e); here, what it is given.
const drawn = vi.hoisted(() => [] as Array<{ rows: string[]; series: string[] }>);
vi.mock('./follow-up-echarts', () => ({
  drawFollowUpChart: (_element: HTMLElement, rows: FollowUpRow[], series: Array<{ label: string }>) => {
    drawn.push({ rows: rows.map((r) => r.label), series: series.map((s) => s.label) });
    return () => undefined;
  },
}));

const ID = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';
const operator = { ...pharmacist, rights: [...pharmacist.rights, 'operator' as const] };
const row = (key: string, label: string, reached: number): FollowUpRow => ({ key, label, reached, emailed: reached - 1, delivered: reached - 2, failed: 1, uncertain: 0, read: 2, acknowledged: 1 });
const published = '2026-03-10T09:00:00.000Z';

const followUp = (version: number, remindersQueuedAt: string | null = null): FollowUp => ({
  id: ID,
  reference: 'DGS-URGENT N°2026_04',
  version,
  kind: 'action',
  publishedAt: published,
  total: row('', 'Total', 1500),
  byProfession: [row('21', 'Pharmacien', 1000), row('60', 'Infirmier', 500)],
  byZone: [row('33', 'Gironde (33)', 1500)],
  emailsPending: 12,
  remindersQueuedAt,
});

const version = (n: number) => ({
  version: n,
  title: 'Canicule',
  body: 'x',
  bodyHtml: '<p>x</p>',
  kind: 'action' as const,
  priority: 'normal' as const,
  professions: ['21', '60'],
  zone: { national: false, regions: [], departments: ['33'] },
  targets: { professions: ['Pharmacien', 'Infirmier'], zone: ['Gironde (33)'] },
  expiresAt: null,
  attachments: [],
  publishedAt: published,
  correctionNote: n > 1 ? 'Heure corrigée.' : null,
});
const message: MessageDetail = {
  id: ID,
  reference: 'DGS-URGENT N°2026_04',
  status: 'published',
  version: 2,
  title: 'Canicule',
  kind: 'action',
  priority: 'normal',
  targets: version(1).targets,
  series: 'DGS-URGENT',
  revision: 3,
  createdAt: published,
  publishedAt: published,
  updatedAt: published,
  withdrawnAt: null,
  expiresAt: null,
  withdrawReason: null,
  versions: [version(1), version(2)],
};

let requests: SentRequest[];
let reminded: string | null;

beforeEach(async () => {
  await freshProfile();
  drawn.length = 0;
  reminded = null;
  requests = stubNetwork((r) => {
    if (r.path === `/api/messages/${ID}`) return json(200, message);
    if (r.path === `/api/messages/${ID}/follow-up`) return json(200, followUp(2, reminded));
    if (r.path === `/api/messages/${ID}/follow-up?version=1`) return json(200, followUp(1, reminded));
    if (r.path === `/api/messages/${ID}/reminders`) {
      reminded = '2026-03-11T09:00:00.000Z';
      return json(200, { queued: 480 });
    }
    return errorAnswer(404, 'NOT_FOUND', "Cette ressource n'existe pas.");
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

async function openPage(address: string) {
  window.history.replaceState(null, '', address);
  const { FollowUpPage } = await import('./FollowUpPage');
  (await import('../../data/api')).setCsrfToken('csrf-token-1');
  render(<FollowUpPage me={operator} />);
  return screen.findByTestId('follow-up');
}

describe('the follow-up of an urgent message', () => {
  it('gives the figures by profession and department with their total, the chart of the same, the CSV and the e-mails pending', async () => {
    await openPage(`/messages-urgents/suivi?message=${ID}`);
    const table = screen.getByTestId('follow-up-professions');
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['Profession', 'Atteints', 'Courriels', 'Remis', 'Échecs', 'Incertains', 'Lus', 'Pris connaissance']);
    expect(within(table).getAllByRole('row').map((tr) => tr.textContent)).toEqual([
      'ProfessionAtteintsCourrielsRemisÉchecsIncertainsLusPris connaissance',
      'Pharmacien1\u202f0009999981021',
      'Infirmier5004994981021',
      'Total1\u202f5001\u202f4991\u202f4981021',
    ]);
    expect(within(screen.getByTestId('follow-up-zones')).getByText('Gironde (33)')).toBeTruthy();
    expect(screen.getByTestId('emails-pending').textContent).toBe("12 courriels encore en file d'attente (envoi étalé).");
    expect(screen.getByRole('link', { name: 'Télécharger le CSV' }).getAttribute('href')).toBe(`/api/messages/${ID}/follow-up.csv`);

    const chart = screen.getByRole('img');
    expect(chart.getAttribute('aria-label')).toContain('au total atteints : 1\u202f500');
    await vi.waitFor(() => expect(drawn).toHaveLength(1));
    expect(drawn[0]).toEqual({ rows: ['Pharmacien', 'Infirmier'], series: ['Atteints', 'Courriels', 'Remis', 'Échecs', 'Incertains', 'Lus', 'Pris connaissance'] });
    fireEvent.change(screen.getByLabelText('Répartition'), { target: { value: 'byZone' } });
    await vi.waitFor(() => expect(drawn.at(-1)?.rows).toEqual(['Gironde (33)']));
  });

  it('follows an earlier version, chosen among those published', async () => {
    await openPage(`/messages-urgents/suivi?message=${ID}`);
    const select = screen.getByLabelText<HTMLSelectElement>('Version');
    const options = [...select.options].map((o) => o.textContent);
    expect(options).toHaveLength(2);
    expect(options[0]).toMatch(/^Version 1 du 10\/03\/2026 à \d\d:00$/);
    expect(options[1]).toMatch(/^Version 2 du 10\/03\/2026 à \d\d:00 \(rectificatif\)$/);
    expect(select.value).toBe('2');
    expect(screen.getByRole('button', { name: 'Relancer les non-confirmés' })).toBeTruthy();
    fireEvent.change(select, { target: { value: '1' } });
    await vi.waitFor(() => expect(window.location.search).toBe(`?message=${ID}&version=1`));
  });

  it('offers no reminder on an earlier version (reminders go to the current one)', async () => {
    await openPage(`/messages-urgents/suivi?message=${ID}&version=1`);
    expect(screen.getByLabelText<HTMLSelectElement>('Version').value).toBe('1');
    expect(screen.queryByRole('button', { name: 'Relancer les non-confirmés' })).toBeNull();
  });

  it('shows the current version, and says so, for a version the message does not have', async () => {
    await openPage(`/messages-urgents/suivi?message=${ID}&version=9`);
    expect(screen.getByLabelText<HTMLSelectElement>('Version').value).toBe('2');
    expect(screen.getByTestId('follow-up-notice').textContent).toBe("Ce message n'a pas de version 9 : voici sa version actuelle.");
  });

  it('queues reminders to those who have not acknowledged, once', async () => {
    vi.stubGlobal('confirm', () => true);
    await openPage(`/messages-urgents/suivi?message=${ID}`);
    fireEvent.click(screen.getByRole('button', { name: 'Relancer les non-confirmés' }));
    expect((await screen.findByTestId('follow-up-notice')).textContent).toBe('480 rappels programmés.');
    expect(requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([`/api/messages/${ID}/reminders`]);
    expect((await screen.findByTestId('reminders-queued')).textContent).toMatch(/^Rappels aux non-confirmés programmés le 11\/03\/2026/);
    expect(screen.queryByRole('button', { name: 'Relancer les non-confirmés' })).toBeNull();
  });
});
