import { computeKid, generateAttestationKeyPair, publicJwkOf, signProvisionalTest, type ProvisionalTestClaims } from '@prostopcovid/continuity';
import { del, get, set } from 'idb-keyval';
import { EnrolledKey, OwnKeys } from '@prostopcovid/contracts/attestations';
import { Type, type Static } from 'typebox';
import { ApiError, NetworkError, apiRequest } from './api';

/**
 * The key this browser signs provisional test attestations with (docs/domain.md, Continuity).
 *
 * Generated here with WebCrypto, its private half non-extractable: it never leaves this
 * browser profile, not even to the page's own scripts. IndexedDB keeps the CryptoKey objects
 * themselves. Its public half is enrolled with the server while online; attestations signed
 * offline are then checked by verifiers against the server's trust list. One key per
 * professional and browser profile: another browser, profile or computer gets its own key,
 * and clearing the site's data loses it (a new one is enrolled at the next online visit).
 */
interface StoredKey {
  pair: CryptoKeyPair;
  kid: string;
  publicJwk: JsonWebKey;
  enrolled: boolean;
}

export interface AttestationKey {
  kid: string;
  privateKey: CryptoKey;
  enrolled: true;
}

const storageKey = (idNatPs: string) => `attestation-key:${idNatPs}`;

/** The signed-in professional as store.ts last saved them (works offline). */
async function cachedIdNatPs(): Promise<string> {
  const me = await get<{ idNatPs?: string }>('me').catch(() => undefined);
  if (!me?.idNatPs) throw new Error("Connectez-vous au portail pour signer des attestations provisoires.");
  return me.idNatPs;
}

/** One tab at a time: two tabs would otherwise each create and enroll a key. */
function exclusively<T>(task: () => Promise<T>): Promise<T> {
  // The lock's promise resolves with the task's result (the DOM typing nests the promise).
  return navigator.locks ? (navigator.locks.request('attestation-key', task) as unknown as Promise<T>) : task();
}

async function createKey(idNatPs: string): Promise<StoredKey> {
  const pair = await generateAttestationKeyPair();
  const publicJwk = publicJwkOf(await crypto.subtle.exportKey('jwk', pair.publicKey));
  const stored = { pair, kid: await computeKid(publicJwk), publicJwk, enrolled: false };
  await set(storageKey(idNatPs), stored);
  return stored;
}

/**
 * Enrolls the key (idempotent on the server). A key the server says is revoked or someone
 * else's is replaced by a new one, enrolled in turn.
 */
async function enroll(idNatPs: string, stored: StoredKey): Promise<StoredKey> {
  try {
    await apiRequest(EnrolledKey, 'POST', '/api/attestation-keys', { publicJwk: stored.publicJwk });
  } catch (error) {
    if (error instanceof ApiError && (error.code === 'ATTESTATIONS_KEY_REVOKED' || error.code === 'ATTESTATIONS_KEY_TAKEN')) {
      await del(storageKey(idNatPs));
      const fresh = await createKey(idNatPs);
      await apiRequest(EnrolledKey, 'POST', '/api/attestation-keys', { publicJwk: fresh.publicJwk });
      return saveEnrolled(idNatPs, fresh);
    }
    throw error;
  }
  return saveEnrolled(idNatPs, stored);
}

async function saveEnrolled(idNatPs: string, stored: StoredKey): Promise<StoredKey> {
  const enrolled = { ...stored, enrolled: true };
  await set(storageKey(idNatPs), enrolled);
  return enrolled;
}

const NEVER_ENROLLED =
  "Ce navigateur n'a pas encore de clé de signature enregistrée auprès du serveur : l'attestation ne peut pas porter de QR code vérifiable. Ouvrez le portail une fois avec une connexion pour l'enregistrer.";

/**
 * This browser's enrolled key, created and enrolled on first use. Once enrolled it answers
 * from IndexedDB without the network (printing must work through an outage). Throws a
 * French error when the key was never enrolled and the server cannot be reached: an
 * attestation signed by a key the server never saw would be refused by every verifier.
 */
export async function ensureAttestationKey(idNatPs?: string): Promise<AttestationKey> {
  const owner = idNatPs ?? (await cachedIdNatPs());
  return exclusively(async () => {
    let stored = (await get<StoredKey>(storageKey(owner))) ?? (await createKey(owner));
    if (!stored.enrolled) {
      try {
        stored = await enroll(owner, stored);
      } catch (error) {
        if (error instanceof NetworkError || (error instanceof ApiError && error.status >= 500)) throw new Error(NEVER_ENROLLED, { cause: error });
        throw error;
      }
    }
    return { kid: stored.kid, privateKey: stored.pair.privateKey, enrolled: true };
  });
}

/**
 * To call when the portal opens online: creates and enrolls the key before any outage, and
 * replaces a key revoked meanwhile (from another browser). Network failures are ignored.
 */
export async function syncAttestationKey(idNatPs?: string): Promise<void> {
  try {
    const owner = idNatPs ?? (await cachedIdNatPs());
    await exclusively(async () => {
      const stored = (await get<StoredKey>(storageKey(owner))) ?? (await createKey(owner));
      await enroll(owner, stored);
    });
  } catch {
    // Offline or signed out: ensureAttestationKey says so when an attestation is printed.
  }
}

/** Signs a provisional test attestation with this browser's key: the QR code's text (PSCV1:…). */
export async function signTestAttestation(claims: ProvisionalTestClaims): Promise<string> {
  const key = await ensureAttestationKey(claims.professional.idNatPs);
  return signProvisionalTest(key.privateKey, key.kid, claims);
}

/** The professional's enrolled signing keys, one per browser profile, and which one is this browser's. */
export async function listAttestationKeys(idNatPs: string): Promise<{ keys: Static<typeof OwnKeys>['keys']; thisBrowser: string | null }> {
  const [{ keys }, stored] = await Promise.all([apiRequest(OwnKeys, 'GET', '/api/attestation-keys'), get<StoredKey>(storageKey(idNatPs)).catch(() => undefined)]);
  return { keys, thisBrowser: stored?.enrolled ? stored.kid : null };
}

/**
 * Revokes a key (a browser no longer used, a private window long closed); then this browser's
 * own key is enrolled if it was not (the limit of browsers may have stopped it).
 */
export async function revokeAttestationKey(idNatPs: string, kid: string): Promise<void> {
  await apiRequest(Type.Undefined(), 'DELETE', `/api/attestation-keys/${encodeURIComponent(kid)}`);
  await syncAttestationKey(idNatPs);
}
