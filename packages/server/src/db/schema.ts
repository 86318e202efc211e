import type { ColumnType, Generated, JSONColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

/** One exercice as PSC describes it (SubjectRefPro.exercices[]), kept as received. */
export interface PscExercice {
  codeProfession: string;
  codeCategorieProfessionnelle?: string;
  codeSavoirFaire?: string;
  codeTypeSavoirFaire?: string;
  activities?: Array<Record<string, unknown>>;
}

export interface ProfessionalsTable {
  id: Generated<string>;
  id_nat_ps: string;
  given_name: string;
  family_name: string;
  professions: ColumnType<string[], string[], string[]>;
  exercices: JSONColumnType<PscExercice[]>;
  /** From the PSC activities (adresseEMailCoordStructure): where urgent messages are e-mailed. */
  email: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  last_sign_in_at: Timestamp | null;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value: a database leak does not leak usable sessions. */
  id: string;
  professional_id: string;
  /** The PSC id_token, sealed with a key derived from the cookie value (`sealWithToken`). */
  id_token_sealed: string | null;
  auth_means: string | null;
  acr: string;
  /** 'psc', or 'fallback' for the second channel (local account + TOTP). */
  channel: Generated<'psc' | 'fallback'>;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  absolute_expires_at: Timestamp;
}

export interface LoginAttemptsTable {
  state: string;
  /** SHA-256 of the browser-binding cookie value: the callback must come from the same browser. */
  binding_hash: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  occurred_at: Timestamp;
  actor_type: 'professional' | 'anonymous' | 'system';
  actor_id: string | null;
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: JSONColumnType<Record<string, unknown>>;
}

export interface DeclarationCodesTable {
  id: Generated<string>;
  code_hash: string | null;
  key_id: string;
  kind: 'short' | 'long';
  case_kind: 'confirmed' | 'probable' | null;
  qr_code_unavailable: Generated<boolean>;
  professional_id: string | null;
  issued_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: Timestamp | null;
  test_result_id: Generated<string | null>;
  /** Where and by whom it counts in the statistics, fixed when recorded (migration 0014). */
  department: Generated<string | null>;
  profession: Generated<string | null>;
  /** A laboratory's long code: the batch it came from; redeemable once attached to a result (migration 0015). */
  lab_batch_id: Generated<string | null>;
}

export interface DeclarationsTable {
  id: Generated<string>;
  code_id: string;
  onset_kind: 'symptoms' | 'test' | 'unknown';
  /** Dates are read back as YYYY-MM-DD strings (a type parser keeps them from becoming Dates). */
  onset_date: string | null;
  window_from: string;
  window_to: string;
  upload_token_hash: string;
  token_expires_at: Timestamp;
  declared_at: Timestamp;
  uploaded_at: Timestamp | null;
  contacts_accepted: number | null;
  contacts_rejected: number | null;
  /** SHA-256 of the report sent with the token: the same report again gets the same answer. */
  report_digest: Buffer | null;
}

export interface RobertRegistrationsTable {
  id_a: Buffer;
  keys_sealed: Buffer;
  created_epoch: number;
  last_active_epoch: number;
  last_status_epoch: number | null;
  tuples_until_epoch: number;
  scores_from_epoch: Generated<number>;
  at_risk: Generated<boolean>;
  last_contact_epoch: number | null;
  last_contact_day_blurred: number | null;
  last_risk_scoring_epoch: number | null;
  notified_epoch: number | null;
}

export interface RobertExposuresTable {
  id_a: Buffer;
  epoch_id: number;
  score: number;
}

export interface RobertServerKeysTable {
  day: number;
  key_sealed: Buffer;
  created_at: CreatedAt;
}

export interface RobertReportsTable {
  id: Generated<string>;
  received_at: Timestamp;
  hellos: number;
  payload: Buffer;
  attempts: Generated<number>;
}

export interface RobertCaptchasUsedTable {
  id_hash: Buffer;
  expires_at: Timestamp;
}

export interface RobertCountersTable {
  day: string;
  name: string;
  value: ColumnType<string, number | string, number | string>;
}

export interface RateLimitHitsTable {
  key: string;
  window_start: Timestamp;
  hits: number;
}

interface PatientColumns {
  family_name: string;
  given_name: string;
  birth_date: string;
  sex: 'F' | 'M' | 'U';
  email: string | null;
  phone: string | null;
}

export interface TestResultsTable extends PatientColumns {
  id: Generated<string>;
  test_type: 'antigen' | 'supervised-self-test' | 'rt-pcr';
  sampled_at: Timestamp;
  result: 'detected' | 'not-detected';
  device_id: string | null;
  place: string;
  professional_id: string | null;
  recorded_at: Timestamp;
  lab_id: string | null;
  lab_sample_id: string | null;
  uvci: string | null;
  /** UVCI of the recovery certificate of a positive test, drawn at its first retrieval. */
  recovery_uvci: Generated<string | null>;
  retrieval_hash: string | null;
  /** Client-generated (browser outbox): the same act sent again is stored once. */
  idempotency_key: Generated<string | null>;
  /** SHA-256 of the act as first sent: a key reused for another act is a conflict. */
  request_hash: Generated<string | null>;
  /** When the act was saved in the professional's outbox (act time); recorded_at is the entry time. */
  captured_at: Generated<Date | null>;
  /** Where and by whom it counts in the statistics, fixed when recorded (migration 0014). */
  department: Generated<string | null>;
  profession: Generated<string | null>;
  /** A lab result's retrieval code under AES-256-GCM, for a replayed batch; cleared after the replay window (migration 0015). */
  retrieval_sealed: Generated<string | null>;
}

export interface LabsTable {
  id: Generated<string>;
  name: string;
  finess: string | null;
  created_at: Timestamp;
  /** From the FINESS number: where its results count in the statistics. */
  department: Generated<string | null>;
}

export interface StatsDailyTable {
  day: string;
  recorded_day: string;
  metric: string;
  department: string;
  profession: string;
  dimension: string;
  count: number;
}

export interface OperatorApiKeysTable {
  id: Generated<string>;
  key_hash: string;
  label: string;
  region: string | null;
  created_by: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface StatsStateTable {
  name: string;
  day: string;
  at: Timestamp;
}

export interface LabLongCodeBatchesTable {
  id: Generated<string>;
  lab_id: string;
  key_id: string;
  count: number;
  issued_at: Timestamp;
  valid_until: Timestamp;
  idempotency_key: string | null;
  /** With an Idempotency-Key: the codes sealed under a key derived from the lab's API key; cleared after 24 hours. */
  sealed_codes: string | null;
}

export interface LabApiKeysTable {
  id: Generated<string>;
  lab_id: string;
  key_hash: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface VaccinationsTable extends PatientColumns {
  id: Generated<string>;
  product: string;
  manufacturer: string;
  prophylaxis: string;
  dose_number: number;
  series_total: number;
  vaccinated_on: string;
  lot_number: string;
  place: string;
  professional_id: string;
  recorded_at: Timestamp;
  uvci: string | null;
  retrieval_hash: string | null;
  /** Client-generated (browser outbox): the same act sent again is stored once. */
  idempotency_key: Generated<string | null>;
  /** SHA-256 of the act as first sent: a key reused for another act is a conflict. */
  request_hash: Generated<string | null>;
  /** When the act was saved in the professional's outbox (act time); recorded_at is the entry time. */
  captured_at: Generated<Date | null>;
  /** Where and by whom it counts in the statistics, fixed when recorded (migration 0014). */
  department: Generated<string | null>;
  profession: Generated<string | null>;
}

export type IncidentComponent = 'psc' | 'tests-portal' | 'vaccination-portal';

export interface IncidentsTable {
  id: Generated<string>;
  component: IncidentComponent;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  test_attestation_hours: Generated<number>;
  message: string | null;
  source: 'operator' | 'automatic';
  declared_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface AttestationKeysTable {
  /** RFC 7638 thumbprint of the public JWK. */
  kid: string;
  professional_id: string;
  public_jwk: JSONColumnType<JsonWebKey>;
  enrolled_at: Timestamp;
  revoked_at: Timestamp | null;
  user_agent: string | null;
}

export interface FallbackAccountsTable {
  professional_id: string;
  password_hash: string;
  totp_secret: string;
  /** Last TOTP time step accepted: a code is used once. */
  totp_last_step: ColumnType<string | null, number | string | null, number | string | null>;
  enrolled_at: Timestamp;
  last_used_at: Timestamp | null;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
}

/** A TOTP secret shown at enrollment, not active until a first code confirms it. */
export interface FallbackEnrollmentsTable {
  professional_id: string;
  totp_secret: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface ProfessionalZonesTable {
  professional_id: string;
  profession: string;
  /** '' when no activity has a known address. */
  department: string;
  region: string;
}

export interface MessageSeriesTable {
  series: string;
  year: number;
  last_number: number;
}

export type MessageStatus = 'draft' | 'published' | 'withdrawn';

export interface MessagesTable {
  id: Generated<string>;
  series: string;
  scope_region: string | null;
  reference: string | null;
  status: MessageStatus;
  current_version: ColumnType<number, number | undefined, number>;
  /** Raised by every change; the ETag of the message (migration 0016). */
  revision: ColumnType<number, number | undefined, number>;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  published_at: Timestamp | null;
  withdrawn_at: Timestamp | null;
  withdraw_reason: string | null;
}

export interface MessageVersionsTable {
  message_id: string;
  version: number;
  title: string;
  body: string;
  body_html: string;
  kind: 'information' | 'action';
  priority: 'high' | 'normal';
  professions: string[] | null;
  zone_national: boolean;
  zone_regions: string[];
  zone_departments: string[];
  expires_at: Timestamp | null;
  attachment_ids: ColumnType<string[], string[] | undefined, string[]>;
  correction_note: string | null;
  published_at: Timestamp | null;
  published_by: string | null;
  reminders_queued_at: Timestamp | null;
}

export interface MessageAttachmentsTable {
  id: Generated<string>;
  message_id: string;
  filename: string;
  content: Buffer;
  bytes: number;
  sha256: string;
  created_at: Timestamp;
}

export interface MessageRecipientsTable {
  message_id: string;
  version: number;
  professional_id: string;
  profession: string;
  department: string;
  region: string;
  late: ColumnType<boolean, boolean | undefined, boolean>;
  read_at: Timestamp | null;
  acknowledged_at: Timestamp | null;
}

export type MessageEmailStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'bounced' | 'interrupted' | 'cancelled';

export interface MessageEmailsTable {
  id: Generated<string>;
  message_id: string;
  version: number;
  professional_id: string;
  kind: 'message' | 'reminder';
  address: string;
  status: ColumnType<MessageEmailStatus, MessageEmailStatus | undefined, MessageEmailStatus>;
  not_before: Timestamp;
  attempts: ColumnType<number, number | undefined, number>;
  claimed_at: Timestamp | null;
  sent_at: Timestamp | null;
  error: string | null;
}

export interface Database {
  stats_daily: StatsDailyTable;
  stats_state: StatsStateTable;
  operator_api_keys: OperatorApiKeysTable;
  professional_zones: ProfessionalZonesTable;
  message_series: MessageSeriesTable;
  messages: MessagesTable;
  message_versions: MessageVersionsTable;
  message_attachments: MessageAttachmentsTable;
  message_recipients: MessageRecipientsTable;
  message_emails: MessageEmailsTable;
  incidents: IncidentsTable;
  attestation_keys: AttestationKeysTable;
  fallback_accounts: FallbackAccountsTable;
  fallback_enrollments: FallbackEnrollmentsTable;
  labs: LabsTable;
  lab_api_keys: LabApiKeysTable;
  lab_long_code_batches: LabLongCodeBatchesTable;
  test_results: TestResultsTable;
  vaccinations: VaccinationsTable;
  declaration_codes: DeclarationCodesTable;
  declarations: DeclarationsTable;
  robert_registrations: RobertRegistrationsTable;
  robert_exposures: RobertExposuresTable;
  robert_server_keys: RobertServerKeysTable;
  robert_reports: RobertReportsTable;
  robert_captchas_used: RobertCaptchasUsedTable;
  robert_counters: RobertCountersTable;
  rate_limit_hits: RateLimitHitsTable;
  professionals: ProfessionalsTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  audit_log: AuditLogTable;
}
