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
  /** The retrieval code sealed (AES-256-GCM) for a replay of the batch. */
  retrievalSealed: string;
}

/**
 * Inserts a batch as one statement over column arrays (cheap to build and plan whatever the
 * batch size); results the lab already sent are skipped by the unique (lab, sample) index.
 */
export async function insertLabResults(db: Executor, lab: { id: string; name: string }, rows: LabResultRow[], now: Date) {
  const column = <K extends keyof LabResultRow>(key: K) => rows.map((row) => row[key]);
  const { rows: inserted } = await sql<{ id: string; lab_sample_id: string }>`
    insert into test_results (test_type, family_name, given_name, birth_date, sex, email, phone, sampled_at, result, device_id, place, professional_id, recorded_at, lab_id, lab_sample_id, uvci, retrieval_hash, retrieval_sealed, department)
    select 'rt-pcr', family_name, given_name, birth_date, sex, email, phone, sampled_at, result, null, ${lab.name}, null, ${now}, ${lab.id}::uuid, sample_id, uvci, retrieval_hash, retrieval_sealed,
      (select department from labs where id = ${lab.id}::uuid)
    from unnest(${column('sampleId')}::text[], ${column('familyName')}::text[], ${column('givenName')}::text[], ${column('birthDate')}::date[],
      ${column('sex')}::text[], ${column('email')}::text[], ${column('phone')}::text[], ${column('sampledAt')}::timestamptz[], ${column('result')}::text[],
      ${column('uvci')}::text[], ${column('retrievalHash')}::text[], ${column('retrievalSealed')}::text[])
      as batch(sample_id, family_name, given_name, birth_date, sex, email, phone, sampled_at, result, uvci, retrieval_hash, retrieval_sealed)
    on conflict (lab_id, lab_sample_id) where lab_id is not null do nothing
    returning id, lab_sample_id
  `.execute(db);
  return inserted;
}

/**
 * Results the lab already sent, by sample id: the stored id, and the sealed retrieval code when it
 * is still kept (recorded since `sealedSince`) — null otherwise.
 */
export async function findLabResults(db: Executor, labId: string, sampleIds: string[], sealedSince: Date) {
  if (sampleIds.length === 0) return [];
  const { rows } = await sql<{ id: string; lab_sample_id: string; retrieval_sealed: string | null }>`
    select id, lab_sample_id, case when recorded_at >= ${sealedSince} then retrieval_sealed end as retrieval_sealed
    from test_results where lab_id = ${labId}::uuid and lab_sample_id = any(${sampleIds}::text[])
  `.execute(db);
  return rows;
}

/** Sealed retrieval codes past the replay window are deleted, `limit` rows at a time; how many. */
export async function clearSealedRetrievalCodes(db: Executor, before: Date, limit: number): Promise<number> {
  const { numAffectedRows } = await sql`
    update test_results set retrieval_sealed = null
    where id in (select id from test_results where retrieval_sealed is not null and recorded_at < ${before} limit ${limit})
  `.execute(db);
  return Number(numAffectedRows ?? 0n);
}
