import type { ReactNode } from 'react';
import type { ActEntry } from '../../data/outbox';
import type { Me } from '../../data/store';
import { Confirmation } from './Confirmation';
import { ErrorSummary } from './ErrorSummary';
import { PatientFields } from './PatientFields';
import { PlaceField } from './place';
import { patientLabels, patientSummary } from './patient';
import { CorrectionNotice, ProvisionalDocument, SendStatus, SentDetails } from './receipt';
import { RetrievalCodeNotice } from './RetrievalCodeNotice';
import { ServerErrorAlert } from './ServerErrorAlert';
import type { ActForm } from './use-act-form';

/**
 * The form of an act page: the patient first, the page's own fields, then the place; the
 * errors found before sending above, the server's refusal below.
 */
export function ActFormPage({
  heading,
  titleId,
  title,
  labels,
  submitLabel,
  form,
  formKey,
  children,
}: {
  heading: string;
  titleId: string;
  title: string;
  /** The page's own fields, for the error summary. */
  labels: Record<string, string>;
  submitLabel: string;
  form: ActForm;
  /** A new key renders new inputs (the device combobox keeps its own query). */
  formKey?: number;
  children: ReactNode;
}) {
  return (
    <>
      <h1>{heading}</h1>
      <form className="card" onSubmit={(event) => void form.submit(event)} aria-labelledby={titleId} noValidate key={formKey}>
        <h2 id={titleId}>{title}</h2>
        <CorrectionNotice entry={form.correcting} />
        <ErrorSummary errors={form.errors} labels={{ ...patientLabels, ...labels, place: 'Lieu' }} focusKey={form.refusedSubmits} />
        <PatientFields value={form.patient} onChange={form.setPatient} errors={form.errors} />
        {children}
        <PlaceField value={form.place} onChange={form.setPlace} errors={form.errors} />
        {form.serverError !== null && <ServerErrorAlert error={form.serverError} />}
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Enregistrement…' : submitLabel}
        </button>
      </form>
    </>
  );
}

/**
 * The act just recorded, as the outbox holds it: where it stands, the patient, the page's own
 * details, the place, the patient's code and the provisional document when one is needed.
 */
export function ActRecordedPage({
  heading,
  title,
  againLabel,
  onAgain,
  entry,
  me,
  recordedLabel,
  details,
  children,
}: {
  heading: string;
  title: string;
  againLabel: string;
  onAgain: () => void;
  entry: ActEntry;
  me: Me;
  /** "Enregistré le" / "Enregistrée le", beside the server's entry time. */
  recordedLabel: string;
  /** The page's own rows of the details list (`<dt>`/`<dd>` pairs). */
  details: ReactNode;
  /** Shown below the provisional document. */
  children?: ReactNode;
}) {
  return (
    <>
      <h1>{heading}</h1>
      <Confirmation title={title} againLabel={againLabel} onAgain={onAgain}>
        <SendStatus entry={entry} />
        <dl className="identity" data-testid="recorded-details">
          <dt>Patient</dt>
          <dd>{patientSummary(entry.body.patient)}</dd>
          {details}
          <dt>Lieu</dt>
          <dd>{entry.body.place}</dd>
          <SentDetails entry={entry} label={recordedLabel} />
        </dl>
        <RetrievalCodeNotice code={entry.body.retrievalCode} />
        <ProvisionalDocument entry={entry} me={me} />
        {children}
      </Confirmation>
    </>
  );
}
