import { get, set } from 'idb-keyval';
import {
  CurrentIncidents as CurrentIncidentsAnswer,
  Incident,
  IncidentHistory,
  componentLabels,
  type DeclareIncidentBody,
  type IncidentComponent,
  type IncidentHistoryEntry,
  type UpdateIncidentBody,
} from '@prostopcovid/contracts/incidents';
import { ApiError, NetworkError, apiRequest } from './api';
import { createLocalState } from './local-state';
import type { Me } from './store';

export { componentLabels, type Incident, type IncidentComponent, type IncidentHistoryEntry };

export interface CurrentIncidents {
  incidents: Incident[];
  /** The server's validity of provisional test attestations outside incidents (PROVISIONAL_TEST_HOURS). */
  defaultTestAttestationHours?: number;
  /** When the server last answered (null: never on this device). */
  fetchedAt: string | null;
  /** The list shown is the last known one: the server could not be reached. */
  stale: boolean;
}

/**
 * The incidents open now, for the banners. The last answer is kept in IndexedDB: when the
 * server itself is unreachable, the banner still tells people what was known (docs/domain.md, Continuity).
 */
const CACHE_KEY = 'incidents-current';
const currentState = createLocalState<CurrentIncidents>({ incidents: [], fetchedAt: null, stale: false });
const setCurrent = currentState.set;

export function useCurrentIncidents(): CurrentIncidents {
  return currentState.use();
}

let refreshing: Promise<void> | undefined;

/** Asks the server again (one request at a time, however many banners are shown). */
export function refreshCurrentIncidents(): Promise<void> {
  refreshing ??= fetchCurrent().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

async function fetchCurrent(): Promise<void> {
  if (currentState.get().fetchedAt === null) {
    const cached = await get<{ incidents: Incident[]; fetchedAt: string; defaultTestAttestationHours?: number }>(CACHE_KEY).catch(() => undefined);
    if (cached && currentState.get().fetchedAt === null) setCurrent({ ...cached, stale: true });
  }
  try {
    const { incidents, defaultTestAttestationHours } = await apiRequest(CurrentIncidentsAnswer, 'GET', '/api/incidents/current');
    const fetchedAt = new Date().toISOString();
    setCurrent({ incidents, defaultTestAttestationHours, fetchedAt, stale: false });
    await set(CACHE_KEY, { incidents, defaultTestAttestationHours, fetchedAt }).catch(() => undefined);
  } catch (error) {
    // Unreachable or failing server: keep what was known, flagged as such.
    if (error instanceof NetworkError || (error instanceof ApiError && error.status >= 500)) {
      if (!currentState.get().stale) currentState.update({ stale: true });
    }
  }
}

/**
 * The banner's list: the server only lists incidents already started, so only a planned end
 * (passed since the list was fetched) is checked here. Not the start: one declared a moment
 * ago would stay hidden, and a browser clock a little behind the server's would hide it too.
 */
export function notEndedAt(incidents: Incident[], now: Date): Incident[] {
  return incidents.filter((incident) => incident.endedAt === null || Date.parse(incident.endedAt) > now.getTime());
}

/** Incidents still open at `now` (a cached list may hold some whose planned end has passed). */
export function openAt(incidents: Incident[], now: Date): Incident[] {
  return incidents.filter((incident) => Date.parse(incident.startedAt) <= now.getTime() && (incident.endedAt === null || Date.parse(incident.endedAt) > now.getTime()));
}

/** Validity printed on provisional test attestations when neither an incident nor the server (never reached) sets one. */
export const DEFAULT_PROVISIONAL_TEST_HOURS = 12;

/**
 * How long a provisional test attestation issued now is valid: the setting of the open
 * incident that stops tests being recorded (the tests portal, or PSC), the most recent one
 * if several; the default otherwise. Works offline from the last known list.
 */
export async function provisionalTestHours(at: Date = new Date()): Promise<number> {
  if (currentState.get().fetchedAt === null) await refreshCurrentIncidents();
  const current = currentState.get();
  const relevant = openAt(current.incidents, at)
    .filter((incident) => incident.component === 'tests-portal' || incident.component === 'psc')
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  return relevant[0]?.testAttestationHours ?? current.defaultTestAttestationHours ?? DEFAULT_PROVISIONAL_TEST_HOURS;
}

export function isOperator(me: Me): boolean {
  return me.rights.includes('operator');
}

/* Operator calls (authority staff). */

export async function loadIncidentHistory(since?: string): Promise<IncidentHistoryEntry[]> {
  const query = since ? `?since=${encodeURIComponent(since)}` : '';
  return (await apiRequest(IncidentHistory, 'GET', `/api/incidents${query}`)).incidents;
}

export type DeclareIncidentInput = DeclareIncidentBody;

export async function declareIncident(input: DeclareIncidentInput): Promise<Incident> {
  const incident = await apiRequest(Incident, 'POST', '/api/incidents', input);
  void refreshCurrentIncidents();
  return incident;
}

export async function closeIncident(id: string, endedAt?: string): Promise<Incident> {
  const incident = await apiRequest(Incident, 'POST', `/api/incidents/${encodeURIComponent(id)}/close`, endedAt ? { endedAt } : {});
  void refreshCurrentIncidents();
  return incident;
}

export async function updateIncident(id: string, patch: UpdateIncidentBody): Promise<Incident> {
  const incident = await apiRequest(Incident, 'PATCH', `/api/incidents/${encodeURIComponent(id)}`, patch);
  void refreshCurrentIncidents();
  return incident;
}
