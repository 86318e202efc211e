import type { AuditEntry } from '../../data/audit';

/**
 * The audit log's words in French: the actions and target types the server records (the
 * `recordAudit` calls of packages/server/src/modules/**), offered as suggestions in the search
 * form and shown beside their code in the results. An action not listed here is shown by its
 * code alone: the list helps, it does not limit the search.
 */
export const ACTION_SUGGESTIONS: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'tests.record', label: "Enregistrement d'un test" },
  { value: 'vaccinations.record', label: "Enregistrement d'une vaccination" },
  { value: 'codes.issue', label: "Émission d'un code StopCovid (6 caractères)" },
  { value: 'codes.issue_long', label: "Émission d'un code long (document COVID+)" },
  { value: 'codes.*', label: 'Codes StopCovid (toutes les actions)' },
  { value: 'declarations.redeem', label: "Déclaration dans l'application avec un code" },
  { value: 'declarations.rate_limited', label: 'Déclarations refusées par la limite de débit' },
  { value: 'certificates.retrieve', label: "Récupération d'un certificat par un patient" },
  { value: 'auth.sign_in', label: 'Connexion Pro Santé Connect' },
  { value: 'auth.sign_out', label: 'Déconnexion' },
  { value: 'auth.access_refused', label: 'Accès refusé (droit manquant)' },
  { value: 'auth.fallback.*', label: 'Accès de secours (inscription, activation, connexion, retrait)' },
  { value: 'auth.*', label: 'Connexions et accès (toutes les actions)' },
  { value: 'incidents.*', label: 'Incidents (déclaration, mise à jour, ouverture et fermeture automatiques)' },
  { value: 'messages.publish', label: "Publication d'un message urgent" },
  { value: 'messages.acknowledge', label: "Prise de connaissance d'un message urgent" },
  { value: 'messages.*', label: 'Messages urgents (toutes les actions)' },
  { value: 'statistics.read', label: 'Consultation des statistiques' },
  { value: 'statistics.kpi_read', label: "Lecture des indicateurs avec une clé d'API" },
  { value: 'operator_keys.*', label: "Clés d'API des opérateurs (création, révocation)" },
  { value: 'labs.*', label: 'Laboratoires (résultats, codes longs, clés)' },
  { value: 'attestations.*', label: "Clés d'attestation provisoire" },
  { value: 'robert.report', label: 'Signalement ROBERT (application StopCovid)' },
  { value: 'audit.search', label: 'Recherche dans le journal' },
  { value: 'audit.export', label: 'Export du journal' },
  { value: 'audit.*', label: 'Consultations du journal (recherches, exports)' },
];

const ACTION_LABELS: Record<string, string> = {
  ...Object.fromEntries(ACTION_SUGGESTIONS.filter((a) => !a.value.endsWith('.*')).map((a) => [a.value, a.label])),
  'auth.fallback.enrollment_start': "Début d'inscription à l'accès de secours",
  'auth.fallback.activate': "Activation de l'accès de secours",
  'auth.fallback.sign_in': "Connexion par l'accès de secours",
  'auth.fallback.remove': "Retrait de l'accès de secours",
  'incidents.declare': "Déclaration d'un incident",
  'incidents.update': "Mise à jour d'un incident",
  'incidents.close': "Clôture d'un incident",
  'incidents.open_automatic': "Ouverture automatique d'un incident",
  'incidents.close_automatic': "Fermeture automatique d'un incident",
  'messages.draft': "Brouillon d'un message urgent",
  'messages.draft_update': "Modification d'un brouillon",
  'messages.correct': "Rectificatif d'un message urgent",
  'messages.withdraw': "Retrait d'un message urgent",
  'messages.attach': "Pièce jointe d'un message urgent",
  'messages.remind': 'Rappels aux non-confirmés',
  'operator_keys.create': "Création d'une clé d'API d'opérateur",
  'operator_keys.revoke': "Révocation d'une clé d'API d'opérateur",
  'labs.create': "Création d'un laboratoire",
  'labs.key_create': "Création d'une clé d'API de laboratoire",
  'labs.key_revoke': "Révocation d'une clé d'API de laboratoire",
  'labs.results_batch': "Lot de résultats d'un laboratoire",
  'labs.long_codes_issue': "Codes longs demandés par un laboratoire",
  'labs.long_codes_replay': "Lot de codes longs demandé à nouveau",
  'attestations.key_enroll': "Inscription d'une clé d'attestation provisoire",
  'attestations.key_revoke': "Révocation d'une clé d'attestation provisoire",
};

export function actionLabel(action: string): string | undefined {
  return ACTION_LABELS[action];
}

export const TARGET_TYPE_SUGGESTIONS: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'test_result', label: 'Résultat de test' },
  { value: 'vaccination', label: 'Vaccination' },
  { value: 'declaration_code', label: 'Code StopCovid' },
  { value: 'declaration', label: 'Déclaration' },
  { value: 'professional', label: 'Professionnel' },
  { value: 'message', label: 'Message urgent' },
  { value: 'incident', label: 'Incident' },
  { value: 'lab', label: 'Laboratoire' },
  { value: 'lab_api_key', label: "Clé d'API de laboratoire" },
  { value: 'lab_long_code_batch', label: 'Lot de codes longs' },
  { value: 'operator_api_key', label: "Clé d'API d'opérateur" },
  { value: 'attestation_key', label: "Clé d'attestation provisoire" },
  { value: 'statistics', label: 'Statistiques' },
  { value: 'audit_log', label: "Journal d'audit" },
  { value: 'route', label: 'Page ou adresse de l’API' },
];

const TARGET_LABELS: Record<string, string> = {
  ...Object.fromEntries(TARGET_TYPE_SUGGESTIONS.map((t) => [t.value, t.label])),
  // certificates.retrieve names the kind of certificate.
  test: 'Certificat de test',
  recovery: 'Certificat de rétablissement',
};

export function targetTypeLabel(targetType: string): string {
  return TARGET_LABELS[targetType] ?? targetType;
}

const OUTCOME_LABELS: Record<string, string> = { success: 'Réussite', failure: 'Échec', denied: 'Refus' };
export function outcomeLabel(outcome: string): string {
  return OUTCOME_LABELS[outcome] ?? outcome;
}

/** Who acted, when not a professional known to the service. */
export function actorTypeLabel(actorType: string): string {
  if (actorType === 'system') return 'Système (tâche automatique)';
  if (actorType === 'anonymous') return 'Sans session (laboratoire, patient, application, machine)';
  if (actorType === 'professional') return 'Professionnel';
  return actorType;
}

/** The details' keys the server writes (recordAudit calls), in French; an unknown key is shown as written. */
const DETAIL_LABELS: Record<string, string> = {
  testType: 'type de test',
  outbox: 'envoyé depuis la file de l’appareil',
  product: 'vaccin',
  reason: 'motif',
  reference: 'référence',
  version: 'version',
  kind: 'nature',
  priority: 'priorité',
  professions: 'professions',
  profession: 'profession',
  zone: 'zone',
  region: 'région',
  department: 'département',
  departments: 'départements',
  recipients: 'destinataires',
  emails: 'courriels',
  queued: 'mis en file',
  cancelledEmails: 'courriels annulés',
  cancelled: 'annulés',
  attachmentId: 'pièce jointe',
  sha256: 'empreinte SHA-256',
  bytes: 'octets',
  keyId: 'clé',
  labId: 'laboratoire',
  idNatPs: 'IdNat_PS',
  count: 'nombre',
  requested: 'demandés',
  received: 'reçus',
  created: 'créés',
  accepted: 'acceptés',
  lines: 'lignes',
  truncated: 'tronqué',
  page: 'page',
  from: 'du',
  to: 'au',
  validUntil: 'valable jusqu’au',
  withdrawnAt: 'retiré le',
  remainingToday: 'restant aujourd’hui',
  longCodesAttached: 'codes longs rattachés',
  idempotencyKey: 'clé d’idempotence',
  authMeans: 'moyen d’authentification',
  acr: 'niveau d’authentification',
  right: 'droit',
  deviceId: 'test utilisé',
  endedSessions: 'sessions fermées',
  automatic: 'automatique',
  component: 'composant',
  contacts: 'contacts',
  rejectedOutsideWindow: 'hors période',
  code: 'code',
};

/** Values that are codes of a closed list, in French; others as written. */
const VALUE_LABELS: Record<string, string> = {
  antigen: 'antigénique',
  'self-test': 'autotest supervisé',
  pcr: 'RT-PCR',
  information: 'pour information',
  action: 'pour action',
  normal: 'normale',
  high: 'prioritaire',
  national: 'nationale',
  first: 'première',
  next: 'suivante',
};

/**
 * The entry's details as pairs (identifiers, reasons, counts: the server never puts health data
 * there): `label` in French, `key` as recorded (the CSV export keeps it), `value` with text as
 * is, closed-list codes and yes/no in French, numbers as written, lists joined, anything else
 * as compact JSON.
 */
export function detailPairs(details: AuditEntry['details']): Array<{ key: string; label: string; value: string }> {
  return Object.entries(details).map(([key, value]) => ({ key, label: DETAIL_LABELS[key] ?? key, value: detailValue(value) }));
}

function detailValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return VALUE_LABELS[value] ?? value;
  if (typeof value === 'boolean') return value ? 'oui' : 'non';
  if (typeof value === 'number') return value.toLocaleString('fr-FR');
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item))).join(', ');
  return JSON.stringify(value);
}
