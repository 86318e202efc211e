import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export async function insertLab(db: Executor, lab: { name: string; finess: string | null; department: string | null; now: Date }) {
  return db
    .insertInto('labs')
    .values({ name: lab.name, finess: lab.finess, department: lab.department, created_at: lab.now })
    .returning(['id', 'name', 'finess', 'department'])
    .executeTakeFirstOrThrow();
}

export async function labExists(db: Executor, labId: string): Promise<boolean> {
  return (await db.selectFrom('labs').select('id').where('id', '=', labId).executeTakeFirst()) !== undefined;
}

export async function insertLabKey(db: Executor, key: { labId: string; keyHash: string; now: Date }): Promise<string> {
  return (await db.insertInto('lab_api_keys').values({ lab_id: key.labId, key_hash: key.keyHash, created_at: key.now }).returning('id').executeTakeFirstOrThrow()).id;
}

export async function revokeLabKey(db: Executor, labId: string, keyId: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('lab_api_keys').set({ revoked_at: now }).where('id', '=', keyId).where('lab_id', '=', labId).where('revoked_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listLabsWithKeys(db: Executor) {
  const labs = await db.selectFrom('labs').select(['id', 'name', 'finess', 'department']).orderBy('name').execute();
  const keys = await db.selectFrom('lab_api_keys').select(['id', 'lab_id', 'created_at', 'revoked_at']).orderBy('created_at').execute();
  return { labs, keys };
}

export async function findActiveKey(db: Executor, keyHash: string) {
  return db
    .selectFrom('lab_api_keys')
    .innerJoin('labs', 'labs.id', 'lab_api_keys.lab_id')
    .select(['lab_api_keys.id as keyId', 'labs.id as labId', 'labs.name as labName'])
    .where('lab_api_keys.key_hash', '=', keyHash)
    .where('lab_api_keys.revoked_at', 'is', null)
    .executeTakeFirst();
}

export interface LabResultRow {
  sampleId: string;
  familyName: string;
  givenName: string;
  birthDate: string;
  sex: string;
  email: string | null;
  phone: string | null;
  sampledAt: Date;
  result: string;
  uvci: string;
  retrievalHash: string;
}

/**
 * Inserts a batch as one statement over column arrays (cheap to build and plan whatever the
 * batch size); results the lab already sent are skipped by the unique (lab, sample) index.
 */
export async function insertLabResults(db: Executor, lab: { id: string; name: string }, rows: LabResultRow[], now: Date) {
  const column = <K extends keyof LabResultRow>(key: K) => rows.map((row) => row[key]);
  const { rows: inserted } = await sql<{ id: string; lab_sample_id: string }>`
    insert into test_results (test_type, family_name, given_name, birth_date, sex, email, phone, sampled_at, result, device_id, place, professional_id, recorded_at, lab_id, lab_sample_id, uvci, retrieval_hash, department)
    select 'rt-pcr', family_name, given_name, birth_date, sex, email, phone, sampled_at, result, null, ${lab.name}, null, ${now}, ${lab.id}::uuid, sample_id, uvci, retrieval_hash,
      (select department from labs where id = ${lab.id}::uuid)
    from unnest(${column('sampleId')}::text[], ${column('familyName')}::text[], ${column('givenName')}::text[], ${column('birthDate')}::date[],
      ${column('sex')}::text[], ${column('email')}::text[], ${column('phone')}::text[], ${column('sampledAt')}::timestamptz[], ${column('result')}::text[],
      ${column('uvci')}::text[], ${column('retrievalHash')}::text[])
      as batch(sample_id, family_name, given_name, birth_date, sex, email, phone, sampled_at, result, uvci, retrieval_hash)
    on conflict (lab_id, lab_sample_id) where lab_id is not null do nothing
    returning id, lab_sample_id
  `.execute(db);
  return inserted;
}
