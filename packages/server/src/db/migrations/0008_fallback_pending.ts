import { sql, type Kysely } from 'kysely';

/**
 * Pending enrollments of the second sign-in channel: the TOTP secret shown as a QR code,
 * kept until the professional proves with a first code that the authenticator app has it.
 * Short-lived; an active account lives in fallback_accounts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table fallback_enrollments (
    professional_id uuid primary key references professionals(id),
    totp_secret text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null
  )`.execute(db);
}
