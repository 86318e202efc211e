import { useEffect, useRef, useState, type FormEvent } from 'react';
import { formatDateTime, formatDay, VERIFY_STEPS, verifyCertificate, type StepOutcome, type VerifyAnswer, type VerifyStep } from '../../data/certificates';
import { isProvisionalText, refreshTrustList, verifyProvisional, type ProvisionalCheck } from '../../data/provisional';
import { readQrFromImage } from '../../data/qr-image';
import { ProvisionalResult } from './ProvisionalResult';

const stepLabels: Record<VerifyStep, string> = {
  unprefix: 'Préfixe HC1',
  b45decode: 'Décodage Base45',
  compression: 'Décompression',
  cose: 'Structure COSE',
  decode: 'Contenu CBOR',
  verify: 'Signature',
  keyUsage: 'Usage de la clé',
  expirationCheck: 'Validité (dates)',
  schemaValidation: 'Schéma DCC',
};

const outcomeLabels: Record<StepOutcome, { icon: string; text: string }> = {
  passed: { icon: '✔', text: 'réussi' },
  failed: { icon: '✖', text: 'échec' },
  skipped: { icon: '—', text: 'non vérifié' },
};

const kindLabels: Record<string, string> = { test: 'Test', vaccination: 'Vaccination', recovery: 'Rétablissement' };

interface Holder {
  name: string;
  birthDate: string;
}

/** The holder from the DCC payload (`nam.gn`, `nam.fn`, `dob`), read defensively. */
function holderOf(dcc: unknown): Holder {
  const record = (dcc && typeof dcc === 'object' ? dcc : {}) as { nam?: { gn?: unknown; fn?: unknown }; dob?: unknown };
  const given = typeof record.nam?.gn === 'string' ? record.nam.gn : '';
  const family = typeof record.nam?.fn === 'string' ? record.nam.fn : '';
  return { name: [given, family].filter(Boolean).join(' ') || '—', birthDate: typeof record.dob === 'string' ? formatDay(record.dob) : '—' };
}

/**
 * Anyone (a venue, a transport operator) checks an EU Digital COVID Certificate, step by step,
 * or a provisional test attestation printed during an outage (PSCV1:…), online or offline.
 */
export function VerifierPage() {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [answer, setAnswer] = useState<VerifyAnswer | null>(null);
  const [provisional, setProvisional] = useState<ProvisionalCheck | null>(null);
  const [trustListDate, setTrustListDate] = useState<string | null>(null);
  const verdict = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (answer || provisional) verdict.current?.focus();
  }, [answer, provisional]);

  // Online, the trust list is saved for offline checks of provisional attestations.
  useEffect(() => {
    let live = true;
    void refreshTrustList().then(({ trustList }) => {
      if (live) setTrustListDate(trustList?.generatedAt ?? null);
    });
    return () => {
      live = false;
    };
  }, []);

  /** Provisional attestations and EU certificates each go their own way. */
  async function check(content: string) {
    if (isProvisionalText(content)) setProvisional(await verifyProvisional(content));
    else setAnswer(await verifyCertificate(content));
  }

  function reset() {
    setError(null);
    setAnswer(null);
    setProvisional(null);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    reset();
    if (!text.trim()) return setError('Collez le contenu du QR code (texte commençant par « HC1: » ou « PSCV1: »).');
    setBusy(true);
    try {
      await check(text);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Erreur inconnue');
    } finally {
      setBusy(false);
    }
  }

  async function readImage(file: File | undefined) {
    if (!file) return;
    reset();
    setBusy(true);
    try {
      const content = await readQrFromImage(file);
      if (!content) return setError("Aucun QR code lisible sur cette image. Essayez une image plus nette, QR code bien à plat.");
      setText(content);
      await check(content);
    } catch (e) {
      setError(e instanceof Error ? e.message : "L'image n'a pas pu être lue.");
    } finally {
      setBusy(false);
    }
  }

  const holder = answer?.valid && answer.certificate ? holderOf(answer.certificate.dcc) : null;

  return (
    <section className="card" aria-labelledby="titre-verifier">
      <h1 id="titre-verifier">Vérifier un certificat COVID numérique de l'UE</h1>
      <p className="hint">
        Lu par l'appareil photo d'un téléphone (ou un lecteur de QR codes), le QR code d'un certificat donne un texte commençant par « HC1: ». Collez-le ici.
      </p>
      <p className="hint" data-testid="trust-list-status">
        Les attestations provisoires de test remises pendant une panne (texte commençant par « PSCV1: ») se vérifient ici aussi, même hors ligne
        {trustListDate ? ` (liste des clés des professionnels enregistrée le ${formatDateTime(trustListDate)})` : ' une fois cette page ouverte avec une connexion'}.
      </p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="hc1-text">Contenu du QR code (HC1:…) ou de l’attestation provisoire (PSCV1:…)</label>
          <textarea
            id="hc1-text"
            name="hc1"
            className="hc1-input mono"
            rows={6}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            maxLength={10000}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="qr-image">Ou une image du QR code (photo, capture d'écran)</label>
          <input id="qr-image" type="file" accept="image/*" onChange={(e) => void readImage(e.target.files?.[0])} />
        </div>
        {error && (
          <p className="alert alert-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Vérification…' : 'Vérifier'}
        </button>
      </form>

      {provisional && <ProvisionalResult check={provisional} headingRef={verdict} />}

      {answer && (
        <div className="verification" data-testid="verification">
          <div className={answer.valid ? 'verdict verdict-valid' : 'verdict verdict-invalid'} role="status">
            <h2 ref={verdict} tabIndex={-1}>
              <span aria-hidden="true">{answer.valid ? '✔ ' : '✖ '}</span>
              {answer.valid ? 'Certificat valide' : 'Certificat invalide'}
            </h2>
            {!answer.valid && answer.reason && <p data-testid="verify-reason">{answer.reason.message}</p>}
          </div>

          {holder && answer.certificate && (
            <dl className="identity" data-testid="holder">
              <dt>Titulaire</dt>
              <dd>{holder.name}</dd>
              <dt>Date de naissance</dt>
              <dd>{holder.birthDate}</dd>
              <dt>Type</dt>
              <dd>{kindLabels[answer.certificate.kind] ?? answer.certificate.kind}</dd>
              <dt>Expire le</dt>
              <dd>{formatDateTime(answer.certificate.expiresAt)}</dd>
            </dl>
          )}

          <h3>Étapes de la vérification</h3>
          <ol className="steps" data-testid="steps">
            {VERIFY_STEPS.map((step) => {
              const outcome = answer.steps[step] ?? 'skipped';
              const label = outcomeLabels[outcome];
              return (
                <li key={step} className={`step step-${outcome}`}>
                  <span className="step-name">{stepLabels[step]}</span>
                  <span className="step-outcome">
                    <span aria-hidden="true">{label.icon}</span> {label.text}
                  </span>
                </li>
              );
            })}
          </ol>
        </div>
      )}
    </section>
  );
}
