import type { Kysely, Transaction } from 'kysely';
import type { Database, TestResultsTable, VaccinationsTable } from '../../db/schema.js';
import type { Insertable } from 'kysely';

type Executor = Kysely<Database> | Transaction<Database>;

export async function insertTestResult(db: Executor, row: Insertable<TestResultsTable>): Promise<string> {
  return (await db.insertInto('test_results').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export async function insertVaccination(db: Executor, row: Insertable<VaccinationsTable>): Promise<string> {
  return (await db.insertInto('vaccinations').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

export async function findTestOfProfessional(db: Executor, id: string, professionalId: string) {
  return db.selectFrom('test_results').selectAll().where('id', '=', id).where('professional_id', '=', professionalId).executeTakeFirst();
}
