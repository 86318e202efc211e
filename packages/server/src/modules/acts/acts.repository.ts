import type { InsertObject, Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Inserts the act unless this professional already stored one under the same idempotency
 * key: then nothing is written and undefined comes back. Under concurrency the unique index
 * makes the later inserts wait for the first and do nothing.
 */
export async function insertTestResult(db: Executor, row: InsertObject<Database, 'test_results'>): Promise<string | undefined> {
  return (
    await db
      .insertInto('test_results')
      .values(row)
      .onConflict((oc) => oc.columns(['professional_id', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing())
      .returning('id')
      .executeTakeFirst()
  )?.id;
}

export async function insertVaccination(db: Executor, row: InsertObject<Database, 'vaccinations'>): Promise<string | undefined> {
  return (
    await db
      .insertInto('vaccinations')
      .values(row)
      .onConflict((oc) => oc.columns(['professional_id', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing())
      .returning('id')
      .executeTakeFirst()
  )?.id;
}

/** The act a professional stored under an idempotency key, to answer a replay. */
export async function findActByIdempotencyKey(db: Executor, table: 'test_results' | 'vaccinations', professionalId: string, key: string) {
  return db
    .selectFrom(table)
    .select(['id', 'recorded_at', 'captured_at', 'request_hash'])
    .where('professional_id', '=', professionalId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

export async function findTestOfProfessional(db: Executor, id: string, professionalId: string) {
  return db.selectFrom('test_results').selectAll().where('id', '=', id).where('professional_id', '=', professionalId).executeTakeFirst();
}
