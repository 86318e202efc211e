import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** The act behind a retrieval code, only if the date of birth matches too. */
export async function findActByRetrieval(db: Kysely<Database>, retrievalHash: string, birthDate: string) {
  const test = await db
    .selectFrom('test_results')
    .select(['id', 'test_type', 'family_name', 'given_name', 'birth_date', 'sampled_at', 'result', 'device_id', 'place', 'uvci', 'recovery_uvci'])
    .where('retrieval_hash', '=', retrievalHash)
    .where('birth_date', '=', birthDate)
    .executeTakeFirst();
  if (test) return { kind: 'test' as const, test };
  const vaccination = await db
    .selectFrom('vaccinations')
    .select(['id', 'family_name', 'given_name', 'birth_date', 'product', 'dose_number', 'series_total', 'vaccinated_on', 'lot_number', 'uvci', 'recorded_at'])
    .where('retrieval_hash', '=', retrievalHash)
    .where('birth_date', '=', birthDate)
    .executeTakeFirst();
  return vaccination ? { kind: 'vaccination' as const, vaccination } : undefined;
}

/** The recovery certificate's UVCI of a test: the one already drawn, or `candidate` stored now (one statement, so concurrent retrievals agree). */
export async function assignRecoveryUvci(db: Kysely<Database>, testId: string, candidate: string): Promise<string> {
  const row = await db
    .updateTable('test_results')
    .set({ recovery_uvci: sql<string>`coalesce(recovery_uvci, ${candidate})` })
    .where('id', '=', testId)
    .returning('recovery_uvci')
    .executeTakeFirstOrThrow();
  return row.recovery_uvci!;
}
