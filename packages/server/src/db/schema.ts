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
  created_at: CreatedAt;
  updated_at: Timestamp;
  last_sign_in_at: Timestamp | null;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value: a database leak does not leak usable sessions. */
  id: string;
  professional_id: string;
  csrf_token: string;
  id_token: string | null;
  auth_means: string | null;
  acr: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  absolute_expires_at: Timestamp;
}

export interface LoginAttemptsTable {
  /** SHA-256 of the browser-binding cookie value. */
  id: string;
  state: string;
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

export interface Database {
  professionals: ProfessionalsTable;
  sessions: SessionsTable;
  login_attempts: LoginAttemptsTable;
  audit_log: AuditLogTable;
}
