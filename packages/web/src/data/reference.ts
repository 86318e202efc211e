import { get, set } from 'idb-keyval';
import { TestDevices, VaccineProducts, type TestDevice, type VaccineProduct } from '@prostopcovid/contracts/reference';
import type { Static, TSchema } from 'typebox';
import { apiRequest } from './api';
import { createLocalState } from './local-state';

export type { TestDevice, VaccineProduct };

export type ListState<T> =
  | { status: 'idle' | 'loading' }
  /** `stale`: shown from the IndexedDB copy, the server has not (yet) answered. */
  | { status: 'loaded'; items: T[]; stale: boolean }
  | { status: 'error'; message: string };

interface ReferenceState {
  devices: ListState<TestDevice>;
  vaccines: ListState<VaccineProduct>;
}

/**
 * The reference lists of the act forms: static and small, so loaded once per page load and
 * kept in IndexedDB, ready for the offline portal (docs/domain.md, Continuity).
 */
const state = createLocalState<ReferenceState>({ devices: { status: 'idle' }, vaccines: { status: 'idle' } });

export function useReference<T>(select: (s: ReferenceState) => T): T {
  return state.use(select);
}

type Lists = { devices: TestDevice; vaccines: VaccineProduct };

function setList<K extends keyof Lists>(key: K, list: ListState<Lists[K]>): void {
  state.update({ [key]: list });
}

const inFlight = new Map<keyof Lists, Promise<void>>();

/** Shows the IndexedDB copy at once if there is one, then replaces it with the server's list. */
function loadList<K extends keyof Lists, S extends TSchema>(key: K, cacheKey: string, path: string, answer: S, extract: (payload: Static<S>) => Array<Lists[K]>, force: boolean): Promise<void> {
  const current = state.get()[key];
  if (!force && current.status === 'loaded' && !current.stale) return Promise.resolve();
  const running = inFlight.get(key);
  if (running) return running;
  const promise = (async () => {
    if (state.get()[key].status !== 'loaded') setList(key, { status: 'loading' });
    const cached = await get<Array<Lists[K]>>(cacheKey).catch(() => undefined);
    if (cached && state.get()[key].status !== 'loaded') setList(key, { status: 'loaded', items: cached, stale: true });
    try {
      const items = extract(await apiRequest(answer, 'GET', path));
      setList(key, { status: 'loaded', items, stale: false });
      await set(cacheKey, items).catch(() => undefined);
    } catch (error) {
      // With a cached copy the form stays usable; without one, say why it cannot be.
      if (state.get()[key].status !== 'loaded') setList(key, { status: 'error', message: error instanceof Error ? error.message : 'Erreur inconnue' });
    } finally {
      inFlight.delete(key);
    }
  })();
  inFlight.set(key, promise);
  return promise;
}

export function loadTestDevices(force = false): Promise<void> {
  return loadList('devices', 'reference:test-devices', '/api/reference/test-devices', TestDevices, (p) => p.devices, force);
}

export function loadVaccineProducts(force = false): Promise<void> {
  return loadList('vaccines', 'reference:vaccines', '/api/reference/vaccines', VaccineProducts, (p) => p.products, force);
}

/** Lower case, without accents: "Rapid" matches "rapid", "Réf" matches "ref". */
export function normalizeForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

/** Devices whose "Brand, Reference" contains every word typed, in any order. */
export function searchDevices(devices: readonly TestDevice[], query: string): TestDevice[] {
  const words = normalizeForSearch(query).split(/[\s,]+/).filter(Boolean);
  if (words.length === 0) return [...devices];
  return devices.filter((device) => {
    const name = normalizeForSearch(device.name);
    return words.every((word) => name.includes(word));
  });
}
