import {
  MESSAGE_BODY_MAX_LENGTH,
  MESSAGE_CORRECTION_NOTE_MAX_LENGTH,
  MESSAGE_MAX_EXPIRY_DAYS,
  MESSAGE_TITLE_MAX_LENGTH,
  type MessageKind,
  type MessagePriority,
} from '@prostopcovid/contracts/messages';
import { ApiError } from '../../data/api';
import type { AuthoringContext, MessageContent, MessageVersion } from '../../data/messages';
import { localDateTime } from '../acts/dates';
import type { FieldErrors } from '../acts/field-errors';

/** The authoring form's values, as the inputs hold them, and what the server is sent. */
export interface FormValues {
  title: string;
  kind: MessageKind;
  priority: MessagePriority;
  /** "Tous les professionnels", or the TRE_G15 codes ticked. */
  allProfessions: boolean;
  professions: string[];
  /** National, or the regions and departments ticked. */
  national: boolean;
  regions: string[];
  departments: string[];
  body: string;
  /** datetime-local, in the browser's time zone; '' for none. */
  expiresAt: string;
  attachmentIds: string[];
}

export const fieldLabels: Record<string, string> = {
  'message-title': 'Titre',
  'message-kind': 'Type',
  'message-priority': 'Priorité',
  'message-professions': 'Professions',
  'message-zone': 'Zone',
  'message-body': 'Texte',
  'message-expiresAt': 'Expiration',
  'message-attachments': 'Pièces jointes',
  'message-note': 'Note de rectificatif',
  'withdraw-reason': 'Motif du retrait',
};

/** A new message: everyone, nationally for the DGS; the operator's own region for an ARS. */
export function emptyValues(context: AuthoringContext): FormValues {
  const regional = context.scope.kind === 'regional';
  return {
    title: '',
    kind: 'information',
    priority: 'normal',
    allProfessions: true,
    professions: [],
    national: !regional,
    regions: context.scope.kind === 'regional' ? [context.scope.region] : [],
    departments: [],
    body: '',
    expiresAt: '',
    attachmentIds: [],
  };
}

/** The form filled from a version (the draft, or the current published one to correct). */
export function valuesOfVersion(version: MessageVersion): FormValues {
  return {
    title: version.title,
    kind: version.kind,
    priority: version.priority,
    allProfessions: version.professions === null,
    professions: version.professions ?? [],
    national: version.zone.national,
    regions: version.zone.regions,
    departments: version.zone.departments,
    body: version.body,
    expiresAt: version.expiresAt ? localDateTime(new Date(version.expiresAt)) : '',
    attachmentIds: version.attachments.map((a) => a.id),
  };
}

/** Departments ticked inside a region ticked as a whole add nothing: they are not sent. */
export function effectiveDepartments(values: FormValues, context: AuthoringContext): string[] {
  const regionOf = new Map(context.departments.map((d) => [d.code, d.region]));
  return values.departments.filter((code) => !values.regions.includes(regionOf.get(code) ?? ''));
}

const DAY_MS = 86_400_000;
/** Characters nobody types (as the contract's PlainText refuses them). */
const UNTYPED = /[\u0000-\u001f\u007f\ufffd]/;
/** The same in a text over several lines, where tabs and line breaks are welcome. */
const UNTYPED_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

/** Checks what the server would refuse, with a French message next to each field; the content to send when all is well. */
export function validate(values: FormValues, context: AuthoringContext, now: Date): { errors: FieldErrors; content?: MessageContent } {
  const errors: FieldErrors = {};
  const title = values.title.trim();
  if (!title) errors['message-title'] = 'Indiquez le titre du message.';
  else if (title.length > MESSAGE_TITLE_MAX_LENGTH) errors['message-title'] = `Le titre ne doit pas dépasser ${MESSAGE_TITLE_MAX_LENGTH} caractères.`;
  else if (UNTYPED.test(title)) errors['message-title'] = 'Le titre contient un caractère invisible : retapez-le.';
  if (!values.allProfessions && values.professions.length === 0) {
    errors['message-professions'] = 'Choisissez « Tous les professionnels » ou au moins une profession.';
  } else if (!values.allProfessions && values.professions.length > 30) {
    errors['message-professions'] = 'Choisissez 30 professions au plus, ou « Tous les professionnels ».';
  }
  const departments = effectiveDepartments(values, context);
  if (values.national && context.scope.kind === 'regional') errors['message-zone'] = 'Une agence régionale écrit aux professionnels de sa région : choisissez la région ou des départements.';
  else if (!values.national && values.regions.length === 0 && departments.length === 0) errors['message-zone'] = 'Choisissez « National », ou au moins une région ou un département.';
  const body = values.body.trim();
  if (!body) errors['message-body'] = 'Écrivez le texte du message.';
  else if (values.body.length > MESSAGE_BODY_MAX_LENGTH) errors['message-body'] = `Le texte ne doit pas dépasser ${MESSAGE_BODY_MAX_LENGTH.toLocaleString('fr-FR')} caractères.`;
  else if (UNTYPED_MULTILINE.test(values.body)) errors['message-body'] = 'Le texte contient un caractère invisible (caractère de contrôle, souvent venu d’un copier-coller) : retirez-le.';
  let expiresAt: string | null = null;
  if (values.expiresAt) {
    const d = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(values.expiresAt) ? new Date(values.expiresAt) : null;
    if (!d || Number.isNaN(d.getTime())) errors['message-expiresAt'] = "La date d'expiration est invalide.";
    else if (d.getTime() <= now.getTime()) errors['message-expiresAt'] = "La date d'expiration doit être dans le futur.";
    else if (d.getTime() > now.getTime() + MESSAGE_MAX_EXPIRY_DAYS * DAY_MS) errors['message-expiresAt'] = "La date d'expiration ne peut pas dépasser un an.";
    else expiresAt = d.toISOString();
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    errors,
    content: {
      title,
      body: values.body,
      kind: values.kind,
      priority: values.priority,
      professions: values.allProfessions ? null : [...values.professions].sort(),
      zone: values.national ? { national: true, regions: [], departments: [] } : { national: false, regions: [...values.regions].sort(), departments: [...departments].sort() },
      expiresAt,
      attachmentIds: values.attachmentIds,
    },
  };
}

/**
 * A correction's note ("Rectificatif : …") or a withdrawal's reason: required, short, on one line
 * (line breaks typed in the box become spaces). The text to send when all is well.
 */
export function validateNote(id: 'message-note' | 'withdraw-reason', value: string, max = MESSAGE_CORRECTION_NOTE_MAX_LENGTH): { errors: FieldErrors; text?: string } {
  const text = value.replace(/\s+/g, ' ').trim();
  const what = id === 'message-note' ? 'ce qui a été rectifié (la note est montrée aux lecteurs)' : 'le motif du retrait';
  if (!text) return { errors: { [id]: `Indiquez ${what}.` } };
  if (text.length > max) return { errors: { [id]: `Le texte ne doit pas dépasser ${max} caractères.` } };
  if (UNTYPED.test(text)) return { errors: { [id]: 'Le texte contient un caractère invisible : retapez-le.' } };
  return { errors: {}, text };
}

const serverFields: Array<[RegExp, string, string]> = [
  [/^\/(content\/)?title/, 'message-title', 'titre vide, trop long ou avec un caractère invisible'],
  [/^\/(content\/)?body/, 'message-body', `texte vide ou trop long (${MESSAGE_BODY_MAX_LENGTH.toLocaleString('fr-FR')} caractères au plus)`],
  [/^\/(content\/)?kind/, 'message-kind', 'pour information ou pour action attendu'],
  [/^\/(content\/)?priority/, 'message-priority', 'normale ou prioritaire attendue'],
  [/^\/(content\/)?professions/, 'message-professions', 'professions invalides'],
  [/^\/(content\/)?zone/, 'message-zone', 'zone invalide'],
  [/^\/(content\/)?expiresAt/, 'message-expiresAt', 'date et heure invalides'],
  [/^\/(content\/)?attachmentIds/, 'message-attachments', 'pièces jointes invalides'],
  [/^\/note/, 'message-note', `note vide ou trop longue (${MESSAGE_CORRECTION_NOTE_MAX_LENGTH} caractères au plus)`],
  [/^\/reason/, 'withdraw-reason', 'motif vide ou trop long'],
];

/** The server's refusals that concern one field: its own French message goes next to that field. */
const fieldOfCode: Record<string, string> = {
  MESSAGES_BODY_HTML: 'message-body',
  MESSAGES_BODY_LINK: 'message-body',
  MESSAGES_BODY_IMAGE: 'message-body',
  MESSAGES_BODY_TOO_DEEP: 'message-body',
  MESSAGES_EXPIRY_INVALID: 'message-expiresAt',
  MESSAGES_ZONE_INVALID: 'message-zone',
  MESSAGES_ZONE_UNKNOWN: 'message-zone',
  MESSAGES_ZONE_OUT_OF_SCOPE: 'message-zone',
  MESSAGES_PROFESSION_UNKNOWN: 'message-professions',
  MESSAGES_ATTACHMENT_UNKNOWN: 'message-attachments',
  MESSAGES_TOO_MANY_ATTACHMENTS: 'message-attachments',
};

/** A refusal about one field: shown there (and in the summary), not above the form. */
export const isFieldRefusal = (error: unknown) => error instanceof ApiError && error.code in fieldOfCode;

/** The fields the server refused, in French next to each field: REQUEST_INVALID's details (whatever the validator said), or a refusal about one field. */
export function serverFieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiError)) return {};
  const field = fieldOfCode[error.code];
  if (field) return { [field]: error.message };
  if (!Array.isArray(error.details)) return {};
  const errors: FieldErrors = {};
  for (const detail of error.details as unknown[]) {
    const path = detail !== null && typeof detail === 'object' && 'path' in detail && typeof detail.path === 'string' ? detail.path : '';
    const pointer = path.startsWith('/') ? path : `/${path}`;
    const found = serverFields.find(([pattern]) => pattern.test(pointer));
    if (found) errors[found[1]] = `Refusé par le serveur : ${found[2]}.`;
  }
  return errors;
}
