import { useState, type FormEvent } from 'react';
import type { Phone } from '@prostopcovid/phone';
import { declare, formatDate, localDate, type Declared, type Onset } from '../../data/declaration';
import { nowNtp, robertApi } from '../../data/phone';
import { ErrorAlert, SubmitButton } from '../../ui/form-feedback';

type OnsetChoice = 'symptoms' | 'test' | 'unknown';

function codeFromLink(): string {
  return new URLSearchParams(location.hash.slice(1)).get('code') ?? '';
}

/**
 * What the StopCovid app does after a diagnosis: the patient enters (or scans, through the
 * link in the QR code) the code from their doctor, answers the onset question, and shares
 * the HELLOs this phone heard in the period that follows from it (a ROBERT report).
 */
export function DeclarationPage({ phone, onReported }: { phone: Phone | null; onReported: () => void }) {
  const [code, setCode] = useState(codeFromLink);
  const [choice, setChoice] = useState<OnsetChoice | null>(null);
  const [date, setDate] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [declared, setDeclared] = useState<Declared | null>(null);
  const [uploaded, setUploaded] = useState<{ accepted: number; rejectedOutsideWindow: number } | null>(null);
  const today = localDate();
  const earliest = localDate(14);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const length = code.replace(/[\s.-]/g, '').length;
    // 6 characters from a professional, 12 from the QR code of a COVID+ document.
    if (length !== 6 && length !== 12) return setError("Le code comporte 6 caractères (ou 12 s'il vient d'un document COVID+).");
    if (!choice) return setError('Répondez à la question sur les symptômes.');
    if (choice !== 'unknown' && (!date || date < earliest || date > today)) {
      return setError(`Choisissez une date entre le ${formatDate(earliest)} et aujourd'hui.`);
    }
    const onset: Onset = choice === 'unknown' ? { kind: 'unknown' } : { kind: choice, date };
    setBusy(true);
    try {
      setDeclared(await declare(code, onset));
      history.replaceState(null, '', location.pathname); // the code is spent: take it out of the address bar
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Erreur inconnue');
    } finally {
      setBusy(false);
    }
  }

  async function sendHistory() {
    if (!declared || !phone) return;
    setBusy(true);
    setError(null);
    try {
      setUploaded(await phone.report(robertApi(), declared.uploadToken, declared.window, nowNtp()));
      onReported();
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Erreur inconnue');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card narrow" aria-labelledby="titre-declaration">
      <h2 id="titre-declaration">Me déclarer comme cas COVID-19</h2>
      {!declared && (
        <form onSubmit={(event) => void submit(event)} noValidate>
          <label htmlFor="code">Code remis par votre médecin ou infirmier</label>
          <input
            id="code"
            name="code"
            className="code-input"
            autoComplete="one-time-code"
            autoCapitalize="characters"
            spellCheck={false}
            maxLength={20}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            placeholder="K7Q 4XM"
          />
          <fieldset>
            <legend>Quand vos symptômes ont-ils commencé ?</legend>
            <label className="choice">
              <input type="radio" name="onset" checked={choice === 'symptoms'} onChange={() => setChoice('symptoms')} />
              <span>J'ai des symptômes</span>
            </label>
            <label className="choice">
              <input type="radio" name="onset" checked={choice === 'test'} onChange={() => setChoice('test')} />
              <span>Pas de symptômes</span>
            </label>
            <label className="choice">
              <input type="radio" name="onset" checked={choice === 'unknown'} onChange={() => setChoice('unknown')} />
              <span>Je ne sais pas</span>
            </label>
          </fieldset>
          {choice && choice !== 'unknown' && (
            <p>
              <label htmlFor="onset-date">{choice === 'symptoms' ? 'Date de début des symptômes' : 'Date du test positif'}</label>
              <input id="onset-date" type="date" min={earliest} max={today} value={date} onChange={(e) => setDate(e.target.value)} />
            </p>
          )}
          <ErrorAlert>{error}</ErrorAlert>
          <SubmitButton busy={busy} busyLabel="Vérification…" label="Valider" />
        </form>
      )}
      {declared && (
        <div aria-live="polite">
          <p className="alert alert-info" data-testid="window">
            Code accepté. Les contacts du <strong>{formatDate(declared.window.from)}</strong> au <strong>{formatDate(declared.window.to)}</strong>{' '}
            seront partagés pour prévenir les personnes exposées.
          </p>
          {!phone ? (
            <p className="alert alert-warning">
              StopCovid n&apos;est pas activé sur ce téléphone : il n&apos;a enregistré aucun contact à partager. Prévenez vous-même les personnes que vous avez côtoyées.
            </p>
          ) : !uploaded ? (
            <>
              <p className="hint">
                Seuls les messages Bluetooth entendus pendant cette période sont envoyés ; ils ne disent ni qui vous êtes, ni où vous étiez.
              </p>
              <ErrorAlert>{error}</ErrorAlert>
              <button type="button" onClick={() => void sendHistory()} disabled={busy}>
                {busy ? 'Envoi…' : 'Partager mon historique de contacts'}
              </button>
            </>
          ) : (
            <p className="alert alert-success" data-testid="uploaded">
              Merci. {uploaded.accepted} message(s) Bluetooth partagé(s) ; {uploaded.rejectedOutsideWindow} hors de la période, écarté(s). Les personnes exposées seront
              prévenues par leur application.
            </p>
          )}
        </div>
      )}
    </section>
  );
}
