// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, reloadPage, stubNetwork, stubOffline } from '../testing/browser';
import type { Incident } from './incidents';

const hour = 3_600_000;
const ago = (hours: number) => new Date(Date.now() - hours * hour).toISOString();
const incident = (id: string, component: Incident['component'], startedAt: string, testAttestationHours: number, endedAt: string | null = null): Incident => ({
  id,
  component,
  componentLabel: component,
  startedAt,
  endedAt,
  testAttestationHours,
  message: null,
  source: 'operator',
});

function incidentsServer(incidents: Incident[], defaultTestAttestationHours = 24) {
  return stubNetwork((r) => (r.path === '/api/incidents/current' ? json(200, { incidents, defaultTestAttestationHours }) : errorAnswer(404, 'NOT_FOUND', "Cette ressource n'existe pas.")));
}

async function openIncidents() {
  const incidents = await import('./incidents');
  const current = renderHook(() => incidents.useCurrentIncidents());
  return { ...incidents, current };
}

beforeEach(async () => {
  await freshProfile();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the incidents cache', () => {
  it('shows the incidents the server lists, one request however many ask at once', async () => {
    const open = incident('i1', 'tests-portal', ago(2), 48);
    const requests = incidentsServer([open]);
    const { refreshCurrentIncidents, current } = await openIncidents();
    expect(current.result.current).toEqual({ incidents: [], fetchedAt: null, stale: false });

    await act(() => Promise.all([refreshCurrentIncidents(), refreshCurrentIncidents()]));

    expect(current.result.current).toMatchObject({ incidents: [open], defaultTestAttestationHours: 24, stale: false });
    expect(Date.parse(current.result.current.fetchedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(requests).toHaveLength(1);
  });

  it('keeps the last known list after a reload while the server is unreachable, flagged stale', async () => {
    const open = incident('i1', 'psc', ago(1), 24);
    incidentsServer([open]);
    let incidents = await openIncidents();
    await act(() => incidents.refreshCurrentIncidents());
    const fetchedAt = incidents.current.result.current.fetchedAt;

    reloadPage();
    stubOffline();
    incidents = await openIncidents();
    await act(() => incidents.refreshCurrentIncidents());
    expect(incidents.current.result.current).toEqual({ incidents: [open], defaultTestAttestationHours: 24, fetchedAt, stale: true });
  });

  it('flags the list stale on a server failure but not on a refusal', async () => {
    stubNetwork(() => errorAnswer(500, 'INTERNAL', 'Une erreur interne est survenue.'));
    let incidents = await openIncidents();
    await act(() => incidents.refreshCurrentIncidents());
    expect(incidents.current.result.current.stale).toBe(true);

    reloadPage();
    stubNetwork(() => errorAnswer(401, 'AUTH_REQUIRED', 'Vous devez vous connecter avec Pro Santé Connect.'));
    incidents = await openIncidents();
    await act(() => incidents.refreshCurrentIncidents());
    expect(incidents.current.result.current.stale).toBe(false);
  });

  it('dates provisional test attestations from the most recent open tests or PSC incident, else the server’s default, else 12 hours', async () => {
    incidentsServer([
      incident('old', 'psc', ago(10), 24),
      incident('recent', 'tests-portal', ago(2), 48),
      incident('vaccination', 'vaccination-portal', ago(1), 72),
      incident('ended', 'tests-portal', ago(1), 6, ago(0.5)),
    ]);
    let incidents = await import('./incidents');
    expect(await incidents.provisionalTestHours()).toBe(48);

    reloadPage();
    incidentsServer([incident('vaccination', 'vaccination-portal', ago(1), 72)], 36);
    incidents = await import('./incidents');
    expect(await incidents.provisionalTestHours()).toBe(36);

    // A device that never reached the server.
    await freshProfile();
    stubOffline();
    incidents = await import('./incidents');
    expect(await incidents.provisionalTestHours()).toBe(incidents.DEFAULT_PROVISIONAL_TEST_HOURS);
    expect(incidents.DEFAULT_PROVISIONAL_TEST_HOURS).toBe(12);
  });

  it('tells which incidents are open, and which are not ended, at a given time', async () => {
    const { openAt, notEndedAt } = await import('./incidents');
    const now = new Date('2026-03-10T12:00:00Z');
    const list = [
      incident('open', 'psc', '2026-03-10T10:00:00Z', 24),
      incident('ended', 'psc', '2026-03-10T08:00:00Z', 24, '2026-03-10T11:00:00Z'),
      incident('planned-end', 'tests-portal', '2026-03-10T11:00:00Z', 24, '2026-03-10T13:00:00Z'),
      incident('later', 'tests-portal', '2026-03-10T12:30:00Z', 24),
    ];
    expect(openAt(list, now).map((i) => i.id)).toEqual(['open', 'planned-end']);
    expect(notEndedAt(list, now).map((i) => i.id)).toEqual(['open', 'planned-end', 'later']);
  });
});
