import QRCode from 'qrcode';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../../data/api';
import {
  activateFallbackAccount,
  deleteFallbackAccount,
  fetchFallbackAccount,
  groupSecret,
  normalizeTotpCode,
  PASSWORD_MIN_LENGTH,
  startFallbackEnrollment,
  type FallbackAccountStatus,
  type FallbackEnrollment,
} from '../../data/fallback';
import type { Me } from '../../data/store';
import { TotpCodeField } from '../auth/TotpCodeField';
import { AttestationKeysCard } from './AttestationKeysCard';
import { ErrorAlert, SubmitButton } from '../../ui/form-feedback';

const message = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : 'Erreur inconnue');
const dateTime = (iso: string) => new Date(iso).toLocaleString('fr-FR', { dateStyle: 'long', timeStyle: 'short' });

type AccountState = { status: 'loading' } | { status: 'loaded'; account: FallbackAccountStatus } | { status: 'error'; message: string };

/** The professional's second sign-in channel: created and removed only from a Pro Santé Connect session. */
export function FallbackAccountPage({ me }: { me: Me }) {
  const [state, setState] = useState<AccountState>({ status: 'loading' });
  const [enrollment, setEnrollment] = useState<FallbackEnrollment | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // A session opened through the second channel cannot change it (the server refuses too).
  const viaFallback = me.session.authMeans === 'fallback-totp';

  // Never rejects: a failure is shown in place of the account.
  function load() {
    return fetchFallbackAccount().then(
      (account) => setState({ status: 'loaded', account }),
      (e: unknown) => setState({ status: 'error', message: message(e) }),
    );
  }
  useEffect(() => {
    void load();
  }, []);

  async function enroll() {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setEnrollment(await startFallbackEnrollment());
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!confirm('Supprimer votre accès de secours ? Vous ne pourrez plus vous connecter sans Pro Santé Connect.')) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      await deleteFallbackAccount();
      setDone('Votre accès de secours a été supprimé.');
      await load();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Mon accès de secours</h1>
      <section className="card" aria-labelledby="titre-acces-secours">
        <h2 id="titre-acces-secours">Se connecter quand Pro Santé Connect est indisponible</h2>
        <p>
          L'accès de secours associe un mot de passe et un code à 6 chiffres produit par une application d'authentification installée sur
          votre téléphone (par exemple FreeOTP, Google Authenticator ou Microsoft Authenticator). Il permet de vous connecter sur la page{' '}
          <a href="/connexion-secours">Connexion de secours</a> pour continuer à enregistrer vos actes lorsque Pro Santé Connect ne répond pas.
        </p>
        {state.status === 'loading' && <p role="status">Chargement…</p>}
        <ErrorAlert>{state.status === 'error' && state.message}</ErrorAlert>
        {state.status === 'loaded' && <AccountSummary account={state.account} />}
        {viaFallback && (
          <p className="alert alert-info" role="status">
            Vous êtes connecté(e) par la connexion de secours : pour créer, remplacer ou supprimer cet accès, connectez-vous avec Pro Santé
            Connect.
          </p>
        )}
        {done && (
          <p className="alert alert-success" role="status">
            {done}
          </p>
        )}
        <ErrorAlert>{error}</ErrorAlert>
        {state.status === 'loaded' && !viaFallback && !enrollment && (state.account.signInMode !== 'never' || state.account.enrolled) && (
          <div className="button-row">
            {state.account.signInMode !== 'never' && (
              <button type="button" onClick={() => void enroll()} disabled={busy}>
                {state.account.enrolled ? 'Remplacer mon accès de secours' : 'Créer mon accès de secours'}
              </button>
            )}
            {state.account.enrolled && (
              <button type="button" className="button secondary" onClick={() => void remove()} disabled={busy}>
                Supprimer mon accès de secours
              </button>
            )}
          </div>
        )}
      </section>
      {enrollment && (
        <EnrollmentForm
          me={me}
          enrollment={enrollment}
          onCancel={() => setEnrollment(null)}
          onActivated={(account) => {
            setEnrollment(null);
            setState({ status: 'loaded', account });
            setDone('Votre accès de secours est activé. Conservez votre mot de passe : il ne pourra pas être affiché de nouveau.');
          }}
        />
      )}
      {me.rights.includes('tests:record') && <AttestationKeysCard idNatPs={me.idNatPs} />}
    </>
  );
}

function AccountSummary({ account }: { account: FallbackAccountStatus }) {
  if (account.signInMode === 'never' && !account.enrolled) return <p className="alert alert-info">La connexion de secours n'est pas proposée sur ce service.</p>;
  return (
    <>
      {account.enrolled ? (
        <dl className="identity" data-testid="fallback-status">
          <dt>État</dt>
          <dd>Accès de secours actif</dd>
          <dt>Créé le</dt>
          <dd>{account.enrolledAt ? dateTime(account.enrolledAt) : '—'}</dd>
          <dt>Dernière utilisation</dt>
          <dd>{account.lastUsedAt ? dateTime(account.lastUsedAt) : 'Jamais utilisé'}</dd>
        </dl>
      ) : (
        <p data-testid="fallback-status">Vous n'avez pas encore d'accès de secours.</p>
      )}
      <p className="hint">
        {account.signInMode === 'always'
          ? 'Sur ce service, la connexion de secours est toujours ouverte.'
          : account.signInMode === 'never'
            ? "La connexion de secours n'est plus proposée sur ce service : vous pouvez supprimer cet accès."
            : "La connexion de secours n'est ouverte que pendant un incident Pro Santé Connect déclaré."}
      </p>
    </>
  );
}

function EnrollmentForm({
  me,
  enrollment,
  onCancel,
  onActivated,
}: {
  me: Me;
  enrollment: FallbackEnrollment;
  onCancel: () => void;
  onActivated: (account: FallbackAccountStatus) => void;
}) {
  const [qr, setQr] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [totpCode, setTotpCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    QRCode.toDataURL(enrollment.otpauthUri, { errorCorrectionLevel: 'M', margin: 2, width: 220 }).then(setQr, () => setQr(null));
  }, [enrollment.otpauthUri]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const code = normalizeTotpCode(totpCode);
    if ([...password].length < PASSWORD_MIN_LENGTH) return setError(`Le mot de passe doit comporter au moins ${PASSWORD_MIN_LENGTH} caractères.`);
    if (password !== confirmation) return setError('Les deux mots de passe saisis sont différents.');
    if (!/^\d{6}$/.test(code)) return setError("Saisissez le code à 6 chiffres affiché par l'application d'authentification.");
    setBusy(true);
    setError(null);
    try {
      onActivated(await activateFallbackAccount({ password, totpCode: code }));
    } catch (e) {
      setError(message(e));
      setBusy(false);
    }
  }

  const expiresAt = new Date(enrollment.expiresAt).toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' });
  return (
    <form className="card" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="titre-inscription">
      <h2 id="titre-inscription">Créer l'accès de secours</h2>
      <ol>
        <li>
          <p>Scannez ce QR code avec votre application d'authentification.</p>
          <div className="qr-block">
            {qr && <img src={qr} alt="QR code à scanner avec l'application d'authentification" width={220} height={220} />}
            <p className="hint">
              Impossible de scanner ? Saisissez cette clé dans l'application (compte « ProStopCovid », {me.idNatPs}) :
              <br />
              <code className="mono fallback-secret" data-testid="fallback-secret">
                {groupSecret(enrollment.secret)}
              </code>
            </p>
          </div>
        </li>
        <li>
          <p>Choisissez un mot de passe d'au moins {PASSWORD_MIN_LENGTH} caractères, différent de vos autres mots de passe.</p>
          <div className="field">
            <label htmlFor="inscription-mdp">Mot de passe de secours</label>
            <input id="inscription-mdp" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="inscription-confirmation">Confirmez le mot de passe</label>
            <input
              id="inscription-confirmation"
              type="password"
              autoComplete="new-password"
              value={confirmation}
              onChange={(e) => setConfirmation(e.target.value)}
              required
            />
          </div>
        </li>
        <li>
          <TotpCodeField id="inscription-code" label="Code à 6 chiffres affiché par l'application" value={totpCode} onChange={setTotpCode} />
        </li>
      </ol>
      <p className="hint">À valider avant {expiresAt} ; passé ce délai, recommencez.</p>
      <ErrorAlert>{error}</ErrorAlert>
      <div className="button-row">
        <SubmitButton busy={busy} busyLabel="Activation…" label="Activer l'accès de secours" />
        <button type="button" className="button secondary" onClick={onCancel} disabled={busy}>
          Annuler
        </button>
      </div>
    </form>
  );
}
