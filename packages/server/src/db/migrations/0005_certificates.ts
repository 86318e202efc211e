import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    // Each act gets its certificate identifier at recording, and a retrieval code for the
    // patient (stored as a SHA-256, like every bearer secret).
    sql`alter table test_results add column uvci text`,
    sql`alter table test_results add column retrieval_hash text`,
    sql`alter table vaccinations add column uvci text`,
    sql`alter table vaccinations add column retrieval_hash text`,
    sql`create unique index test_results_retrieval_idx on test_results (retrieval_hash)`,
    sql`create unique index vaccinations_retrieval_idx on vaccinations (retrieval_hash)`,
  ]) {
    await statement.execute(db);
  }
}
