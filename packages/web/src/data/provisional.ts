import { verifyWithTrustList, type ProvisionalVerification, type TrustList } from '@prostopcovid/continuity';
import { get, set } from 'idb-keyval';
import { ProvisionalVerdict, TrustListAnswer } from '@prostopcovid/contracts/attestations';
import { ApiError, NetworkError, apiRequest } from './api';

export { isProvisionalText, PROVISIONAL_PREFIX, type ProvisionalVerification } from '@prostopcovid/continuity';

const TRUST_LIST_KEY = 'verifier-trust-list';

/** The keys and incident windows a verifier needs offline, saved in IndexedDB. */
export function cachedTrustList(): Promise<TrustList | undefined> {
  return get<TrustList>(TRUST_LIST_KEY).catch(() => undefined);
}

/** Fetches the trust list and caches it; offline, the cached one (or undefined). */
export async function refreshTrustList(): Promise<{ trustList: TrustList | undefined; fresh: boolean }> {
  try {
    const trustList = await apiRequest(TrustListAnswer, 'GET', '/api/verifier/trust-list');
    await set(TRUST_LIST_KEY, trustList).catch(() => undefined);
    return { trustList, fresh: true };
  } catch {
    return { trustList: await cachedTrustList(), fresh: false };
  }
}

export type ProvisionalCheck =
  | { mode: 'online'; verdict: ProvisionalVerification }
  /** Checked in the browser against the trust list saved at `trustListDate`. */
  | { mode: 'offline'; verdict: ProvisionalVerification; trustListDate: string };

/**
 * Online, the server decides with the current keys and incidents. With the server out of
 * reach (network down, server down or failing), the same check runs here against the cached
 * trust list: a key revoked or an incident closed since it was saved is not known then.
 */
export async function verifyProvisional(text: string): Promise<ProvisionalCheck> {
  try {
    return { mode: 'online', verdict: await apiRequest(ProvisionalVerdict, 'POST', '/api/verifier/provisional', { text: text.trim() }) };
  } catch (error) {
    if (!(error instanceof NetworkError || (error instanceof ApiError && error.status >= 500))) throw error;
    const trustList = await cachedTrustList();
    if (!trustList) {
      throw new Error("Le serveur est injoignable et ce navigateur n'a pas encore de liste de confiance : ouvrez cette page une fois avec une connexion pour pouvoir vérifier hors ligne.", { cause: error });
    }
    return { mode: 'offline', verdict: await verifyWithTrustList(text, trustList, new Date()), trustListDate: trustList.generatedAt };
  }
}
