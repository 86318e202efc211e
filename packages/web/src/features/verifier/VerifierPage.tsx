import { STEP_LABELS, STEP_ORDER, type StepOutcome } from '@prostopcovid/dcc';
import { Fragment, useEffect, useRef, useState, type FormEvent } from 'react';
import { formatDateTime, formatDay } from '../../data/certificates';
import { checkPass, type PassCheck } from '../../data/pass';
import { isProvisionalText, refreshTrustList, verifyProvisional, type ProvisionalCheck } from '../../data/provisional';
import { readQrFromImage } from '../../data/qr-image';
import { clockBehindLists, listsAgeHours, listsDate, refreshVerifierLists, useVerifierLists } from '../../data/verifier-lists';
import { CameraScanner } from './CameraScanner';
import { certificateFields } from './certificate-fields';
import { ProvisionalResult } from './ProvisionalResult';
import { ErrorAlert, SubmitButton } from '../../ui/form-feedback';

const outcomeLabels: Record<StepOutcome, { icon: string; text: string }> = {
  passed: { icon: '✔', text: 'réussi' },
  failed: { icon: '✖', text: 'échec' },
  skipped: { icon: '—', text: 'non vérifié' },
};
const kindLabels: Record<string, string> = { test: 'Test', vaccination: 'Vaccination', recovery: 'Rétablissement' };
const ruleResults: Record<string, string> = { passed: 'respectée', failed: 'non respectée', open: 'non évaluable' };

type Mode = 'pass' | 'detailed';

const plural = (count: number, word: string) => `${count} ${word}${count > 1 ? 's' : ''}`;
const MODE_KEY = 'verifier-mode';

/** "il y a 3 min", "il y a 5 h", "il y a 2 jours". */
function age(hours: number): string {
  if (hours < 1) return `il y a ${Math.max(0, Math.round(hours * 60))} min`;
  if (hours < 48) return `il y a ${Math.round(hours)} h`;
  return `il y a ${Math.round(hours / 24)} jours`;
}

function ListsStatus() {
  const state = useVerifierLists();
  if (state.status === 'loading') return <p className="hint">Chargement des listes de vérification…</p>;
  if (state.status === 'none') {
    return (
      <p className="alert alert-warning" data-testid="lists-status">
        Les listes de vérification (signataires, règles, référentiels de l'UE) ne sont pas encore sur cet appareil{state.error ? ` : ${state.error}` : ''} Ouvrez cette page
        une fois avec une connexion pour pouvoir vérifier hors ligne.
      </p>
    );
  }
  const { stored } = state.lists;
  const hours = listsAgeHours(state.lists);
  const clockWrong = clockBehindLists(state.lists);
  const stale = clockWrong || hours > stored.bundle.maxAgeHours;
  return (
    <p className={stale ? 'alert alert-warning' : 'hint'} data-testid="lists-status">
      Listes de vérification ({plural(stored.bundle.signers.length, 'signataire')}, {plural(stored.bundle.rules.length, 'règle')}) à jour du {formatDateTime(listsDate(state.lists))}
      {clockWrong ? '' : ` (${age(hours)})`}
      {state.online ? '' : ', vérification hors ligne'}
      {clockWrong
        ? " : l'horloge de cet appareil est en retard sur cette date, aucun passe ne sera déclaré valide avant qu'elle soit réglée."
        : stale
          ? ` : plus de ${stored.bundle.maxAgeHours} h, aucun passe ne sera déclaré valide avant leur mise à jour.`
          : '.'}
    </p>
  );
}

function Verdict({ check, mode, headingRef }: { check: PassCheck; mode: Mode; headingRef: React.RefObject<HTMLHeadingElement | null> }) {
  const { verification } = check;
  const { status } = verification;
  const holder = status === 'valid' ? verification.holder : undefined;
  const title = status === 'valid' ? 'Passe valide' : status === 'invalid' ? 'Passe non valide' : 'Vérification impossible';
  const icon = status === 'valid' ? '✔ ' : status === 'invalid' ? '✖ ' : '⚠ ';
  return (
    <div className="verification" data-testid="verification">
      <div className={`verdict verdict-${status}`} role="status" data-testid="verdict" data-status={status}>
        <h2 ref={headingRef} tabIndex={-1}>
          <span aria-hidden="true">{icon}</span>
          {title}
        </h2>
        {verification.reason && <p data-testid="verify-reason">{verification.reason.message}</p>}
      </div>
      {holder && (
        <dl className="identity holder" data-testid="holder">
          <dt>Nom</dt>
          <dd>{holder.familyName || '—'}</dd>
          <dt>Prénom</dt>
          <dd>{holder.givenName || '—'}</dd>
          <dt>Date de naissance</dt>
          <dd>{holder.birthDate ? formatDay(holder.birthDate) : '—'}</dd>
        </dl>
      )}
      {mode === 'detailed' && <Details check={check} />}
    </div>
  );
}

function Details({ check }: { check: PassCheck }) {
  const { verification, lists } = check;
  const certificate = verification.certificate;
  return (
    <div data-testid="details">
      <p className="hint">
        Vérifié le {formatDateTime(check.validationClock.toISOString())} selon les règles du pays {check.country}.
      </p>
      {certificate && (
        <>
          <h3>Certificat</h3>
          <dl className="identity" data-testid="certificate-content">
            <dt>Type</dt>
            <dd>{kindLabels[certificate.kind] ?? certificate.kind}</dd>
            <dt>Pays émetteur</dt>
            <dd>{certificate.issuer || '—'}</dd>
            <dt>Émis le</dt>
            <dd>{certificate.issuedAt ? formatDateTime(certificate.issuedAt) : '—'}</dd>
            <dt>Expire le</dt>
            <dd>{certificate.expiresAt ? formatDateTime(certificate.expiresAt) : '—'}</dd>
            <dt>Signataire</dt>
            <dd>
              {certificate.signer.commonName ?? certificate.kid} ({certificate.signer.country}, {certificate.signer.origin === 'own' ? 'ce service' : 'liste de confiance'}), valable
              jusqu'au {formatDay(certificate.signer.notAfter.slice(0, 10))}
            </dd>
            {certificateFields(certificate.dcc, lists.stored.bundle.valueSets).map(([label, value]) => (
              <Fragment key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </Fragment>
            ))}
          </dl>
        </>
      )}
      <h3>Étapes de la vérification</h3>
      <ol className="steps" data-testid="steps">
        {STEP_ORDER.map((step) => {
          const outcome = verification.steps[step] ?? 'skipped';
          const label = outcomeLabels[outcome];
          return (
            <li key={step} className={`step step-${outcome}`}>
              <span className="step-name">{STEP_LABELS[step]}</span>
              <span className="step-outcome">
                <span aria-hidden="true">{label.icon}</span> {label.text}
              </span>
            </li>
          );
        })}
      </ol>
      {verification.rules.length > 0 && (
        <>
          <h3>Règles appliquées</h3>
          <ul className="rules" data-testid="rules">
            {verification.rules.map((rule) => (
              <li key={rule.identifier} className={`rule rule-${rule.result}`}>
                <span className="mono">
                  {rule.identifier} v{rule.version}
                </span>{' '}
                — {rule.description} <strong>({ruleResults[rule.result]})</strong>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

/**
 * Anyone (a venue, a transport operator) checks an EU Digital COVID Certificate, in this browser,
 * online or offline, with the lists kept from the server; or a provisional test attestation
 * printed during an outage (PSCV1:…). "Mode passe" shows only the verdict and the holder's name
 * and birth date; "mode détaillé", for professionals, the content, steps and rules.
 */
export function VerifierPage() {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [check, setCheck] = useState<PassCheck | null>(null);
  const [provisional, setProvisional] = useState<ProvisionalCheck | null>(null);
  const [trustListDate, setTrustListDate] = useState<string | null>(null);
  const [mode, setMode] = useState<Mode>(() => (localStorage.getItem(MODE_KEY) === 'detailed' ? 'detailed' : 'pass'));
  const [country, setCountry] = useState<string | null>(null);
  const [clock, setClock] = useState('');
  const lists = useVerifierLists();
  const verdict = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (check || provisional) verdict.current?.focus();
  }, [check, provisional]);

  // Online, the lists are saved for offline checks (EU certificates and provisional attestations).
  useEffect(() => {
    let live = true;
    void refreshVerifierLists();
    void refreshTrustList().then(({ trustList }) => {
      if (live) setTrustListDate(trustList?.generatedAt ?? null);
    });
    return () => {
      live = false;
    };
  }, []);

  function changeMode(next: Mode) {
    setMode(next);
    localStorage.setItem(MODE_KEY, next);
    // A verdict reached in the other mode (perhaps at another clock or country) is not shown in this one.
    reset();
  }

  async function verify(content: string) {
    if (isProvisionalText(content)) return setProvisional(await verifyProvisional(content));
    const validationClock = mode === 'detailed' && clock ? new Date(clock) : undefined;
    if (validationClock && Number.isNaN(validationClock.getTime())) return setError('La date et l’heure de vérification sont invalides.');
    setCheck(await checkPass(content, { ...(mode === 'detailed' && country && { country }), ...(validationClock && { validationClock }) }));
  }

  function reset() {
    setError(null);
    setCheck(null);
    setProvisional(null);
  }

  async function run(action: () => Promise<void>) {
    reset();
    setBusy(true);
    try {
      await action();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Erreur inconnue');
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!text.trim()) {
      reset();
      return setError('Collez le contenu du QR code (texte commençant par « HC1: » ou « PSCV1: »), donnez une image ou scannez-le.');
    }
    void run(() => verify(text));
  }

  function readImage(file: File | undefined) {
    if (!file) return;
    void run(async () => {
      const content = await readQrFromImage(file);
      if (!content) throw new Error('Aucun QR code lisible sur cette image. Essayez une image plus nette, QR code bien à plat.');
      setText(content);
      await verify(content);
    });
  }

  function scanned(content: string) {
    setText(content);
    void run(() => verify(content));
  }

  const countries = lists.status === 'ready' ? lists.lists.stored.bundle.countries : [];
  const defaultCountry = lists.status === 'ready' ? lists.lists.stored.bundle.country : 'FR';

  return (
    <section className="card" aria-labelledby="titre-verifier">
      <h1 id="titre-verifier">Vérifier un passe</h1>
      <fieldset className="inline-choices mode-choice">
        <legend>Affichage</legend>
        <label className="choice">
          <input type="radio" name="mode" checked={mode === 'pass'} onChange={() => changeMode('pass')} /> Mode passe (lieux, transports) : verdict, nom, prénom et date de
          naissance
        </label>
        <label className="choice">
          <input type="radio" name="mode" checked={mode === 'detailed'} onChange={() => changeMode('detailed')} /> Mode détaillé (professionnels) : contenu, étapes et règles
        </label>
      </fieldset>
      <ListsStatus />
      <p className="hint" data-testid="trust-list-status">
        Les attestations provisoires de test remises pendant une panne (texte commençant par « PSCV1: ») se vérifient ici aussi, même hors ligne
        {trustListDate ? ` (liste des clés des professionnels enregistrée le ${formatDateTime(trustListDate)})` : ' une fois cette page ouverte avec une connexion'}.
      </p>
      <CameraScanner onText={scanned} />
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="hc1-text">Contenu du QR code (HC1:…) ou de l’attestation provisoire (PSCV1:…)</label>
          <textarea
            id="hc1-text"
            name="hc1"
            className="hc1-input mono"
            rows={5}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            maxLength={10000}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="qr-image">Ou une image du QR code (photo, capture d'écran, fichier téléchargé)</label>
          <input id="qr-image" type="file" accept="image/*" onChange={(e) => readImage(e.target.files?.[0])} />
        </div>
        {mode === 'detailed' && (
          <div className="form-grid">
            <div className="field">
              <label htmlFor="verifier-country">Pays de vérification (règles appliquées)</label>
              <select id="verifier-country" value={country ?? defaultCountry} onChange={(e) => setCountry(e.target.value)}>
                {(countries.length ? countries : [defaultCountry]).map((code) => (
                  <option key={code} value={code}>
                    {code}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="verifier-clock">Date et heure de la vérification (vide : maintenant)</label>
              <input id="verifier-clock" type="datetime-local" value={clock} onChange={(e) => setClock(e.target.value)} />
            </div>
          </div>
        )}
        <ErrorAlert>{error}</ErrorAlert>
        <SubmitButton busy={busy} busyLabel="Vérification…" label="Vérifier" />
      </form>

      {provisional && <ProvisionalResult check={provisional} headingRef={verdict} />}
      {check && <Verdict check={check} mode={mode} headingRef={verdict} />}
    </section>
  );
}
