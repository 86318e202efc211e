import { MAX_DOSE } from '@prostopcovid/contracts/acts';
import { PERSON_NAME_MAX_LENGTH } from '@prostopcovid/dcc/names';
import { ApiError } from '../../data/api';
import { PLACE_MAX_LENGTH } from './place';

/**
 * The fields of an act the server refused (REQUEST_INVALID), in French. The server's details
 * are `{ path, message }` per refused value (platform/error-handler.ts): `path` is the JSON
 * pointer of the value, the bare name of a missing top-level property, or '' for the body
 * itself; `message` is the schema validator's English and is never shown. What a field
 * accepts is said from the request schema's limits (@prostopcovid/contracts/acts).
 */
export interface RefusedField {
  label: string;
  message: string;
}

const NAME = `lettres latines, grecques ou cyrilliques seulement, mots séparés par des espaces, traits d’union ou apostrophes (${PERSON_NAME_MAX_LENGTH} caractères au plus)`;
const DAY = 'date attendue au format AAAA-MM-JJ';
const INSTANT = 'date et heure invalides';
const DOSE = `nombre entier de 1 à ${MAX_DOSE} attendu`;

const fields: Record<string, RefusedField> = {
  '/patient': { label: 'Patient', message: 'identité incomplète ou invalide' },
  '/patient/familyName': { label: 'Nom du patient', message: NAME },
  '/patient/givenName': { label: 'Prénom du patient', message: NAME },
  '/patient/birthDate': { label: 'Date de naissance', message: DAY },
  '/patient/sex': { label: 'Sexe', message: 'Femme, Homme ou Non précisé attendu' },
  '/patient/email': { label: 'E-mail', message: "format d'adresse e-mail invalide" },
  '/patient/phone': { label: 'Téléphone', message: '6 à 20 chiffres, espaces, points ou tirets, + en tête possible' },
  '/testType': { label: 'Type de test', message: 'test antigénique ou autotest supervisé attendu' },
  '/sampledAt': { label: 'Date et heure du prélèvement', message: INSTANT },
  '/result': { label: 'Résultat', message: 'positif ou négatif attendu' },
  '/deviceId': { label: 'Test utilisé', message: 'identifiant de test invalide (1 à 20 caractères)' },
  '/product': { label: 'Vaccin', message: 'identifiant de vaccin invalide (1 à 60 caractères)' },
  '/doseNumber': { label: 'Numéro de dose', message: DOSE },
  '/seriesTotal': { label: 'Nombre total de doses', message: DOSE },
  '/vaccinatedOn': { label: 'Date de vaccination', message: DAY },
  '/lotNumber': { label: 'Numéro de lot', message: '2 à 30 caractères : lettres, chiffres, points, barres obliques ou tirets' },
  '/place': { label: 'Lieu', message: `1 à ${PLACE_MAX_LENGTH} caractères, sans caractère invisible` },
  '/retrievalCode': { label: 'Code patient', message: 'code de 12 caractères attendu' },
  '/capturedAt': { label: "Date d'enregistrement sur l'appareil", message: INSTANT },
};

/** One refused value of the server's details, in French whatever the validator said. */
export function describeRefusedField(path: string | undefined): RefusedField {
  if (!path) return { label: 'Requête', message: 'contenu inattendu' };
  // A bare name is a required property the body lacks.
  if (!path.startsWith('/')) return { label: fields[`/${path}`]?.label ?? path, message: 'champ obligatoire' };
  return fields[path] ?? { label: path, message: 'valeur refusée' };
}

/** The refused fields an API error carries (none for other errors). */
export function refusedFields(error: unknown): RefusedField[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return [];
  return (error.details as unknown[])
    .filter((d): d is { path?: unknown } => d !== null && typeof d === 'object')
    .map((d) => describeRefusedField(typeof d.path === 'string' ? d.path : undefined));
}
