/**
 * Typed factories of acts and codes written straight into the database, for tests that need
 * a hand-built data set (statistics): each call writes `count` identical rows.
 */
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.js';
import type { DeclarationCodesTable, TestResultsTable, VaccinationsTable } from '../db/schema.js';

const patient = { family_name: 'DUPONT', given_name: 'CAMILLE', birth_date: '1980-06-15', sex: 'F' as const };

const times = <T>(count: number, make: () => T): T[] => Array.from({ length: count }, make);

export async function insertTests(db: Db, count: number, row: Partial<Insertable<TestResultsTable>> & Pick<Insertable<TestResultsTable>, 'sampled_at'>): Promise<void> {
  if (count === 0) return;
  await db
    .insertInto('test_results')
    .values(times(count, () => ({ ...patient, test_type: 'antigen' as const, result: 'not-detected' as const, place: 'Pharmacie', recorded_at: row.sampled_at, ...row })))
    .execute();
}

export async function insertVaccinations(db: Db, count: number, row: Partial<Insertable<VaccinationsTable>> & Pick<Insertable<VaccinationsTable>, 'vaccinated_on' | 'recorded_at' | 'professional_id'>): Promise<void> {
  if (count === 0) return;
  await db
    .insertInto('vaccinations')
    .values(
      times(count, () => ({
        ...patient,
        product: 'EU/1/20/1528',
        manufacturer: 'ORG-100030215',
        prophylaxis: 'J07BX03',
        dose_number: 1,
        series_total: 2,
        lot_number: 'FK1234',
        place: 'Centre de vaccination',
        ...row,
      })),
    )
    .execute();
}

/** Codes with a unique hash each; returns their ids. */
export async function insertCodes(db: Db, count: number, row: Partial<Insertable<DeclarationCodesTable>> & Pick<Insertable<DeclarationCodesTable>, 'issued_at' | 'expires_at'>): Promise<string[]> {
  if (count === 0) return [];
  const rows = await db
    .insertInto('declaration_codes')
    .values(times(count, () => ({ code_hash: randomUUID(), key_id: 'test', kind: 'short' as const, case_kind: 'probable' as const, professional_id: null, consumed_at: null, ...row })))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** A declaration for each code (declared when the code was used). */
export async function insertDeclarations(db: Db, codeIds: readonly string[], declaredAt: Date): Promise<void> {
  if (codeIds.length === 0) return;
  await db
    .insertInto('declarations')
    .values(
      codeIds.map((codeId) => ({
        code_id: codeId,
        onset_kind: 'unknown' as const,
        onset_date: null,
        window_from: '2026-11-20',
        window_to: '2026-12-01',
        upload_token_hash: randomUUID(),
        token_expires_at: declaredAt,
        declared_at: declaredAt,
        uploaded_at: null,
        contacts_accepted: null,
        contacts_rejected: null,
      })),
    )
    .execute();
}
