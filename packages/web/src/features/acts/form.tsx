import { normalizePersonName, personNameProblem } from '@prostopcovid/dcc/names';
import { useEffect, useRef, type ReactNode } from 'react';
import { ApiError } from '../../data/api';
import type { PatientInput, Sex } from '../../data/acts';

/** Shared pieces of the act forms (tests, vaccinations): patient identity, dates, errors. */

export type FieldErrors = Record<string, string>;

const pad = (n: number) => String(n).padStart(2, '0');

/** YYYY-MM-DD in the browser's time zone (what `<input type="date">` shows). */
export function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** YYYY-MM-DDTHH:mm in the browser's time zone (what `<input type="datetime-local">` shows). */
export function localDateTime(d: Date): string {
  return `${localDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A real calendar day (not 2021-02-30). */
export function isValidDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export const MAX_ACT_AGE_DAYS = 30;

export function daysAgo(days: number, from = new Date()): Date {
  const d = new Date(from);
  d.setDate(d.getDate() - days);
  return d;
}

export interface PatientValues {
  familyName: string;
  givenName: string;
  birthDate: string;
  sex: Sex | '';
  email: string;
  phone: string;
}

export const emptyPatient: PatientValues = { familyName: '', givenName: '', birthDate: '', sex: '', email: '', phone: '' };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9 .-]{6,20}$/;

export function validatePatient(p: PatientValues, errors: FieldErrors): void {
  // The server's name policy, checked here first so nothing is refused once offline in the outbox.
  if (!p.familyName.trim()) errors['patient-familyName'] = 'Indiquez le nom du patient.';
  else if (personNameProblem(p.familyName)) errors['patient-familyName'] = `Nom : ${personNameProblem(p.familyName)}`;
  if (!p.givenName.trim()) errors['patient-givenName'] = 'Indiquez le prénom du patient.';
  else if (personNameProblem(p.givenName)) errors['patient-givenName'] = `Prénom : ${personNameProblem(p.givenName)}`;
  if (!p.birthDate) errors['patient-birthDate'] = 'Indiquez la date de naissance.';
  else if (!isValidDate(p.birthDate) || p.birthDate < '1900-01-01' || p.birthDate > localDate(new Date())) {
    errors['patient-birthDate'] = 'La date de naissance est invalide (ni future, ni antérieure à 1900).';
  }
  if (!p.sex) errors['patient-sex'] = 'Choisissez le sexe (ou « Non précisé »).';
  if (p.email.trim() && (!EMAIL.test(p.email.trim()) || p.email.trim().length > 254)) {
    errors['patient-email'] = "L'adresse e-mail est invalide (exemple : nom@exemple.fr).";
  }
  if (p.phone.trim() && !PHONE.test(p.phone.trim())) {
    errors['patient-phone'] = 'Le numéro de téléphone est invalide (6 à 20 chiffres, espaces, points ou tirets, + en tête possible).';
  }
}

/** The form's values of a patient saved earlier (an act reopened for correction). */
export function patientValuesOf(patient: PatientInput): PatientValues {
  return { ...emptyPatient, ...patient, email: patient.email ?? '', phone: patient.phone ?? '' };
}

/** "née le 12/04/1985", "né le …", or, when the sex is not given (U), a form that agrees with no one. */
export function birthPhrase(patient: Pick<PatientInput, 'birthDate' | 'sex'>): string {
  const date = formatDate(patient.birthDate);
  if (patient.sex === 'F') return `née le ${date}`;
  if (patient.sex === 'M') return `né le ${date}`;
  return `date de naissance : ${date}`;
}

/** "DUPONT Marie, née le 12/04/1985 (Femme)" */
export function patientSummary(patient: PatientInput): string {
  return `${patient.familyName.toUpperCase()} ${patient.givenName}, ${birthPhrase(patient)} (${patient.sex === 'U' ? 'sexe non précisé' : sexNames[patient.sex]})`;
}

export function toPatient(p: PatientValues): PatientInput {
  return {
    familyName: normalizePersonName(p.familyName),
    givenName: normalizePersonName(p.givenName),
    birthDate: p.birthDate,
    sex: p.sex as Sex,
    ...(p.email.trim() ? { email: p.email.trim() } : {}),
    ...(p.phone.trim() ? { phone: p.phone.trim() } : {}),
  };
}

/**
 * Errors already shown disappear (or change) as soon as their field is corrected; no new error
 * appears while the professional is still typing: those wait for the next submit.
 */
export function refreshShownErrors(shown: FieldErrors, current: FieldErrors): FieldErrors {
  const keys = Object.keys(shown);
  if (keys.length === 0) return shown;
  const kept: FieldErrors = {};
  for (const key of keys) if (current[key]) kept[key] = current[key];
  const unchanged = Object.keys(kept).length === keys.length && keys.every((key) => kept[key] === shown[key]);
  return unchanged ? shown : kept;
}

/** Props that tie an input to its error message for assistive technologies. */
export function fieldProps(id: string, errors: FieldErrors, hintId?: string) {
  const describedBy = [hintId, errors[id] ? `${id}-error` : undefined].filter(Boolean).join(' ');
  return { id, 'aria-invalid': errors[id] ? true : undefined, 'aria-describedby': describedBy || undefined } as const;
}

export function FieldError({ id, errors }: { id: string; errors: FieldErrors }) {
  if (!errors[id]) return null;
  return (
    <p className="field-error" id={`${id}-error`}>
      {errors[id]}
    </p>
  );
}

const sexLabels: Array<[Sex, string]> = [
  ['F', 'Femme'],
  ['M', 'Homme'],
  ['U', 'Non précisé'],
];

export function PatientFields({ value, onChange, errors }: { value: PatientValues; onChange: (next: PatientValues) => void; errors: FieldErrors }) {
  const set = (key: keyof PatientValues) => (e: { target: { value: string } }) => onChange({ ...value, [key]: e.target.value });
  const noContact = !value.email.trim() && !value.phone.trim();
  return (
    <fieldset className="form-section">
      <legend>Patient</legend>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="patient-familyName">Nom</label>
          <input type="text" autoComplete="off" value={value.familyName} onChange={set('familyName')} maxLength={80} {...fieldProps('patient-familyName', errors)} />
          <FieldError id="patient-familyName" errors={errors} />
        </div>
        <div className="field">
          <label htmlFor="patient-givenName">Prénom</label>
          <input type="text" autoComplete="off" value={value.givenName} onChange={set('givenName')} maxLength={80} {...fieldProps('patient-givenName', errors)} />
          <FieldError id="patient-givenName" errors={errors} />
        </div>
        <div className="field">
          <label htmlFor="patient-birthDate">Date de naissance</label>
          <input type="date" min="1900-01-01" max={localDate(new Date())} value={value.birthDate} onChange={set('birthDate')} {...fieldProps('patient-birthDate', errors)} />
          <FieldError id="patient-birthDate" errors={errors} />
        </div>
        <fieldset className="field" id="patient-sex" aria-invalid={errors['patient-sex'] ? true : undefined} aria-describedby={errors['patient-sex'] ? 'patient-sex-error' : undefined}>
          <legend>Sexe</legend>
          <div className="inline-choices">
            {sexLabels.map(([code, label]) => (
              <label className="choice" key={code}>
                <input type="radio" name="patient-sex" value={code} checked={value.sex === code} onChange={() => onChange({ ...value, sex: code })} />
                <span>{label}</span>
              </label>
            ))}
          </div>
          <FieldError id="patient-sex" errors={errors} />
        </fieldset>
        <div className="field">
          <label htmlFor="patient-email">
            E-mail <span className="hint">(facultatif)</span>
          </label>
          <input type="email" autoComplete="off" value={value.email} onChange={set('email')} maxLength={254} {...fieldProps('patient-email', errors, 'patient-contact-hint')} />
          <FieldError id="patient-email" errors={errors} />
        </div>
        <div className="field">
          <label htmlFor="patient-phone">
            Téléphone <span className="hint">(facultatif)</span>
          </label>
          <input type="tel" autoComplete="off" value={value.phone} onChange={set('phone')} maxLength={20} {...fieldProps('patient-phone', errors, 'patient-contact-hint')} />
          <FieldError id="patient-phone" errors={errors} />
        </div>
      </div>
      <p className="hint" id="patient-contact-hint">
        {noContact
          ? 'Conseillé : indiquez au moins un e-mail ou un téléphone pour que le patient puisse recevoir son certificat.'
          : 'Le patient recevra son certificat avec ces coordonnées.'}
      </p>
    </fieldset>
  );
}

export function PlaceField({ value, onChange, errors }: { value: string; onChange: (next: string) => void; errors: FieldErrors }) {
  return (
    <div className="field">
      <label htmlFor="place">Lieu</label>
      <input type="text" value={value} onChange={(e) => onChange(e.target.value)} maxLength={200} {...fieldProps('place', errors, 'place-hint')} />
      <p className="hint" id="place-hint">
        Pharmacie, cabinet, centre… Prérempli avec le dernier lieu saisi sur cet appareil.
      </p>
      <FieldError id="place" errors={errors} />
    </div>
  );
}

export function validatePlace(place: string, errors: FieldErrors): void {
  if (!place.trim()) errors.place = "Indiquez le lieu de l'acte.";
  else if (place.trim().length > 200) errors.place = 'Le lieu ne doit pas dépasser 200 caractères.';
}

/** Lists the problems found before sending; focused at each refused submit so screen readers announce it. */
export function ErrorSummary({ errors, labels, focusKey }: { errors: FieldErrors; labels: Record<string, string>; focusKey: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const entries = Object.entries(errors);
  useEffect(() => {
    if (focusKey > 0) ref.current?.focus();
  }, [focusKey]);
  if (entries.length === 0) return null;
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={ref} data-testid="form-errors">
      <p>
        <strong>{entries.length === 1 ? 'Le formulaire contient une erreur :' : `Le formulaire contient ${entries.length} erreurs :`}</strong>
      </p>
      <ul>
        {entries.map(([id, message]) => (
          <li key={id}>
            <a
              href={`#${id}`}
              onClick={(e) => {
                e.preventDefault();
                const target = document.getElementById(id);
                (target?.matches('fieldset') ? target.querySelector('input') : target)?.focus();
              }}
            >
              {labels[id] ?? id}
            </a>{' '}
            : {message}
          </li>
        ))}
      </ul>
    </div>
  );
}

export const patientLabels: Record<string, string> = {
  'patient-familyName': 'Nom',
  'patient-givenName': 'Prénom',
  'patient-birthDate': 'Date de naissance',
  'patient-sex': 'Sexe',
  'patient-email': 'E-mail',
  'patient-phone': 'Téléphone',
  place: 'Lieu',
};

/** Server field names (JSON pointers of REQUEST_INVALID details) in French. */
const serverFieldLabels: Record<string, string> = {
  '/patient/familyName': 'Nom du patient',
  '/patient/givenName': 'Prénom du patient',
  '/patient/birthDate': 'Date de naissance',
  '/patient/sex': 'Sexe',
  '/patient/email': 'E-mail',
  '/patient/phone': 'Téléphone',
  '/testType': 'Type de test',
  '/sampledAt': 'Date et heure du prélèvement',
  '/result': 'Résultat',
  '/deviceId': 'Test utilisé',
  '/product': 'Vaccin',
  '/doseNumber': 'Numéro de dose',
  '/seriesTotal': 'Nombre total de doses',
  '/vaccinatedOn': 'Date de vaccination',
  '/lotNumber': 'Numéro de lot',
  '/place': 'Lieu',
};

/** The schema validator speaks English: the usual messages in French, anything else as sent. */
function frenchValidationMessage(message: string | undefined): string {
  if (!message) return 'valeur refusée';
  if (/^must match format "email"/.test(message)) return "format d'adresse e-mail invalide";
  if (/^must match format/.test(message) || /^must match pattern/.test(message)) return 'format invalide';
  if (/^must have required property/.test(message)) return 'champ obligatoire';
  if (/^must NOT have fewer than/.test(message)) return 'valeur trop courte';
  if (/^must NOT have more than/.test(message)) return 'valeur trop longue';
  if (/^must NOT have additional properties/.test(message)) return 'champ inattendu';
  if (/^must be (<=|>=|<|>)/.test(message)) return 'valeur hors des limites autorisées';
  if (/^must (be equal to one of|match a schema in anyOf|be equal to constant)/.test(message)) return 'valeur non autorisée';
  return message;
}

/** The server's French message, and for REQUEST_INVALID the fields it rejected. */
export function ServerErrorAlert({ error }: { error: unknown }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [error]);
  const message = error instanceof Error ? error.message : 'Une erreur inconnue est survenue.';
  const details =
    error instanceof ApiError && Array.isArray(error.details)
      ? (error.details as Array<{ path?: string; message?: string }>).filter((d) => d && typeof d === 'object')
      : [];
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={ref} data-testid="server-error">
      <p>
        <strong>L'enregistrement a échoué.</strong> {message}
      </p>
      {details.length > 0 && (
        <ul>
          {details.map((d, i) => (
            <li key={i}>
              {(d.path && serverFieldLabels[d.path]) || d.path || 'Requête'} : {frenchValidationMessage(d.message)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The confirmation card: its heading takes the focus so the change of page is announced. */
export function Confirmation({ title, children, againLabel, onAgain }: { title: string; children: ReactNode; againLabel: string; onAgain: () => void }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <section className="card confirmation" aria-labelledby="titre-confirmation" data-testid="act-recorded">
      <h2 id="titre-confirmation" tabIndex={-1} ref={ref}>
        <span aria-hidden="true">✔</span> {title}
      </h2>
      {children}
      <button type="button" onClick={onAgain}>
        {againLabel}
      </button>
    </section>
  );
}

/** A reference list of a form that is not (yet) there: loading, or failed with a way to retry. */
export function ListUnavailable({ id, list, what, retry }: { id: string; list: { status: string; message?: string }; what: string; retry: () => void }) {
  if (list.status === 'error') {
    return (
      <div className="alert alert-error" role="alert">
        <p>
          La liste des {what} n'a pas pu être chargée : {list.message}
        </p>
        <button type="button" className="button secondary" onClick={retry}>
          Réessayer
        </button>
      </div>
    );
  }
  return (
    <p role="status" id={id}>
      Chargement de la liste des {what}…
    </p>
  );
}

export function NotAllowed({ what }: { what: string }) {
  return (
    <p className="alert alert-error" role="alert">
      {what} : non autorisé pour votre profession.
    </p>
  );
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short' });
}

export function formatDate(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}

export const sexNames: Record<Sex, string> = { F: 'Femme', M: 'Homme', U: 'Non précisé' };

/** The patient's code for the certificate, to print or copy onto their document (shown once). */
export function RetrievalCodeNotice({ code }: { code: string }) {
  return (
    <div className="alert alert-info" data-testid="retrieval-code">
      <p>
        Code à remettre au patient : <strong className="mono">{code}</strong>
      </p>
      <p className="hint">
        Avec ce code et sa date de naissance, le patient récupère son certificat (passe sanitaire) sur {location.origin}/patient, dès que l'acte est
        transmis. Il figure aussi dans le double des actes de cet appareil, et sur le document provisoire s'il en est remis un.
      </p>
    </div>
  );
}
