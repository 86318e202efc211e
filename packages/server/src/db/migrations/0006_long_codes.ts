import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    // The long one-time code printed on a COVID+ document belongs to one test result.
    sql`alter table declaration_codes add column test_result_id uuid references test_results(id)`,
    sql`create index declaration_codes_test_result_idx on declaration_codes (test_result_id) where test_result_id is not null`,
  ]) {
    await statement.execute(db);
  }
}
