import {
  importTrustList,
  valueSetCodes,
  type BusinessRule,
  type GatewayTrustListEntry,
  type TrustedSigner,
  type ValueSet,
  type ValueSetCodes,
} from '@prostopcovid/dcc';
import { get, set } from 'idb-keyval';
import { createLocalState } from './local-state';

/** What `GET /api/verifier/v1/lists` gives: everything a verifier needs offline. */
export interface ListsBundle {
  maxAgeHours: number;
  country: string;
  countries: string[];
  signers: Array<GatewayTrustListEntry & { origin: TrustedSigner['origin'] }>;
  rules: BusinessRule[];
  valueSets: ValueSet[];
}

/** The bundle as kept in IndexedDB, with when this browser last had it confirmed by the server. */
export interface StoredLists {
  bundle: ListsBundle;
  etag: string | null;
  /** ISO 8601, this browser's clock. */
  confirmedAt: string;
}

/** Ready for `verifyDcc`: signers parsed once per download. */
export interface ReadyLists {
  stored: StoredLists;
  signers: TrustedSigner[];
  valueSets: ValueSetCodes;
}

const KEY = 'verifier-lists-v1';
const REFRESH_TIMEOUT_MS = 4000;

export type ListsState = { status: 'loading' } | { status: 'none'; error?: string } | { status: 'ready'; lists: ReadyLists; online: boolean };

const state = createLocalState<ListsState>({ status: 'loading' });
export const useVerifierLists = state.use;

let parsed: { etag: string | null; confirmedAt: string; ready: Promise<ReadyLists> } | undefined;

function prepare(stored: StoredLists): Promise<ReadyLists> {
  if (parsed && parsed.etag === stored.etag && parsed.etag !== null) {
    const ready = parsed.ready.then((lists) => ({ ...lists, stored }));
    parsed = { ...parsed, confirmedAt: stored.confirmedAt, ready };
    return ready;
  }
  const ready = (async () => {
    const origins = new Map(stored.bundle.signers.map((entry) => [entry.kid, entry.origin]));
    const { signers } = await importTrustList(stored.bundle.signers, { now: new Date() });
    return {
      stored,
      signers: signers.map((signer) => ({ ...signer, origin: origins.get(signer.kidBase64) ?? 'imported' })),
      valueSets: valueSetCodes(stored.bundle.valueSets),
    };
  })();
  parsed = { etag: stored.etag, confirmedAt: stored.confirmedAt, ready };
  return ready;
}

/**
 * Asks the server for the lists (a 304 when this browser has them already), keeps them in
 * IndexedDB, and falls back to the kept copy when the server cannot be reached: the page then
 * verifies offline, saying how old its lists are.
 */
export async function refreshVerifierLists(): Promise<ListsState> {
  const cached = await get<StoredLists>(KEY).catch(() => undefined);
  let stored = cached;
  let online = false;
  let error: string | undefined;
  try {
    const response = await fetch('/api/verifier/v1/lists', {
      headers: { accept: 'application/json', ...(cached?.etag && { 'if-none-match': cached.etag }) },
      cache: 'no-store',
      signal: AbortSignal.timeout(REFRESH_TIMEOUT_MS),
    });
    if (response.status === 304 && cached) {
      stored = { ...cached, confirmedAt: new Date().toISOString() };
      online = true;
    } else if (response.ok) {
      stored = { bundle: (await response.json()) as ListsBundle, etag: response.headers.get('etag'), confirmedAt: new Date().toISOString() };
      online = true;
    } else {
      error = `Le serveur a répondu ${response.status}.`;
    }
    if (online && stored) await set(KEY, stored).catch(() => undefined);
  } catch {
    error = 'Le serveur est injoignable.';
  }
  const next: ListsState = stored ? { status: 'ready', lists: await prepare(stored), online } : { status: 'none', ...(error && { error }) };
  state.set(next);
  return next;
}

/** The lists to verify with now: refreshed when older than a few minutes and the server answers. */
export async function currentVerifierLists(): Promise<ListsState> {
  const current = state.get();
  if (current.status === 'ready' && Date.now() - Date.parse(current.lists.stored.confirmedAt) < 5 * 60_000) return current;
  return refreshVerifierLists();
}

/** Hours since the lists were last confirmed by the server. */
export function listsAgeHours(lists: ReadyLists, now: Date = new Date()): number {
  return (now.getTime() - Date.parse(lists.stored.confirmedAt)) / 3_600_000;
}
