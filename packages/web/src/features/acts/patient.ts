import { normalizePersonName, personNameProblem } from '@prostopcovid/dcc/names';
import type { PatientInput, Sex } from '../../data/acts';
import { formatDate, isValidDate, localDate } from './dates';
import type { FieldErrors } from './field-errors';
import { EMAIL_MAX_LENGTH, PHONE_PATTERN } from '@prostopcovid/contracts/acts';

/** The patient's identity in the act forms: values as typed, checks, and what is sent. */
export interface PatientValues {
  familyName: string;
  givenName: string;
  birthDate: string;
  sex: Sex | '';
  email: string;
  phone: string;
}

export const emptyPatient: PatientValues = { familyName: '', givenName: '', birthDate: '', sex: '', email: '', phone: '' };

export { EMAIL_MAX_LENGTH };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = new RegExp(PHONE_PATTERN);

export const sexNames: Record<Sex, string> = { F: 'Femme', M: 'Homme', U: 'Non précisé' };

export const patientLabels: Record<string, string> = {
  'patient-familyName': 'Nom',
  'patient-givenName': 'Prénom',
  'patient-birthDate': 'Date de naissance',
  'patient-sex': 'Sexe',
  'patient-email': 'E-mail',
  'patient-phone': 'Téléphone',
};

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
  if (p.email.trim() && (!EMAIL.test(p.email.trim()) || p.email.trim().length > EMAIL_MAX_LENGTH)) {
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

/** What is sent: names in the one normalized form, contact details only when given. */
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
