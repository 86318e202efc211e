import { sql, type Kysely } from 'kysely';

/**
 * Recovery certificates: a positive test gives, from day 11, a recovery DCC with its
 * own UVCI, drawn at the first retrieval and kept so the same certificate is issued every time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table test_results add column recovery_uvci text`.execute(db);
}
