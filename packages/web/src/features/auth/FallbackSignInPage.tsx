import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../../data/api';
import { fetchFallbackChannelStatus, normalizeTotpCode, signInWithFallback, type FallbackChannelStatus } from '../../data/fallback';
import { refreshCurrentIncidents } from '../../data/incidents';
import { noteSignInStarted } from '../../data/store';
import { TotpCodeField } from './TotpCodeField';
import { ErrorAlert, SubmitButton } from '../../ui/form-feedback';

type StatusState = { status: 'loading' } | { status: 'loaded'; channel: FallbackChannelStatus } | { status: 'error'; message: string };

/** Only a path of this site (the server checks again). */
function returnToFromQuery(): string {
  const value = new URLSearchParams(location.search).get('returnTo');
  return value && /^\/(?![/\\])/.test(value) ? value : '/';
}

/**
 * The second sign-in channel: for professionals who enrolled beforehand, while Pro Santé
 * Connect is unavailable (or always, if the service is configured so).
 */
export function FallbackSignInPage() {
  const [state, setState] = useState<StatusState>({ status: 'loading' });
  const [idNatPs, setIdNatPs] = useState('');
  const [password, setPassword] = useState('');
  const [totpCode, setTotpCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    fetchFallbackChannelStatus().then(
      (channel) => setState({ status: 'loaded', channel }),
      (e: unknown) => setState({ status: 'error', message: e instanceof Error ? e.message : 'Erreur inconnue' }),
    );
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const id = idNatPs.trim();
    const code = normalizeTotpCode(totpCode);
    if (!/^(8\d{11}|0\d{9})$/.test(id)) return setError('Saisissez votre identifiant national (RPPS : 8 suivi de 11 chiffres, ou ADELI : 0 suivi de 9 chiffres).');
    if (!password) return setError('Saisissez votre mot de passe de secours.');
    if (!/^\d{6}$/.test(code)) return setError("Saisissez le code à 6 chiffres affiché par votre application d'authentification.");
    setBusy(true);
    setError(null);
    try {
      const result = await signInWithFallback({ idNatPs: id, password, totpCode: code, returnTo: returnToFromQuery() });
      location.assign(result.returnTo);
    } catch (e) {
      // A code is accepted once: the next attempt needs the next code.
      setTotpCode('');
      setError(e instanceof ApiError || e instanceof Error ? e.message : 'Erreur inconnue');
      setBusy(false);
      // The incident ended since the page was opened: the form goes, and the banner is refreshed.
      if (e instanceof ApiError && e.code === 'AUTH_FALLBACK_DISABLED' && state.status === 'loaded') {
        setState({ status: 'loaded', channel: { ...state.channel, open: false } });
        void refreshCurrentIncidents();
      }
    }
  }

  const channel = state.status === 'loaded' ? state.channel : null;
  return (
    <section className="card narrow" aria-labelledby="titre-secours">
      <h1 id="titre-secours">Connexion de secours</h1>
      <p>
        Lorsque Pro Santé Connect est indisponible, les professionnels qui ont créé au préalable un accès de secours (mot de passe et
        application d'authentification) peuvent se connecter ici pour continuer à enregistrer leurs actes.
      </p>
      <p className="hint">
        L'accès de secours se crée depuis la page « Mon accès de secours », après une connexion avec Pro Santé Connect.
        {channel?.mode === 'incident' && ' Cette connexion n’est ouverte que pendant un incident Pro Santé Connect déclaré.'}
      </p>
      {state.status === 'loading' && (
        <p role="status" aria-live="polite">
          Vérification de la disponibilité…
        </p>
      )}
      <ErrorAlert>{state.status === 'error' && state.message}</ErrorAlert>
      {channel && !channel.open && error && (
        <p className="alert alert-error" role="alert" id="erreur-secours">
          {error}
        </p>
      )}
      {channel && !channel.open && (
        <div className="alert alert-info" role="status">
          {/* After a refused attempt, the server's message above already says why. */}
          {!error && (
            <p>
              {channel.mode === 'never'
                ? "La connexion de secours n'est pas proposée sur ce service."
                : "La connexion de secours est fermée : aucun incident Pro Santé Connect n'est en cours."}
            </p>
          )}
          <p>
            <a href={`/auth/login?returnTo=${encodeURIComponent(returnToFromQuery())}`} onClick={noteSignInStarted}>Se connecter avec Pro Santé Connect</a>
          </p>
        </div>
      )}
      {channel?.open && (
        <form onSubmit={(event) => void submit(event)} noValidate aria-describedby={error ? 'erreur-secours' : undefined}>
          <div className="field">
            <label htmlFor="secours-id">Identifiant national (RPPS ou ADELI)</label>
            <input id="secours-id" type="text" inputMode="numeric" autoComplete="username" value={idNatPs} onChange={(e) => setIdNatPs(e.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="secours-mdp">Mot de passe de secours</label>
            <input id="secours-mdp" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
          </div>
          <TotpCodeField id="secours-code" label="Code à 6 chiffres de l'application d'authentification" value={totpCode} onChange={setTotpCode} />
          {error && (
            <p className="alert alert-error" role="alert" id="erreur-secours">
              {error}
            </p>
          )}
          <SubmitButton busy={busy} busyLabel="Connexion…" label="Se connecter" />
        </form>
      )}
      <p className="hint">
        <a href="/">Retour à la connexion Pro Santé Connect</a>
      </p>
    </section>
  );
}
