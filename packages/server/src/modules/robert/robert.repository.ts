import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** PGlite reads bytea as Uint8Array, pg as Buffer: callers get Buffers either way. */
export const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

export async function insertServerKeys(db: Executor, rows: Array<{ day: number; key_sealed: Buffer }>): Promise<void> {
  await db.insertInto('robert_server_keys').values(rows).onConflict((oc) => oc.column('day').doNothing()).execute();
}

export async function findServerKeys(db: Executor, days: number[]) {
  const rows = await db.selectFrom('robert_server_keys').select(['day', 'key_sealed']).where('day', 'in', days).execute();
  return rows.map((r) => ({ day: r.day, key_sealed: asBuffer(r.key_sealed) }));
}

export async function deleteServerKeysBefore(db: Executor, day: number): Promise<number> {
  const result = await db.deleteFrom('robert_server_keys').where('day', '<', day).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** False when the idA is taken (40 bits: collisions happen among millions). */
export async function insertRegistration(
  db: Executor,
  row: { idA: Buffer; keysSealed: Buffer; epoch: number; tuplesUntilEpoch: number },
): Promise<boolean> {
  const inserted = await db
    .insertInto('robert_registrations')
    .values({
      id_a: row.idA,
      keys_sealed: row.keysSealed,
      created_epoch: row.epoch,
      last_active_epoch: row.epoch,
      tuples_until_epoch: row.tuplesUntilEpoch,
    })
    .onConflict((oc) => oc.column('id_a').doNothing())
    .returning('id_a')
    .executeTakeFirst();
  return inserted !== undefined;
}

const registrationColumns = [
  'id_a',
  'keys_sealed',
  'last_status_epoch',
  'tuples_until_epoch',
  'scores_from_epoch',
  'at_risk',
  'last_contact_epoch',
  'last_contact_day_blurred',
  'last_risk_scoring_epoch',
  'notified_epoch',
] as const;

/** The status path's one lookup: the primary key of one hash partition. */
export async function findRegistration(db: Executor, idA: Buffer) {
  const row = await sql<RegistrationRow>`/* prepared:robert_find_registration */
    select ${sql.join(registrationColumns.map((c) => sql.ref(c)))} from robert_registrations where id_a = ${idA}`.execute(db);
  const found = row.rows[0];
  return found && { ...found, id_a: asBuffer(found.id_a), keys_sealed: asBuffer(found.keys_sealed) };
}

export interface RegistrationRow {
  id_a: Buffer;
  keys_sealed: Buffer;
  last_status_epoch: number | null;
  tuples_until_epoch: number;
  scores_from_epoch: number;
  at_risk: boolean;
  last_contact_epoch: number | null;
  last_contact_day_blurred: number | null;
  last_risk_scoring_epoch: number | null;
  notified_epoch: number | null;
}

/**
 * The registrations a report worker scores, locked until its transaction ends (in idA order, so
 * two workers never wait on each other in a cycle): a status request meanwhile waits, then
 * sees the new risk.
 */
export async function lockRegistrations(db: Executor, idAs: Buffer[]): Promise<RegistrationRow[]> {
  if (idAs.length === 0) return [];
  const rows = await db.selectFrom('robert_registrations').select(registrationColumns).where('id_a', 'in', idAs).orderBy('id_a').forUpdate().execute();
  return rows.map((r) => ({ ...r, id_a: asBuffer(r.id_a), keys_sealed: asBuffer(r.keys_sealed) }));
}

/**
 * Records a status request, only if the previous one is at least `minEpochs` old: the check and
 * the write are one statement, so two concurrent requests cannot both pass. The risk answered
 * is computed from the row as this statement finds it (a report worker may have just changed
 * it): still at risk while the last contact is at or after `notifyFromEpoch`; the first such
 * answer is the notification, which spends the exposures up to that contact. Undefined when
 * the rate limit refused it.
 */
export async function recordStatus(db: Executor, s: { idA: Buffer; epoch: number; minEpochs: number; tuplesUntilEpoch: number; notifyFromEpoch: number }) {
  const { rows } = await sql<{ at_risk: boolean; notified_epoch: number | null; last_contact_day_blurred: number | null; last_risk_scoring_epoch: number | null }>`/* prepared:robert_record_status */
    update robert_registrations set last_status_epoch = ${s.epoch}, last_active_epoch = ${s.epoch},
      tuples_until_epoch = greatest(tuples_until_epoch, ${s.tuplesUntilEpoch}::int),
      at_risk = at_risk and last_contact_epoch >= ${s.notifyFromEpoch}::int,
      notified_epoch = case when at_risk and last_contact_epoch >= ${s.notifyFromEpoch}::int and notified_epoch is null then ${s.epoch}::int else notified_epoch end,
      scores_from_epoch = case when at_risk and last_contact_epoch >= ${s.notifyFromEpoch}::int and notified_epoch is null then last_contact_epoch + 1 else scores_from_epoch end
    where id_a = ${s.idA} and (last_status_epoch is null or last_status_epoch <= ${s.epoch - s.minEpochs}::int)
    returning at_risk, notified_epoch, last_contact_day_blurred, last_risk_scoring_epoch`.execute(db);
  return rows[0];
}

export async function deleteRegistration(db: Executor, idA: Buffer): Promise<void> {
  await db.deleteFrom('robert_exposures').where('id_a', '=', idA).execute();
  await db.deleteFrom('robert_registrations').where('id_a', '=', idA).execute();
}

/** deleteExposureHistory: the exposures go, and the risk they made. */
export async function clearExposures(db: Executor, idA: Buffer, epoch: number): Promise<void> {
  await db.deleteFrom('robert_exposures').where('id_a', '=', idA).execute();
  await db
    .updateTable('robert_registrations')
    .set({ at_risk: false, last_contact_epoch: null, last_contact_day_blurred: null, notified_epoch: null, last_active_epoch: epoch })
    .where('id_a', '=', idA)
    .execute();
}

export async function insertReport(db: Executor, row: { receivedAt: Date; hellos: number; payload: Buffer }): Promise<void> {
  await db.insertInto('robert_reports').values({ received_at: row.receivedAt, hellos: row.hellos, payload: row.payload }).execute();
}

/** The oldest report no other worker holds; the lock lasts as long as the transaction. */
export async function takeReport(trx: Transaction<Database>, maxAttempts: number) {
  const row = await sql<{ id: string; payload: Uint8Array; hellos: number; attempts: number }>`
    select id, payload, hellos, attempts from robert_reports where attempts < ${maxAttempts}
    order by id limit 1 for update skip locked`.execute(trx);
  const found = row.rows[0];
  return found && { ...found, payload: asBuffer(found.payload) };
}

export async function recordReportFailure(db: Executor, id: string): Promise<void> {
  await db.updateTable('robert_reports').set({ attempts: sql`attempts + 1` }).where('id', '=', id).execute();
}

export async function deleteReport(trx: Transaction<Database>, id: string): Promise<void> {
  await trx.deleteFrom('robert_reports').where('id', '=', id).execute();
}

export async function countQueuedReports(db: Executor): Promise<number> {
  const row = await db.selectFrom('robert_reports').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adds each epoch's score to what the registration already had for that epoch. */
export async function addExposures(trx: Executor, rows: Array<{ idA: Buffer; epochId: number; score: number }>): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('robert_exposures')
    .values(rows.map((r) => ({ id_a: r.idA, epoch_id: r.epochId, score: r.score })))
    .onConflict((oc) => oc.columns(['id_a', 'epoch_id']).doUpdateSet({ score: sql`robert_exposures.score + excluded.score` }))
    .execute();
}

export async function exposuresOf(trx: Executor, idAs: Buffer[], fromEpoch: number) {
  if (idAs.length === 0) return [];
  const rows = await trx
    .selectFrom('robert_exposures')
    .select(['id_a', 'epoch_id', 'score'])
    .where('id_a', 'in', idAs)
    .where('epoch_id', '>=', fromEpoch)
    .execute();
  return rows.map((r) => ({ ...r, id_a: asBuffer(r.id_a) }));
}

export async function updateRisk(
  trx: Executor,
  row: { idA: Buffer; atRisk: boolean; lastContactEpoch: number | null; lastContactDayBlurred: number | null; notifiedEpoch: number | null; scoringEpoch: number },
): Promise<void> {
  await trx
    .updateTable('robert_registrations')
    .set({
      at_risk: row.atRisk,
      last_contact_epoch: row.lastContactEpoch,
      last_contact_day_blurred: row.lastContactDayBlurred,
      notified_epoch: row.notifiedEpoch,
      last_risk_scoring_epoch: row.scoringEpoch,
    })
    .where('id_a', '=', row.idA)
    .execute();
}

export async function addCounters(db: Executor, day: string, counts: Record<string, number>): Promise<void> {
  const rows = Object.entries(counts)
    .filter(([, value]) => value !== 0)
    .map(([name, value]) => ({ day, name, value }));
  if (rows.length === 0) return;
  await db
    .insertInto('robert_counters')
    .values(rows)
    .onConflict((oc) => oc.columns(['day', 'name']).doUpdateSet({ value: sql`robert_counters.value + excluded.value` }))
    .execute();
}

export async function sumCounters(db: Executor, fromDay: string, toDay: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('robert_counters')
    .select(['name', (eb) => eb.fn.sum<number>('value').as('total')])
    .where('day', '>=', fromDay)
    .where('day', '<=', toDay)
    .groupBy('name')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.total)]));
}

/**
 * Registrations, estimated from the planner's statistics (a count over 50 M rows at every
 * scrape would cost seconds), and registrations with exposures but not at risk (few rows).
 */
export async function countUsers(db: Executor) {
  const { rows } = await sql<{ registrations: number; exposed: number; at_risk: number }>`
    select
      (select coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = 'robert_registrations'::regclass) as registrations,
      (select count(distinct e.id_a) from robert_exposures e join robert_registrations r on r.id_a = e.id_a where not r.at_risk) as exposed,
      (select count(*) from robert_registrations where at_risk) as at_risk`.execute(db);
  const row = rows[0]!;
  return { registrationsEstimate: Number(row.registrations), exposedButNotAtRisk: Number(row.exposed), atRisk: Number(row.at_risk) };
}

/** Single use of a proof-of-work challenge: false when it was used before. */
export async function useCaptcha(db: Executor, idHash: Buffer, expiresAt: Date): Promise<boolean> {
  const row = await db
    .insertInto('robert_captchas_used')
    .values({ id_hash: idHash, expires_at: expiresAt })
    .onConflict((oc) => oc.column('id_hash').doNothing())
    .returning('id_hash')
    .executeTakeFirst();
  return row !== undefined;
}

export async function purge(db: Executor, s: { exposuresBeforeEpoch: number; inactiveBeforeEpoch: number; now: Date }) {
  const exposures = await db.deleteFrom('robert_exposures').where('epoch_id', '<', s.exposuresBeforeEpoch).executeTakeFirst();
  // Exposures of deleted registrations go with them: the report worker only adds to registrations it found.
  const inactive = await sql<{ n: number }>`
    with gone as (delete from robert_registrations where last_active_epoch < ${s.inactiveBeforeEpoch} returning id_a),
    exposures as (delete from robert_exposures where id_a in (select id_a from gone))
    select count(*)::int as n from gone`.execute(db);
  await db.deleteFrom('robert_captchas_used').where('expires_at', '<', s.now).execute();
  return { exposures: Number(exposures.numDeletedRows), registrations: inactive.rows[0]?.n ?? 0 };
}
