import { useEffect, useEffectEvent, useState } from 'react';
import { rememberPlace } from '../../data/acts';
import { renderInformationNote, renderTestAttestation } from '../../data/act-documents';
import { ApiError } from '../../data/api';
import { useCurrentIncidents } from '../../data/incidents';
import { findAct, saveAct, useOutbox, type ActEntry } from '../../data/outbox';
import { provisionalDocumentOffer } from '../../data/provisional-offer';
import { saveFile } from '../../data/save-file';
import type { Me } from '../../data/store';
import { formatDateTime } from './dates';
import { ErrorAlert } from '../../ui/form-feedback';

/** The outbox entry of an act, kept up to date as the sender works. */
export function useOutboxEntry(key: string | null): ActEntry | undefined {
  return useOutbox((s) => (key ? s.entries.find((e) => e.key === key) : undefined));
}

/** The act the outbox page sent back for correction (`?corriger=<key>`), if any. */
function useCorrection(kind: ActEntry['kind'], apply: (entry: ActEntry) => void): void {
  // Looked up once, when the page opens; what is found is applied with the page's latest form.
  const onFound = useEffectEvent((found: ActEntry | undefined) => {
    if (found && found.kind === kind && found.status !== 'sent') apply(found);
  });
  useEffect(() => {
    const key = new URLSearchParams(location.search).get('corriger');
    if (!key) return;
    void findAct(key).then(onFound);
  }, []);
}

/**
 * What the test and vaccination forms share: save the act to the outbox, show a refusal for
 * correction (the act stays in the outbox, corrected it keeps its key), and reopen an act sent
 * back for correction from the outbox page.
 */
export function useOutboxSubmit(kind: ActEntry['kind'], fill: (entry: ActEntry) => void) {
  const [correcting, setCorrecting] = useState<ActEntry | null>(null);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<unknown>(null);
  useCorrection(kind, (entry) => {
    fill(entry);
    setCorrecting(entry);
    setServerError(refusalOf(entry));
  });

  async function submit(input: Parameters<typeof saveAct>[0], onSaved: (entry: ActEntry) => void) {
    setServerError(null);
    setBusy(true);
    try {
      const entry = await saveAct(input, correcting ?? undefined);
      rememberPlace(input.body.place);
      const refusal = refusalOf(entry);
      if (refusal) {
        setCorrecting(entry);
        setServerError(refusal);
        return;
      }
      setCorrecting(null);
      onSaved(entry);
    } catch (error) {
      setServerError(error);
    } finally {
      setBusy(false);
    }
  }

  function reset() {
    setCorrecting(null);
    setServerError(null);
    if (location.search) history.replaceState(null, '', location.pathname);
  }

  return { correcting, busy, serverError, setServerError, submit, reset };
}

/** The server's refusal of an outbox act, shaped like any API error for the form's alert. */
export function refusalOf(entry: ActEntry): ApiError | null {
  if (entry.status !== 'rejected' && entry.status !== 'conflict') return null;
  const error = entry.lastError;
  return new ApiError(error?.status ?? 400, error?.code ?? 'UNKNOWN', error?.message ?? 'Acte refusé par le serveur.', error?.details);
}

/** The entry time and server number of a sent act, in the confirmation's list (their one place on the page). */
export function SentDetails({ entry, label }: { entry: ActEntry; label: string }) {
  if (entry.status !== 'sent' || !entry.result) return null;
  return (
    <>
      <dt>{label}</dt>
      <dd>{formatDateTime(entry.result.recordedAt)}</dd>
      <dt>Numéro d'enregistrement</dt>
      <dd className="mono" data-testid="record-number">
        {entry.result.id}
      </dd>
    </>
  );
}

/** Said above a form holding an act the server refused. */
export function CorrectionNotice({ entry }: { entry: ActEntry | null }) {
  if (!entry) return null;
  return (
    <p className="alert alert-info" data-testid="correcting">
      Correction d'un acte refusé par le serveur (enregistré sur cet appareil le {formatDateTime(entry.capturedAt)}) : il sera renvoyé une fois corrigé.
    </p>
  );
}

/** Where the act stands: on the server, or waiting on this device. */
export function SendStatus({ entry }: { entry: ActEntry }) {
  if (entry.status === 'sent' && entry.result) {
    return (
      <p className="alert alert-success" data-testid="send-status" data-status="sent">
        Transmis au serveur.
      </p>
    );
  }
  if (entry.status === 'pending') {
    return (
      <p className="alert alert-warning" data-testid="send-status" data-status="pending" role="status">
        Enregistré sur cet appareil, <strong>en attente d'envoi</strong> : il sera transmis automatiquement dès que le serveur répondra. Remettez au
        patient le document provisoire ci-dessous.
      </p>
    );
  }
  return (
    <p className="alert alert-error" data-testid="send-status" data-status={entry.status} role="alert">
      Refusé par le serveur : {entry.lastError?.message}
    </p>
  );
}

/** A button that draws a document from local data and saves it: works offline. */
export function DocumentButton({ label, filename, render, testId }: { label: string; filename: string; render: () => Promise<Uint8Array>; testId: string }) {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  async function print() {
    setState({ busy: true, error: null });
    try {
      const bytes = await render();
      saveFile(new Blob([bytes as BlobPart], { type: 'application/pdf' }), filename);
      setState({ busy: false, error: null });
    } catch (e) {
      setState({ busy: false, error: e instanceof Error ? e.message : 'Erreur inconnue' });
    }
  }
  return (
    <div className="document-button">
      <button type="button" onClick={() => void print()} disabled={state.busy} data-testid={testId}>
        {state.busy ? 'Préparation…' : label}
      </button>
      <ErrorAlert>{state.error}</ErrorAlert>
    </div>
  );
}

/**
 * The patient's provisional document (test attestation, vaccination information note), or why
 * none is needed: see `provisionalDocumentOffer`. `compact`: a row of the outbox's duplicate.
 */
export function ProvisionalDocument({ entry, me, compact = false }: { entry: ActEntry; me: Me; compact?: boolean }) {
  const { incidents } = useCurrentIncidents();
  const offer = provisionalDocumentOffer(entry, incidents, new Date());
  const test = entry.kind === 'test';
  if (!offer.offered) {
    if (compact) {
      return (
        <p className="hint" data-testid="no-provisional-document">
          Aucun document provisoire nécessaire : certificat disponible avec le code patient.
        </p>
      );
    }
    return (
      <p className="alert alert-info" data-testid="no-provisional-document">
        {test ? "Aucune attestation provisoire n'est nécessaire" : "Aucune note d'information n'est nécessaire"} : l'acte est enregistré sur le
        serveur, le patient obtient son certificat avec le code ci-dessus sur {location.origin}/patient.{' '}
        {test
          ? "L'attestation ne sert que tant que l'acte attend sur cet appareil, ou pour un test fait pendant un incident déclaré : un vérificateur la refuse sinon."
          : "La note ne sert que tant que l'acte attend sur cet appareil, ou pendant un incident déclaré."}
      </p>
    );
  }
  if (entry.kind === 'test') {
    return (
      <DocumentButton
        label={compact ? 'Attestation provisoire' : "Imprimer l'attestation provisoire (PDF)"}
        filename="attestation-provisoire-test.pdf"
        testId={compact ? 'reprint' : 'print-provisional'}
        render={() => renderTestAttestation(entry, me)}
      />
    );
  }
  return (
    <DocumentButton
      label={compact ? 'Note d’information' : "Imprimer la note d'information (PDF)"}
      filename="note-information-vaccination.pdf"
      testId={compact ? 'reprint' : 'print-information-note'}
      render={() => renderInformationNote(entry, me)}
    />
  );
}
