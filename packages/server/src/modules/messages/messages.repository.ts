import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** Who a version targets, as stored. */
export interface Targeting {
  professions: string[] | null;
  national: boolean;
  regions: string[];
  departments: string[];
}

export interface VersionValues extends Targeting {
  title: string;
  body: string;
  bodyHtml: string;
  kind: 'information' | 'action';
  priority: 'high' | 'normal';
  expiresAt: Date | null;
  attachmentIds: string[];
}

export const versionColumns = (v: VersionValues) => ({
  title: v.title,
  body: v.body,
  body_html: v.bodyHtml,
  kind: v.kind,
  priority: v.priority,
  professions: v.professions,
  zone_national: v.national,
  zone_regions: v.regions,
  zone_departments: v.departments,
  expires_at: v.expiresAt,
  attachment_ids: v.attachmentIds,
});

export async function insertMessage(db: Executor, input: { series: string; scopeRegion: string | null; createdBy: string; now: Date }) {
  return db
    .insertInto('messages')
    .values({ series: input.series, scope_region: input.scopeRegion, status: 'draft', created_by: input.createdBy, created_at: input.now, updated_at: input.now })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function insertVersion(
  db: Executor,
  input: { messageId: string; version: number; values: VersionValues; correctionNote?: string | null; publishedAt?: Date | null; publishedBy?: string | null },
): Promise<void> {
  await db
    .insertInto('message_versions')
    .values({
      message_id: input.messageId,
      version: input.version,
      ...versionColumns(input.values),
      correction_note: input.correctionNote ?? null,
      published_at: input.publishedAt ?? null,
      published_by: input.publishedBy ?? null,
    })
    .execute();
}

export async function updateDraftVersion(db: Executor, messageId: string, values: VersionValues, now: Date): Promise<void> {
  await db.updateTable('message_versions').set(versionColumns(values)).where('message_id', '=', messageId).where('version', '=', 1).execute();
  await db.updateTable('messages').set((eb) => ({ updated_at: now, revision: eb('revision', '+', 1) })).where('id', '=', messageId).execute();
}

/** The message row, locked when `forUpdate` (publishing, correcting and withdrawing are serialised per message). */
export async function findMessage(db: Executor, id: string, forUpdate = false) {
  let query = db.selectFrom('messages').selectAll().where('id', '=', id);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function findVersions(db: Executor, messageId: string) {
  return db.selectFrom('message_versions').selectAll().where('message_id', '=', messageId).orderBy('version').execute();
}

export type MessageRow = NonNullable<Awaited<ReturnType<typeof findMessage>>>;
export type VersionRow = Awaited<ReturnType<typeof findVersions>>[number];

/** The operator's list: each message with its current version, newest first. */
export async function listMessages(db: Executor, scopeRegion: string | null | undefined, limit: number) {
  let query = db
    .selectFrom('messages as m')
    .innerJoin('message_versions as v', (join) => join.onRef('v.message_id', '=', 'm.id').onRef('v.version', '=', 'm.current_version'))
    .selectAll('m')
    .select(['v.title', 'v.kind', 'v.priority', 'v.professions', 'v.zone_national', 'v.zone_regions', 'v.zone_departments', 'v.expires_at'])
    .orderBy('m.updated_at', 'desc')
    .limit(limit);
  // undefined: national operators see every message; a region: only that ARS's.
  if (scopeRegion !== undefined) query = query.where('m.scope_region', scopeRegion === null ? 'is' : '=', scopeRegion);
  return query.execute();
}

/** Published and not withdrawn, with their current version: the inboxes and the public page. */
export async function listPublished(db: Executor) {
  return db
    .selectFrom('messages as m')
    .innerJoin('message_versions as v', (join) => join.onRef('v.message_id', '=', 'm.id').onRef('v.version', '=', 'm.current_version'))
    .select(['m.id', 'm.reference', 'm.published_at as first_published_at', 'm.updated_at'])
    .selectAll('v')
    .where('m.status', '=', 'published')
    .orderBy('m.published_at', 'desc')
    .execute();
}

/** When a message was last published, corrected or withdrawn (null before the first publication). */
export async function lastPublicChange(db: Executor): Promise<Date | null> {
  const row = await db.selectFrom('messages').select((eb) => eb.fn.max('updated_at').as('last')).where('status', '<>', 'draft').executeTakeFirst();
  return row?.last ?? null;
}

/** The next number of a series in a year: "DGS-URGENT N°2026_01", then _02… (the row is locked until commit). */
export async function nextSeriesNumber(db: Executor, series: string, year: number): Promise<number> {
  const row = await db
    .insertInto('message_series')
    .values({ series, year, last_number: 1 })
    .onConflict((oc) => oc.columns(['series', 'year']).doUpdateSet((eb) => ({ last_number: eb(eb.ref('message_series.last_number'), '+', 1) })))
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return row.last_number;
}

export async function markPublished(db: Executor, input: { messageId: string; reference: string; version: number; now: Date; by: string }): Promise<void> {
  await db
    .updateTable('messages')
    .set((eb) => ({ status: 'published', reference: input.reference, published_at: input.now, updated_at: input.now, current_version: input.version, revision: eb('revision', '+', 1) }))
    .where('id', '=', input.messageId)
    .execute();
  await db
    .updateTable('message_versions')
    .set({ published_at: input.now, published_by: input.by })
    .where('message_id', '=', input.messageId)
    .where('version', '=', input.version)
    .execute();
}

export async function setCurrentVersion(db: Executor, messageId: string, version: number, now: Date): Promise<void> {
  await db.updateTable('messages').set((eb) => ({ current_version: version, updated_at: now, revision: eb('revision', '+', 1) })).where('id', '=', messageId).execute();
}

export async function markWithdrawn(db: Executor, messageId: string, reason: string, now: Date): Promise<void> {
  await db.updateTable('messages').set((eb) => ({ status: 'withdrawn', withdrawn_at: now, withdraw_reason: reason, updated_at: now, revision: eb('revision', '+', 1) })).where('id', '=', messageId).execute();
}

/** The professionals a targeting reaches, as SQL over professional_zones (each pair of profession and department). */
function matchedZones(t: Targeting) {
  return sql`select z.professional_id, z.profession, z.department, z.region from professional_zones z
    where (${t.professions === null} or z.profession = any(${t.professions ?? []}::text[]))
      and (${t.national} or z.department = any(${t.departments}::text[]) or z.region = any(${t.regions}::text[]))`;
}

/** How many professionals a targeting reaches: in all, and by profession and by department (each professional once per line). */
export async function countReach(db: Executor, t: Targeting) {
  const result = await sql<{ by_profession: number; by_department: number; profession: string | null; department: string | null; reached: number; with_email: number }>`
    with matched as (${matchedZones(t)})
    select grouping(m.profession)::int as by_profession, grouping(m.department)::int as by_department, m.profession, m.department,
      count(distinct m.professional_id)::int as reached,
      count(distinct m.professional_id) filter (where p.email is not null)::int as with_email
    from matched m join professionals p on p.id = m.professional_id
    group by grouping sets ((), (m.profession), (m.department))`.execute(db);
  return result.rows;
}

/** Whether one professional's zones are targeted (opening a message no longer materialised for them). */
export async function findProfessionalZones(db: Executor, professionalId: string) {
  return db.selectFrom('professional_zones').select(['profession', 'department', 'region']).where('professional_id', '=', professionalId).execute();
}

/**
 * Materialises who a published version reaches (each professional once, counted under their
 * first matching profession and department) and queues their e-mails, spread over time at
 * `perSecond` in a random order (no profession or zone first). Both in the caller's transaction.
 */
export async function queueRecipients(db: Executor, input: { messageId: string; version: number; targeting: Targeting; start: Date; perSecond: number }) {
  const recipients = await sql`insert into message_recipients (message_id, version, professional_id, profession, department, region)
    select distinct on (m.professional_id) ${input.messageId}::uuid, ${input.version}::int, m.professional_id, m.profession, m.department, m.region
    from (${matchedZones(input.targeting)}) m
    order by m.professional_id, m.profession, m.department`.execute(db);
  const emails = await queueEmails(db, { ...input, kind: 'message', onlyUnacknowledged: false });
  return { recipients: Number(recipients.numAffectedRows ?? 0), emails };
}

/**
 * Queues one e-mail of `kind` per address among the version's recipients (an address shared by a
 * practice's professionals gets one copy), at most once (the unique key). Reminders go only to
 * those not acknowledged whose message e-mail was delivered.
 */
export async function queueEmails(
  db: Executor,
  input: { messageId: string; version: number; kind: 'message' | 'reminder'; start: Date; perSecond: number; onlyUnacknowledged: boolean },
): Promise<number> {
  const reminder = input.kind === 'reminder';
  const result = await sql`insert into message_emails (message_id, version, professional_id, kind, address, not_before)
    select d.message_id, d.version, d.professional_id, ${input.kind}, d.email,
      ${input.start}::timestamptz + make_interval(secs => (row_number() over (order by md5(d.professional_id::text || ${input.kind} || ${input.messageId})) - 1)::double precision / ${input.perSecond})
    from (
      select distinct on (lower(p.email)) r.message_id, r.version, r.professional_id, p.email
      from message_recipients r join professionals p on p.id = r.professional_id
      where r.message_id = ${input.messageId} and r.version = ${input.version} and p.email is not null
        and (not ${input.onlyUnacknowledged} or r.acknowledged_at is null)
        and (not ${reminder} or exists (
          select 1 from message_emails m where m.message_id = r.message_id and m.version = r.version
            and m.professional_id = r.professional_id and m.kind = 'message' and m.status = 'sent'))
      order by lower(p.email), r.professional_id
    ) d
    on conflict (message_id, version, professional_id, kind) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Queued e-mails of a message that will not go (a correction replaced the version, or it was withdrawn). */
export async function cancelQueuedEmails(db: Executor, messageId: string): Promise<number> {
  const result = await db.updateTable('message_emails').set({ status: 'cancelled' }).where('message_id', '=', messageId).where('status', '=', 'queued').executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function markRemindersQueued(db: Executor, messageId: string, version: number, now: Date): Promise<void> {
  await db.updateTable('message_versions').set({ reminders_queued_at: now }).where('message_id', '=', messageId).where('version', '=', version).execute();
}

/** Action messages whose current version was published before `before`, is not expired at `now`, and has had no reminder. */
export async function findVersionsDueForReminder(db: Executor, before: Date, now: Date) {
  return db
    .selectFrom('messages as m')
    .innerJoin('message_versions as v', (join) => join.onRef('v.message_id', '=', 'm.id').onRef('v.version', '=', 'm.current_version'))
    .select(['m.id', 'v.version'])
    .where('m.status', '=', 'published')
    .where('v.kind', '=', 'action')
    .where('v.reminders_queued_at', 'is', null)
    .where('v.published_at', '<', before)
    .where((eb) => eb.or([eb('v.expires_at', 'is', null), eb('v.expires_at', '>', now)]))
    .execute();
}

/** One professional's receipts for the given messages. */
export async function findReceipts(db: Executor, professionalId: string, messageIds: string[]) {
  if (messageIds.length === 0) return [];
  return db
    .selectFrom('message_recipients')
    .select(['message_id', 'version', 'profession', 'department', 'region', 'read_at', 'acknowledged_at'])
    .where('professional_id', '=', professionalId)
    .where('message_id', 'in', messageIds)
    .execute();
}

/** Records a read or an acknowledgement; a professional not targeted at publication is added (late). */
export async function recordReceipt(
  db: Executor,
  input: { messageId: string; version: number; professionalId: string; zone: { profession: string; department: string; region: string }; now: Date; acknowledge: boolean },
) {
  const acknowledgedAt = input.acknowledge ? input.now : null;
  return db
    .insertInto('message_recipients')
    .values({
      message_id: input.messageId,
      version: input.version,
      professional_id: input.professionalId,
      ...input.zone,
      late: true,
      read_at: input.now,
      acknowledged_at: acknowledgedAt,
    })
    .onConflict((oc) =>
      oc.columns(['message_id', 'version', 'professional_id']).doUpdateSet((eb) => ({
        read_at: eb.fn.coalesce('message_recipients.read_at', eb.val(input.now)),
        acknowledged_at: eb.fn.coalesce('message_recipients.acknowledged_at', eb.val(acknowledgedAt)),
      })),
    )
    .returning(['read_at', 'acknowledged_at'])
    .executeTakeFirstOrThrow();
}

/** The follow-up of a version: totals, by profession and by department, e-mails included. */
export async function followUpCounts(db: Executor, messageId: string, version: number) {
  const result = await sql<{
    by_profession: number;
    by_department: number;
    profession: string | null;
    department: string | null;
    reached: number;
    emailed: number;
    delivered: number;
    failed: number;
    uncertain: number;
    read: number;
    acknowledged: number;
  }>`select grouping(r.profession)::int as by_profession, grouping(r.department)::int as by_department, r.profession, r.department,
      count(*)::int as reached,
      (count(*) filter (where e.status <> 'cancelled'))::int as emailed,
      (count(*) filter (where e.status = 'sent'))::int as delivered,
      (count(*) filter (where e.status in ('failed', 'bounced')))::int as failed,
      (count(*) filter (where e.status = 'interrupted'))::int as uncertain,
      count(r.read_at)::int as read,
      count(r.acknowledged_at)::int as acknowledged
    from message_recipients r
    left join message_emails e on e.message_id = r.message_id and e.version = r.version and e.professional_id = r.professional_id and e.kind = 'message'
    where r.message_id = ${messageId} and r.version = ${version}
    group by grouping sets ((), (r.profession), (r.department))`.execute(db);
  return result.rows;
}

export async function countPendingEmails(db: Executor, messageId: string, version: number): Promise<number> {
  const row = await db
    .selectFrom('message_emails')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('message_id', '=', messageId)
    .where('version', '=', version)
    .where('status', 'in', ['queued', 'sending'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertAttachment(db: Executor, input: { messageId: string; filename: string; content: Buffer; sha256: string; now: Date }) {
  return db
    .insertInto('message_attachments')
    .values({ message_id: input.messageId, filename: input.filename, content: input.content, bytes: input.content.length, sha256: input.sha256, created_at: input.now })
    .returning(['id', 'filename', 'bytes', 'sha256'])
    .executeTakeFirstOrThrow();
}

export async function countAttachments(db: Executor, messageId: string): Promise<number> {
  const row = await db.selectFrom('message_attachments').select((eb) => eb.fn.countAll<string>().as('n')).where('message_id', '=', messageId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Attachment metadata (no content) of several messages, in one query. */
export async function findAttachmentsOf(db: Executor, messageIds: string[]) {
  if (messageIds.length === 0) return [];
  return db.selectFrom('message_attachments').select(['id', 'message_id', 'filename', 'bytes', 'sha256']).where('message_id', 'in', messageIds).execute();
}

/** Attachment metadata (no content) of a message. */
export async function findAttachments(db: Executor, messageId: string) {
  return db.selectFrom('message_attachments').select(['id', 'filename', 'bytes', 'sha256']).where('message_id', '=', messageId).execute();
}

export async function findAttachmentContent(db: Executor, messageId: string, attachmentId: string) {
  return db.selectFrom('message_attachments').select(['id', 'filename', 'content', 'sha256']).where('message_id', '=', messageId).where('id', '=', attachmentId).executeTakeFirst();
}
