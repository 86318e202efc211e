import {
  importTrustList,
  MAX_SIGNERS_WITHOUT_KID,
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
  /** When the server last read its imported trust list (ISO 8601, the server's clock), if it imports one. */
  trustListReadAt?: string;
}

/** Ready for `verifyDcc`. */
export interface ReadyLists {
  stored: StoredLists;
  valueSets: ValueSetCodes;
  /**
   * The trusted signers a certificate may be signed by: those of its kid (or, without one, of its
   * issuing country), parsed and checked on first use only: a gateway list holds thousands.
   */
  signersFor: (kidBase64: string, issuer?: string) => Promise<TrustedSigner[]>;
}

const KEY = 'verifier-lists-v1';
const REFRESH_TIMEOUT_MS = 4000;

export type ListsState = { status: 'loading' } | { status: 'none'; error?: string } | { status: 'ready'; lists: ReadyLists; online: boolean };

const state = createLocalState<ListsState>({ status: 'loading' });
export const useVerifierLists = state.use;

let parsed: { etag: string | null; lists: Omit<ReadyLists, 'stored'> } | undefined;

function prepare(stored: StoredLists): ReadyLists {
  if (parsed && parsed.etag !== null && parsed.etag === stored.etag) return { ...parsed.lists, stored };
  const cache = new Map<string, Promise<TrustedSigner[]>>();
  const signersFor = (kidBase64: string, issuer?: string) => {
    const key = kidBase64 || `country:${issuer ?? ''}`;
    let signers = cache.get(key);
    if (!signers) {
      const entries = kidBase64
        ? stored.bundle.signers.filter((entry) => entry.kid === kidBase64)
        : stored.bundle.signers.filter((entry) => entry.country === issuer).slice(0, MAX_SIGNERS_WITHOUT_KID);
      // The same checks as the server's import (kid, thumbprint, country, key usage, expiry).
      signers = importTrustList(entries, { now: new Date() }).then(({ signers: trusted }) => trusted);
      cache.set(key, signers);
    }
    return signers;
  };
  const lists = { valueSets: valueSetCodes(stored.bundle.valueSets), signersFor };
  parsed = { etag: stored.etag, lists };
  return { ...lists, stored };
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
    const trustListReadAt = response.headers.get('x-trust-list-read-at') ?? undefined;
    const confirmed = { confirmedAt: new Date().toISOString(), ...(trustListReadAt && { trustListReadAt }) };
    if (response.status === 304 && cached) {
      const { trustListReadAt: _previous, ...rest } = cached;
      stored = { ...rest, ...confirmed };
      online = true;
    } else if (response.ok) {
      stored = { bundle: (await response.json()) as ListsBundle, etag: response.headers.get('etag'), ...confirmed };
      online = true;
    } else {
      error = `Le serveur a répondu ${response.status}.`;
    }
    if (online && stored) await set(KEY, stored).catch(() => undefined);
  } catch {
    error = 'Le serveur est injoignable.';
  }
  const next: ListsState = stored ? { status: 'ready', lists: prepare(stored), online } : { status: 'none', ...(error && { error }) };
  state.set(next);
  return next;
}

/** The lists to verify with now: refreshed when older than a few minutes and the server answers. */
export async function currentVerifierLists(): Promise<ListsState> {
  const current = state.get();
  if (current.status === 'ready' && Date.now() - Date.parse(current.lists.stored.confirmedAt) < 5 * 60_000) return current;
  return refreshVerifierLists();
}

/** When the lists are from: the last confirmation by the server, or its last read of the trust list if older. */
export function listsDate(lists: ReadyLists): string {
  const { confirmedAt, trustListReadAt } = lists.stored;
  return trustListReadAt && Date.parse(trustListReadAt) < Date.parse(confirmedAt) ? trustListReadAt : confirmedAt;
}

/** Hours since `listsDate`. */
export function listsAgeHours(lists: ReadyLists, now: Date = new Date()): number {
  return (now.getTime() - Date.parse(listsDate(lists))) / 3_600_000;
}

/** The device's clock is behind the last confirmation of its lists: their age cannot be told. */
export function clockBehindLists(lists: ReadyLists, now: Date = new Date()): boolean {
  return now.getTime() < Date.parse(lists.stored.confirmedAt) - 5 * 60_000;
}
