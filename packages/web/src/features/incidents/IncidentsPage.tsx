import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../../data/api';
import {
  closeIncident,
  componentLabels,
  declareIncident,
  isOperator,
  loadIncidentHistory,
  type DeclareIncidentInput,
  type IncidentComponent,
  type IncidentHistoryEntry,
} from '../../data/incidents';
import type { Me } from '../../data/store';
import { ErrorSummary } from '../acts/ErrorSummary';
import { FieldError, fieldProps, type FieldErrors } from '../acts/field-errors';
import { formatDateTime } from './IncidentBanner';
import { INCIDENT_MESSAGE_MAX_LENGTH, MAX_INCIDENT_BACKDATE_DAYS, MAX_INCIDENT_PLANNED_END_DAYS } from '@prostopcovid/contracts/incidents';
import { ErrorAlert, SubmitButton } from '../../ui/form-feedback';

const DAY_MS = 24 * 3_600_000;
const CLOCK_SKEW_MS = 5 * 60_000;

const pad = (n: number) => String(n).padStart(2, '0');
/** YYYY-MM-DDTHH:mm in the browser's time zone (what `<input type="datetime-local">` shows). */
const toLocalInput = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
/** A datetime-local value read in the browser's time zone, or null when not a real time. */
function fromLocalInput(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

interface FormValues {
  component: IncidentComponent | '';
  startedAt: string;
  endedAt: string;
  testAttestationHours: string;
  message: string;
}
const emptyForm: FormValues = { component: '', startedAt: '', endedAt: '', testAttestationHours: '', message: '' };

const fieldLabels: Record<string, string> = {
  'incident-component': 'Service concerné',
  'incident-startedAt': 'Début',
  'incident-endedAt': 'Fin',
  'incident-hours': 'Validité des attestations provisoires',
  'incident-message': 'Message',
};

/** Checks what the server would refuse, with French messages next to each field. */
function validate(values: FormValues, now: Date): { errors: FieldErrors; input?: DeclareIncidentInput } {
  const errors: FieldErrors = {};
  if (!values.component) errors['incident-component'] = 'Choisissez le service concerné.';
  const start = values.startedAt ? fromLocalInput(values.startedAt) : now;
  if (!start) errors['incident-startedAt'] = 'La date de début est invalide.';
  else if (start.getTime() > now.getTime() + CLOCK_SKEW_MS) errors['incident-startedAt'] = 'Le début ne peut pas être dans le futur.';
  else if (start.getTime() < now.getTime() - MAX_INCIDENT_BACKDATE_DAYS * DAY_MS) errors['incident-startedAt'] = `Le début ne peut pas remonter à plus de ${MAX_INCIDENT_BACKDATE_DAYS} jours.`;
  const end = values.endedAt ? fromLocalInput(values.endedAt) : undefined;
  if (end === null) errors['incident-endedAt'] = 'La date de fin est invalide.';
  else if (end && start && end.getTime() <= start.getTime()) errors['incident-endedAt'] = 'La fin doit être postérieure au début.';
  else if (end && end.getTime() > now.getTime() + MAX_INCIDENT_PLANNED_END_DAYS * DAY_MS) errors['incident-endedAt'] = `La fin ne peut pas être prévue à plus de ${MAX_INCIDENT_PLANNED_END_DAYS} jours.`;
  const hours = values.testAttestationHours.trim();
  if (hours && (!/^\d+$/.test(hours) || Number(hours) < 1 || Number(hours) > 72)) {
    errors['incident-hours'] = 'Indiquez un nombre entier d’heures entre 1 et 72 (ou laissez vide pour la valeur par défaut).';
  }
  const message = values.message.trim();
  if (message.length > INCIDENT_MESSAGE_MAX_LENGTH) errors['incident-message'] = `Le message ne doit pas dépasser ${INCIDENT_MESSAGE_MAX_LENGTH} caractères.`;
  if (Object.keys(errors).length > 0 || !values.component) return { errors };
  return {
    errors,
    input: {
      component: values.component,
      ...(values.startedAt && start ? { startedAt: start.toISOString() } : {}),
      ...(end ? { endedAt: end.toISOString() } : {}),
      ...(hours ? { testAttestationHours: Number(hours) } : {}),
      ...(message ? { message } : {}),
    },
  };
}

/** `readAt`: when the list was read (ms), the moment whose open incidents it shows (a render does not read the clock). */
type HistoryState = { status: 'loading' } | { status: 'loaded'; incidents: IncidentHistoryEntry[]; readAt: number } | { status: 'error'; message: string };

/** "22/11/2026 à 07:41", for table cells (no leading "le"). */
function formatCell(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString('fr-FR')} à ${d.toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' })}`;
}

const errorMessage = (e: unknown) => (e instanceof ApiError || e instanceof Error ? e.message : 'Erreur inconnue');

/** Authority operators declare and close incidents (docs/domain.md, Continuity). */
export function IncidentsPage({ me }: { me: Me }) {
  const [history, setHistory] = useState<HistoryState>({ status: 'loading' });
  const [values, setValues] = useState<FormValues>(emptyForm);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [focusKey, setFocusKey] = useState(0);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [closing, setClosing] = useState<string | null>(null);
  const operator = isOperator(me);

  // Never rejects: a failure is shown in place of the list.
  const reload = useCallback(
    () =>
      loadIncidentHistory().then(
        (incidents) => setHistory({ status: 'loaded', incidents, readAt: Date.now() }),
        (e: unknown) => setHistory({ status: 'error', message: errorMessage(e) }),
      ),
    [],
  );

  useEffect(() => {
    if (operator) void reload();
  }, [operator, reload]);

  if (!operator) {
    return (
      <ErrorAlert>Cette page est réservée aux opérateurs de l'autorité sanitaire (ARS, DGS).</ErrorAlert>
    );
  }

  const set = (key: keyof FormValues) => (e: { target: { value: string } }) => setValues({ ...values, [key]: e.target.value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setServerError(null);
    setNotice(null);
    const { errors: found, input } = validate(values, new Date());
    setErrors(found);
    if (!input) {
      setFocusKey((k) => k + 1);
      return;
    }
    setBusy(true);
    try {
      const incident = await declareIncident(input);
      setValues(emptyForm);
      setNotice(`Incident déclaré : ${incident.componentLabel}, depuis ${formatDateTime(incident.startedAt)}.`);
      await reload();
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  async function close(incident: IncidentHistoryEntry) {
    if (!window.confirm(`Clore maintenant l'incident « ${incident.componentLabel} » ouvert ${formatDateTime(incident.startedAt)} ?`)) return;
    setClosing(incident.id);
    setServerError(null);
    setNotice(null);
    try {
      await closeIncident(incident.id);
      setNotice(`Incident clos : ${incident.componentLabel}.`);
    } catch (e) {
      setServerError(errorMessage(e));
    } finally {
      setClosing(null);
      await reload();
    }
  }

  const isOpen = (incident: IncidentHistoryEntry, readAt: number) => incident.endedAt === null || Date.parse(incident.endedAt) > readAt;

  return (
    <>
      <h1>Incidents</h1>
      {notice && (
        <p className="alert alert-info" role="status">
          {notice}
        </p>
      )}
      <ErrorAlert>{serverError}</ErrorAlert>
      <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="titre-declarer" noValidate>
        <h2 id="titre-declarer">Déclarer un incident</h2>
        <p className="hint">
          L'incident est affiché à tous (portail professionnel et portail patient) et fixe la validité des attestations provisoires de test remises
          pendant sa durée. Les incidents de Pro Santé Connect sont aussi ouverts et clos automatiquement.
        </p>
        <ErrorSummary errors={errors} labels={fieldLabels} focusKey={focusKey} />
        <div className="form-grid">
          <div className="field">
            <label htmlFor="incident-component">Service concerné</label>
            <select value={values.component} onChange={set('component')} {...fieldProps('incident-component', errors)}>
              <option value="">— Choisir —</option>
              {(Object.keys(componentLabels) as IncidentComponent[]).map((component) => (
                <option key={component} value={component}>
                  {componentLabels[component]}
                </option>
              ))}
            </select>
            <FieldError id="incident-component" errors={errors} />
          </div>
          <div className="field">
            <label htmlFor="incident-hours">
              Validité des attestations provisoires de test (heures) <span className="hint">(facultatif)</span>
            </label>
            <input type="text" inputMode="numeric" value={values.testAttestationHours} onChange={set('testAttestationHours')} placeholder="12" {...fieldProps('incident-hours', errors, 'incident-hours-hint')} />
            <p className="hint" id="incident-hours-hint">
              Entre 1 et 72 ; vide : la valeur par défaut du service.
            </p>
            <FieldError id="incident-hours" errors={errors} />
          </div>
          <div className="field">
            <label htmlFor="incident-startedAt">
              Début <span className="hint">(facultatif : maintenant)</span>
            </label>
            <input type="datetime-local" value={values.startedAt} max={toLocalInput(new Date())} onChange={set('startedAt')} {...fieldProps('incident-startedAt', errors)} />
            <FieldError id="incident-startedAt" errors={errors} />
          </div>
          <div className="field">
            <label htmlFor="incident-endedAt">
              Fin <span className="hint">(facultatif : en cours)</span>
            </label>
            <input type="datetime-local" value={values.endedAt} onChange={set('endedAt')} {...fieldProps('incident-endedAt', errors)} />
            <FieldError id="incident-endedAt" errors={errors} />
          </div>
        </div>
        <div className="field">
          <label htmlFor="incident-message">
            Message affiché <span className="hint">(facultatif, {INCIDENT_MESSAGE_MAX_LENGTH} caractères au plus)</span>
          </label>
          <input type="text" value={values.message} onChange={set('message')} maxLength={INCIDENT_MESSAGE_MAX_LENGTH} {...fieldProps('incident-message', errors)} />
          <FieldError id="incident-message" errors={errors} />
        </div>
        <SubmitButton busy={busy} busyLabel="Déclaration…" label="Déclarer l'incident" />
      </form>

      <section className="card" aria-labelledby="titre-historique-incidents">
        <div className="header-row">
          <h2 id="titre-historique-incidents">Historique</h2>
          <button type="button" className="button secondary" onClick={() => void reload()}>
            Actualiser
          </button>
        </div>
        {history.status === 'loading' && <p role="status">Chargement…</p>}
        {history.status === 'error' && <p className="alert alert-error">{history.message}</p>}
        {history.status === 'loaded' && history.incidents.length === 0 && <p>Aucun incident enregistré.</p>}
        {history.status === 'loaded' && history.incidents.length > 0 && (
          <div className="table-scroll">
            <table data-testid="incident-history">
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Début</th>
                  <th scope="col">Fin</th>
                  <th scope="col">Attestations</th>
                  <th scope="col">Origine</th>
                  <th scope="col">Message</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {history.incidents.map((incident) => (
                  <tr key={incident.id} className={isOpen(incident, history.readAt) ? 'incident-open' : undefined}>
                    <td>{incident.componentLabel}</td>
                    <td>{formatCell(incident.startedAt)}</td>
                    <td>{incident.endedAt ? formatCell(incident.endedAt) : <strong>En cours</strong>}</td>
                    <td>{incident.testAttestationHours} h</td>
                    <td>
                      {incident.source === 'automatic'
                        ? 'Automatique (disjoncteur)'
                        : incident.declaredBy
                          ? `${incident.declaredBy.givenName} ${incident.declaredBy.familyName}`
                          : 'Opérateur'}
                    </td>
                    <td>{incident.message ?? '—'}</td>
                    <td>
                      {isOpen(incident, history.readAt) && (
                        <button type="button" className="button secondary" disabled={closing === incident.id} onClick={() => void close(incident)}>
                          {closing === incident.id ? 'Clôture…' : 'Clore maintenant'}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
