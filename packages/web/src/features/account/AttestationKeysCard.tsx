import { useCallback, useEffect, useState } from 'react';
import { listAttestationKeys, revokeAttestationKey } from '../../data/attestation-key';
import { ErrorAlert } from '../../ui/form-feedback';

type Keys = Awaited<ReturnType<typeof listAttestationKeys>>;
type State = { status: 'loading' } | { status: 'loaded'; value: Keys } | { status: 'error'; message: string };

const message = (e: unknown) => (e instanceof Error ? e.message : 'Erreur inconnue');
const when = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });

/**
 * The browsers that sign this professional's provisional test attestations (one key each, at
 * most ten): which one is this browser, and revoking those no longer used (a private window, a
 * former computer) — otherwise a new browser cannot sign.
 */
export function AttestationKeysCard({ idNatPs }: { idNatPs: string }) {
  const [state, setState] = useState<State>({ status: 'loading' });
  const [revoking, setRevoking] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    () =>
      listAttestationKeys(idNatPs).then(
        (value) => setState({ status: 'loaded', value }),
        (e: unknown) => setState({ status: 'error', message: message(e) }),
      ),
    [idNatPs],
  );
  useEffect(() => {
    void load();
  }, [load]);

  async function revoke(kid: string, label: string) {
    if (!window.confirm(`Révoquer la clé de ${label} ? Ses attestations déjà remises restent vérifiables ; ce navigateur-là ne pourra plus en signer.`)) return;
    setRevoking(kid);
    setError(null);
    try {
      await revokeAttestationKey(idNatPs, kid);
      await load();
    } catch (e) {
      setError(message(e));
    } finally {
      setRevoking(null);
    }
  }

  const active = state.status === 'loaded' ? state.value.keys.filter((k) => k.revokedAt === null) : [];
  const thisBrowser = state.status === 'loaded' ? state.value.thisBrowser : null;
  const enrolledHere = thisBrowser !== null && active.some((k) => k.kid === thisBrowser);
  return (
    <section className="card" aria-labelledby="titre-cles-attestation" data-testid="attestation-keys">
      <h2 id="titre-cles-attestation">Navigateurs qui signent mes attestations provisoires</h2>
      <p className="hint">
        Chaque navigateur où vous enregistrez des tests a sa propre clé, pour signer le QR code des attestations provisoires remises pendant une panne (dix
        navigateurs au plus). Révoquez ceux que vous n'utilisez plus : une fenêtre de navigation privée fermée, un ancien ordinateur.
      </p>
      {state.status === 'loading' && <p role="status">Chargement…</p>}
      {state.status === 'error' && <ErrorAlert>{state.message}</ErrorAlert>}
      {state.status === 'loaded' && !enrolledHere && (
        <p className="alert alert-warning" data-testid="attestation-key-missing">
          Ce navigateur n'a pas de clé enregistrée : il ne peut pas signer d'attestation provisoire.
          {active.length >= 10 ? ' Le nombre maximal de navigateurs est atteint : révoquez-en un ci-dessous.' : ' Rechargez la page avec une connexion pour l’enregistrer.'}
        </p>
      )}
      <ErrorAlert>{error}</ErrorAlert>
      {state.status === 'loaded' && active.length === 0 && <p>Aucune clé enregistrée.</p>}
      {active.length > 0 && (
        <ul className="key-list">
          {active.map((key) => {
            const label = key.kid === thisBrowser ? 'ce navigateur' : `l'appareil enregistré le ${when.format(new Date(key.enrolledAt))}`;
            return (
              <li key={key.kid}>
                <strong>{key.kid === thisBrowser ? 'Ce navigateur' : describeBrowser(key.userAgent)}</strong> — enregistrée le {when.format(new Date(key.enrolledAt))}{' '}
                <span className="mono hint">{key.kid.slice(0, 12)}</span>{' '}
                <button type="button" className="button small secondary" onClick={() => void revoke(key.kid, label)} disabled={revoking !== null} aria-label={`Révoquer la clé de ${label}`}>
                  {revoking === key.kid ? 'Révocation…' : 'Révoquer'}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** "Firefox sur Windows": enough to recognise one's own browsers, without the whole user agent. */
function describeBrowser(userAgent: string | null): string {
  if (!userAgent) return 'Navigateur inconnu';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox' : /Chrome\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : 'Navigateur';
  const system = /Windows/.test(userAgent) ? 'Windows' : /Android/.test(userAgent) ? 'Android' : /iPhone|iPad/.test(userAgent) ? 'iOS' : /Mac OS X/.test(userAgent) ? 'macOS' : /Linux/.test(userAgent) ? 'Linux' : null;
  return system ? `${browser} sur ${system}` : browser;
}
