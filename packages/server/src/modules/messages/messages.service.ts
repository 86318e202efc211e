import { createHash } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import {
  DGS_URGENT_PROFESSION_CATEGORIES,
  MESSAGE_ATTACHMENT_MAX_BYTES,
  MESSAGE_MAX_EXPIRY_DAYS,
  type Attachment,
  type AuthoringContext,
  type CorrectionBody,
  type FollowUp,
  type FollowUpRow,
  type Inbox,
  type InboxEntry,
  type InboxMessage,
  type MessageContent,
  type MessageDetail,
  type MessagePreview,
  type MessageSummary,
  type MessageVersion,
  type OperatorScope,
  type PublicMessage,
} from '@prostopcovid/contracts/messages';
import professionCodes from '../../../data/TRE_G15-ProfessionSante.json' with { type: 'json' };
import { recordAudit, recordSystemAudit } from '../../platform/audit.js';
import { DAY, HOUR } from '../../platform/clock.js';
import type { RequestContext } from '../../platform/context.js';
import { parisDate, parseInstant } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { ifMatchAllows } from '../../platform/etag.js';
import { departmentLabel, departments, findDepartment, findRegion, regions, regionOf } from '../../platform/territories.js';
import { professionLabel } from '../auth/policy.js';
import type { ActiveMessages, PublishedMessage } from './active-messages.js';
import * as repo from './messages.repository.js';
import { csvField } from '../../platform/csv.js';

export interface MessagesDeps {
  db: Db;
  operators: Config['operators'];
  settings: Config['messages'];
  active: ActiveMessages;
  /** Wakes this process's e-mail sender (new e-mails queued). */
  onEmailsQueued?: () => void;
}

const LIST_LIMIT = 200;
const knownProfessions = new Set(professionCodes.codes.map((entry) => entry.code));

// ---------------------------------------------------------------------------------------------
// Scope: DGS (national) or an ARS (its region), from the configuration.

function requireOperator(ctx: RequestContext) {
  if (!ctx.professional) throw new AppError('AUTH_REQUIRED');
  return ctx.professional;
}

export function operatorScope(deps: Pick<MessagesDeps, 'operators'>, ctx: RequestContext): OperatorScope {
  const professional = requireOperator(ctx);
  const operator = deps.operators.find((o) => o.idNatPs === professional.idNatPs);
  if (!operator) throw new AppError('AUTH_FORBIDDEN');
  if (operator.region === null) return { kind: 'national', series: 'DGS-URGENT' };
  const regionName = findRegion(operator.region)?.name ?? operator.region;
  return { kind: 'regional', region: operator.region, regionName, series: `ARS ${regionName}` };
}

const scopeRegion = (scope: OperatorScope): string | null => (scope.kind === 'regional' ? scope.region : null);

function checkInScope(scope: OperatorScope, message: repo.MessageRow): void {
  if (scope.kind === 'regional' && message.scope_region !== scope.region) throw new AppError('MESSAGES_OUT_OF_SCOPE');
}

export function authoringContext(deps: MessagesDeps, ctx: RequestContext): AuthoringContext {
  const scope = operatorScope(deps, ctx);
  const region = scopeRegion(scope);
  return {
    scope,
    professions: professionCodes.codes.map((entry) => ({ code: entry.code, label: entry.label })),
    professionCategories: DGS_URGENT_PROFESSION_CATEGORIES.map((category) => ({ label: category.label, codes: [...category.codes] })),
    regions: regions.filter((r) => region === null || r.code === region).map((r) => ({ ...r })),
    departments: departments.filter((d) => region === null || d.region === region).map((d) => ({ ...d })),
    reminderHours: deps.settings.reminderHours,
  };
}

// ---------------------------------------------------------------------------------------------
// Content: checked and rendered once, stored with its HTML.

/** Validates what an operator wrote against the rules and their scope; renders the body. */
async function checkContent(scope: OperatorScope, content: MessageContent, now: Date): Promise<repo.VersionValues> {
  const professions = content.professions === null ? null : [...content.professions].sort();
  if (professions?.some((code) => !knownProfessions.has(code))) throw new AppError('MESSAGES_PROFESSION_UNKNOWN', { details: { professions: professions.filter((c) => !knownProfessions.has(c)) } });
  const { national } = content.zone;
  const zoneRegions = [...content.zone.regions].sort();
  const zoneDepartments = [...content.zone.departments].sort();
  if (national === zoneRegions.length + zoneDepartments.length > 0) throw new AppError('MESSAGES_ZONE_INVALID');
  const unknown = [...zoneRegions.filter((code) => !findRegion(code)), ...zoneDepartments.filter((code) => !findDepartment(code))];
  if (unknown.length > 0) throw new AppError('MESSAGES_ZONE_UNKNOWN', { details: { unknown } });
  if (scope.kind === 'regional') {
    const outside = [...zoneRegions.filter((code) => code !== scope.region), ...zoneDepartments.filter((code) => regionOf(code) !== scope.region)];
    if (national || outside.length > 0) throw new AppError('MESSAGES_ZONE_OUT_OF_SCOPE', { details: { outside: national ? ['national'] : outside } });
  }
  let expiresAt: Date | null = null;
  if (content.expiresAt !== null) {
    expiresAt = parseInstant(content.expiresAt) ?? null;
    if (!expiresAt || expiresAt <= now || expiresAt.getTime() > now.getTime() + MESSAGE_MAX_EXPIRY_DAYS * DAY) throw new AppError('MESSAGES_EXPIRY_INVALID');
  }
  return {
    title: content.title.trim(),
    body: content.body,
    // Loaded at the first message written: the parser and sanitiser stay out of an idle server's memory.
    bodyHtml: (await import('./markdown.js')).renderMessageBody(content.body),
    kind: content.kind,
    priority: content.priority,
    professions,
    national,
    regions: zoneRegions,
    departments: zoneDepartments,
    expiresAt,
    attachmentIds: content.attachmentIds,
  };
}

async function checkAttachments(db: Db, messageId: string | null, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const owned = new Set(messageId ? (await repo.findAttachments(db, messageId)).map((a) => a.id) : []);
  if (ids.some((id) => !owned.has(id))) throw new AppError('MESSAGES_ATTACHMENT_UNKNOWN');
}

function targetLabels(t: repo.Targeting) {
  return {
    professions: t.professions === null ? ['Tous les professionnels'] : t.professions.map(professionLabel),
    zone: t.national ? ['National'] : [...t.regions.map((code) => findRegion(code)?.name ?? code), ...t.departments.map(departmentLabel)],
  };
}

const targetingOfRow = (row: { professions: string[] | null; zone_national: boolean; zone_regions: string[]; zone_departments: string[] }): repo.Targeting => ({
  professions: row.professions,
  national: row.zone_national,
  regions: row.zone_regions,
  departments: row.zone_departments,
});

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;
const attachmentUrl = (messageId: string, attachmentId: string) => `/api/messages/${messageId}/attachments/${attachmentId}`;

function presentAttachments(messageId: string, ids: string[], all: Array<{ id: string; filename: string; bytes: number; sha256: string }>): Attachment[] {
  const byId = new Map(all.map((a) => [a.id, a]));
  return ids.flatMap((id) => {
    const found = byId.get(id);
    return found ? [{ ...found, url: attachmentUrl(messageId, id) }] : [];
  });
}

function presentVersion(row: repo.VersionRow, attachments: Array<{ id: string; filename: string; bytes: number; sha256: string }>): MessageVersion {
  const targeting = targetingOfRow(row);
  return {
    version: row.version,
    title: row.title,
    body: row.body,
    bodyHtml: row.body_html,
    kind: row.kind,
    priority: row.priority,
    professions: row.professions,
    zone: { national: row.zone_national, regions: row.zone_regions, departments: row.zone_departments },
    targets: targetLabels(targeting),
    expiresAt: iso(row.expires_at),
    attachments: presentAttachments(row.message_id, row.attachment_ids, attachments),
    publishedAt: iso(row.published_at),
    correctionNote: row.correction_note,
  };
}

function presentSummary(
  message: repo.MessageRow,
  current: { title: string; kind: 'information' | 'action'; priority: 'high' | 'normal'; expires_at: Date | null } & Parameters<typeof targetingOfRow>[0],
): MessageSummary {
  return {
    id: message.id,
    reference: message.reference,
    status: message.status,
    version: message.current_version,
    title: current.title,
    kind: current.kind,
    priority: current.priority,
    targets: targetLabels(targetingOfRow(current)),
    series: message.series,
    createdAt: message.created_at.toISOString(),
    publishedAt: iso(message.published_at),
    updatedAt: message.updated_at.toISOString(),
    withdrawnAt: iso(message.withdrawn_at),
    expiresAt: iso(current.expires_at),
    revision: message.revision,
  };
}

async function loadDetail(db: Db, message: repo.MessageRow): Promise<MessageDetail> {
  const versions = await repo.findVersions(db, message.id);
  const attachments = await repo.findAttachments(db, message.id);
  const current = versions.find((v) => v.version === message.current_version) ?? versions[versions.length - 1]!;
  return {
    ...presentSummary(message, current),
    withdrawReason: message.withdraw_reason,
    versions: versions.map((v) => presentVersion(v, attachments)),
  };
}

async function findInScope(deps: MessagesDeps, scope: OperatorScope, id: string, db: Db = deps.db, forUpdate = false): Promise<repo.MessageRow> {
  const message = await repo.findMessage(db, id, forUpdate);
  if (!message) throw new AppError('MESSAGES_NOT_FOUND');
  checkInScope(scope, message);
  return message;
}

/** A message's ETag: its revision, raised by every change. */
export const messageEtag = (revision: number) => `"${revision}"`;

/**
 * The message, locked, for a change: refused with a 412 when the client's If-Match names an
 * older revision (another operator changed it since it was read). No If-Match: no condition.
 */
async function lockForChange(deps: MessagesDeps, scope: OperatorScope, id: string, trx: Db, ifMatch: string[] | undefined): Promise<repo.MessageRow> {
  const message = await findInScope(deps, scope, id, trx, true);
  if (!ifMatchAllows(ifMatch, messageEtag(message.revision))) throw new AppError('MESSAGES_CHANGED');
  return message;
}

// ---------------------------------------------------------------------------------------------
// Authoring: draft, preview, publish, correct, withdraw. Every change is audited with it.

export async function listMessages(deps: MessagesDeps, ctx: RequestContext): Promise<{ messages: MessageSummary[] }> {
  const scope = operatorScope(deps, ctx);
  const rows = await repo.listMessages(deps.db, scope.kind === 'regional' ? scope.region : undefined, LIST_LIMIT);
  return { messages: rows.map((row) => presentSummary(row, row)) };
}

export async function getMessage(deps: MessagesDeps, ctx: RequestContext, id: string): Promise<MessageDetail> {
  const scope = operatorScope(deps, ctx);
  return loadDetail(deps.db, await findInScope(deps, scope, id));
}

export async function createDraft(deps: MessagesDeps, ctx: RequestContext, content: MessageContent): Promise<MessageDetail> {
  const scope = operatorScope(deps, ctx);
  const values = await checkContent(scope, content, ctx.now);
  // Attachments are uploaded to an existing message: a new draft has none yet.
  await checkAttachments(deps.db, null, values.attachmentIds);
  const id = await deps.db.transaction().execute(async (trx) => {
    const { id } = await repo.insertMessage(trx, { series: scope.series, scopeRegion: scopeRegion(scope), createdBy: ctx.professional!.id, now: ctx.now });
    await repo.insertVersion(trx, { messageId: id, version: 1, values });
    await recordAudit(trx, ctx, { action: 'messages.draft', outcome: 'success', targetType: 'message', targetId: id, details: auditTargeting(values) });
    return id;
  });
  return getMessage(deps, ctx, id);
}

export async function updateDraft(deps: MessagesDeps, ctx: RequestContext, id: string, content: MessageContent, ifMatch?: string[]): Promise<MessageDetail> {
  const scope = operatorScope(deps, ctx);
  const values = await checkContent(scope, content, ctx.now);
  await deps.db.transaction().execute(async (trx) => {
    const message = await lockForChange(deps, scope, id, trx, ifMatch);
    if (message.status !== 'draft') throw new AppError('MESSAGES_NOT_DRAFT');
    await checkAttachments(trx, id, values.attachmentIds);
    await repo.updateDraftVersion(trx, id, values, ctx.now);
    await recordAudit(trx, ctx, { action: 'messages.draft_update', outcome: 'success', targetType: 'message', targetId: id, details: auditTargeting(values) });
  });
  return getMessage(deps, ctx, id);
}

/** Never the text itself in the audit log: who was targeted, which is what an inquiry asks. */
const auditTargeting = (values: repo.VersionValues) => ({
  kind: values.kind,
  priority: values.priority,
  professions: values.professions,
  zone: values.national ? 'national' : [...values.regions, ...values.departments],
});

/** How many professionals a content would reach, by profession and department, before publishing it. */
export async function previewMessage(deps: MessagesDeps, ctx: RequestContext, content: MessageContent): Promise<MessagePreview> {
  const scope = operatorScope(deps, ctx);
  const values = await checkContent(scope, content, ctx.now);
  const rows = await repo.countReach(deps.db, values);
  const total = rows.find((r) => r.by_profession === 1 && r.by_department === 1);
  return {
    bodyHtml: values.bodyHtml,
    targets: targetLabels(values),
    reach: {
      total: total?.reached ?? 0,
      withEmail: total?.with_email ?? 0,
      byProfession: rows
        .filter((r) => r.by_profession === 0)
        .map((r) => ({ key: r.profession!, label: professionLabel(r.profession!), count: r.reached }))
        .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)),
      byZone: rows
        .filter((r) => r.by_department === 0)
        .map((r) => ({ key: r.department!, label: r.department ? departmentLabel(r.department) : 'Adresse d’exercice inconnue', count: r.reached }))
        .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)),
    },
    emailWindowMinutes: Math.ceil(((total?.with_email ?? 0) / deps.settings.emailsPerSecond / 60) * 10) / 10,
  };
}

/** "DGS-URGENT N°2026_01": numbered per series and year (Paris time) when published. */
const formatReference = (series: string, year: number, number: number) => `${series} N°${year}_${String(number).padStart(2, '0')}`;

export async function publishMessage(deps: MessagesDeps, ctx: RequestContext, id: string, ifMatch?: string[]): Promise<MessageDetail> {
  const scope = operatorScope(deps, ctx);
  await deps.db.transaction().execute(async (trx) => {
    const message = await lockForChange(deps, scope, id, trx, ifMatch);
    if (message.status !== 'draft') throw new AppError('MESSAGES_NOT_DRAFT');
    const [draft] = await repo.findVersions(trx, id);
    // Checked again: time passed since the draft (expiry), and the rules hold at publication.
    if (draft!.expires_at && draft!.expires_at <= ctx.now) throw new AppError('MESSAGES_EXPIRY_INVALID');
    const year = Number(parisDate(ctx.now).slice(0, 4));
    const reference = formatReference(message.series, year, await repo.nextSeriesNumber(trx, message.series, year));
    await repo.markPublished(trx, { messageId: id, reference, version: 1, now: ctx.now, by: ctx.professional!.id });
    const queued = await repo.queueRecipients(trx, { messageId: id, version: 1, targeting: targetingOfRow(draft!), start: ctx.now, perSecond: deps.settings.emailsPerSecond });
    await recordAudit(trx, ctx, { action: 'messages.publish', outcome: 'success', targetType: 'message', targetId: id, details: { reference, version: 1, ...queued } });
    await deps.active.changed(trx);
  });
  deps.onEmailsQueued?.();
  return getMessage(deps, ctx, id);
}

/** Whether a content is the version's own (dates by instant, lists in order). */
function sameContent(version: Record<string, unknown>, values: repo.VersionValues): boolean {
  const comparable = (value: unknown) => JSON.stringify(value instanceof Date ? value.getTime() : value);
  return Object.entries(repo.versionColumns(values)).every(([column, value]) => comparable(version[column]) === comparable(value));
}

/** A correction: a new version, published at once to whom it targets; the old one is kept, its unsent e-mails cancelled. */
export async function correctMessage(deps: MessagesDeps, ctx: RequestContext, id: string, input: CorrectionBody, ifMatch?: string[]): Promise<MessageDetail> {
  const scope = operatorScope(deps, ctx);
  const values = await checkContent(scope, input.content, ctx.now);
  await deps.db.transaction().execute(async (trx) => {
    const message = await lockForChange(deps, scope, id, trx, ifMatch);
    if (message.status === 'draft') throw new AppError('MESSAGES_NOT_PUBLISHED');
    if (message.status === 'withdrawn') throw new AppError('MESSAGES_WITHDRAWN');
    await checkAttachments(trx, id, values.attachmentIds);
    const current = (await repo.findVersions(trx, id)).find((v) => v.version === message.current_version)!;
    // A correction sends every recipient an e-mail and asks them to acknowledge again: not for nothing.
    if (sameContent(current, values)) throw new AppError('MESSAGES_CORRECTION_UNCHANGED');
    const version = message.current_version + 1;
    const cancelled = await repo.cancelQueuedEmails(trx, id);
    await repo.insertVersion(trx, { messageId: id, version, values, correctionNote: input.note.trim(), publishedAt: ctx.now, publishedBy: ctx.professional!.id });
    await repo.setCurrentVersion(trx, id, version, ctx.now);
    const queued = await repo.queueRecipients(trx, { messageId: id, version, targeting: values, start: ctx.now, perSecond: deps.settings.emailsPerSecond });
    await recordAudit(trx, ctx, {
      action: 'messages.correct',
      outcome: 'success',
      targetType: 'message',
      targetId: id,
      details: { reference: message.reference, version, cancelledEmails: cancelled, ...queued, ...auditTargeting(values) },
    });
    await deps.active.changed(trx);
  });
  deps.onEmailsQueued?.();
  return getMessage(deps, ctx, id);
}

export async function withdrawMessage(deps: MessagesDeps, ctx: RequestContext, id: string, reason: string, ifMatch?: string[]): Promise<MessageDetail> {
  const scope = operatorScope(deps, ctx);
  await deps.db.transaction().execute(async (trx) => {
    const message = await lockForChange(deps, scope, id, trx, ifMatch);
    if (message.status === 'withdrawn') throw new AppError('MESSAGES_WITHDRAWN');
    const cancelled = await repo.cancelQueuedEmails(trx, id);
    await repo.markWithdrawn(trx, id, reason.trim(), ctx.now);
    await recordAudit(trx, ctx, { action: 'messages.withdraw', outcome: 'success', targetType: 'message', targetId: id, details: { reference: message.reference, cancelledEmails: cancelled } });
    await deps.active.changed(trx);
  });
  return getMessage(deps, ctx, id);
}

// ---------------------------------------------------------------------------------------------
// Attachments: PDFs, public once a published version lists them.

export async function uploadAttachment(deps: MessagesDeps, ctx: RequestContext, id: string, filename: string, content: Buffer): Promise<Attachment> {
  const scope = operatorScope(deps, ctx);
  if (content.length > MESSAGE_ATTACHMENT_MAX_BYTES) throw new AppError('MESSAGES_ATTACHMENT_TOO_LARGE');
  if (content.subarray(0, 5).toString('latin1') !== '%PDF-') throw new AppError('MESSAGES_ATTACHMENT_NOT_PDF');
  return deps.db.transaction().execute(async (trx) => {
    const message = await findInScope(deps, scope, id, trx, true);
    if (message.status === 'withdrawn') throw new AppError('MESSAGES_WITHDRAWN');
    // Room for corrections to add some, within reason.
    if ((await repo.countAttachments(trx, id)) >= 4 * 5) throw new AppError('MESSAGES_TOO_MANY_ATTACHMENTS');
    const sha256 = createHash('sha256').update(content).digest('hex');
    const row = await repo.insertAttachment(trx, { messageId: id, filename, content, sha256, now: ctx.now });
    await recordAudit(trx, ctx, { action: 'messages.attach', outcome: 'success', targetType: 'message', targetId: id, details: { attachmentId: row.id, bytes: row.bytes, sha256 } });
    return { ...row, url: attachmentUrl(id, row.id) };
  });
}

/**
 * Anyone may download an attachment the current version of a published message lists (the
 * public page and the inboxes show it); one a correction dropped, or of a withdrawn message, is
 * no longer public (it may have been the wrong file). Others need the operator's scope.
 */
export async function readAttachment(deps: MessagesDeps, ctx: RequestContext, id: string, attachmentId: string) {
  const published = (await deps.active.list()).find((m) => m.id === id);
  const isPublic = published !== undefined && published.attachment_ids.includes(attachmentId);
  if (!isPublic) {
    if (!ctx.professional || !deps.operators.some((o) => o.idNatPs === ctx.professional!.idNatPs)) throw new AppError('NOT_FOUND');
    await findInScope(deps, operatorScope(deps, ctx), id);
  }
  const attachment = await repo.findAttachmentContent(deps.db, id, attachmentId);
  if (!attachment) throw new AppError('NOT_FOUND');
  return { ...attachment, isPublic };
}

// ---------------------------------------------------------------------------------------------
// Follow-up and reminders.

const emptyRow = (key: string, label: string): FollowUpRow => ({ key, label, reached: 0, emailed: 0, delivered: 0, failed: 0, uncertain: 0, read: 0, acknowledged: 0 });

export async function followUp(deps: MessagesDeps, ctx: RequestContext, id: string, version?: number): Promise<FollowUp> {
  const scope = operatorScope(deps, ctx);
  const message = await findInScope(deps, scope, id);
  const versions = await repo.findVersions(deps.db, id);
  const chosen = versions.find((v) => v.version === (version ?? message.current_version));
  if (!chosen) throw new AppError('NOT_FOUND');
  const rows = await repo.followUpCounts(deps.db, id, chosen.version);
  const row = (r: (typeof rows)[number], key: string, label: string): FollowUpRow => ({
    key,
    label,
    reached: r.reached,
    emailed: r.emailed,
    delivered: r.delivered,
    failed: r.failed,
    uncertain: r.uncertain,
    read: r.read,
    acknowledged: r.acknowledged,
  });
  const total = rows.find((r) => r.by_profession === 1 && r.by_department === 1);
  return {
    id,
    reference: message.reference,
    version: chosen.version,
    kind: chosen.kind,
    publishedAt: iso(chosen.published_at),
    total: total ? row(total, 'total', 'Total') : emptyRow('total', 'Total'),
    byProfession: rows
      .filter((r) => r.by_profession === 0)
      .map((r) => row(r, r.profession!, professionLabel(r.profession!)))
      .sort((a, b) => b.reached - a.reached || a.key.localeCompare(b.key)),
    byZone: rows
      .filter((r) => r.by_department === 0)
      .map((r) => row(r, r.department!, r.department ? departmentLabel(r.department) : 'Adresse d’exercice inconnue'))
      .sort((a, b) => b.reached - a.reached || a.key.localeCompare(b.key)),
    emailsPending: await repo.countPendingEmails(deps.db, id, chosen.version),
    remindersQueuedAt: iso(chosen.reminders_queued_at),
  };
}

/** The follow-up as CSV (RFC 4180, UTF-8): one line per profession and per department, then the total. */
export async function followUpCsv(deps: MessagesDeps, ctx: RequestContext, id: string, version?: number): Promise<{ filename: string; csv: string }> {
  const data = await followUp(deps, ctx, id, version);
  const header = ['dimension', 'code', 'libelle', 'atteints', 'courriels', 'remis', 'echecs', 'incertains', 'lus', 'pris_connaissance'];
  const line = (dimension: string, r: FollowUpRow) => [dimension, r.key, r.label, r.reached, r.emailed, r.delivered, r.failed, r.uncertain, r.read, r.acknowledged].map(csvField).join(',');
  const lines = [header.join(','), ...data.byProfession.map((r) => line('profession', r)), ...data.byZone.map((r) => line('departement', r)), line('total', data.total)];
  const name = (data.reference ?? id).replace(/[^A-Za-z0-9_-]+/g, '-');
  return { filename: `suivi-${name}-v${data.version}.csv`, csv: lines.join('\r\n') + '\r\n' };
}

/** Queues one reminder e-mail per recipient of the current version who has not acknowledged it; once per version. */
export async function queueReminders(deps: MessagesDeps, ctx: RequestContext, id: string): Promise<{ queued: number }> {
  const scope = operatorScope(deps, ctx);
  const queued = await deps.db.transaction().execute(async (trx) => {
    const message = await findInScope(deps, scope, id, trx, true);
    if (message.status !== 'published') throw new AppError(message.status === 'draft' ? 'MESSAGES_NOT_PUBLISHED' : 'MESSAGES_WITHDRAWN');
    const version = (await repo.findVersions(trx, id)).find((v) => v.version === message.current_version)!;
    if (version.kind !== 'action') throw new AppError('MESSAGES_NOT_ACTION');
    if (version.expires_at && version.expires_at <= ctx.now) throw new AppError('MESSAGES_EXPIRED');
    if (version.reminders_queued_at) return 0;
    const n = await remind(deps, trx, id, version.version, ctx.now);
    await recordAudit(trx, ctx, { action: 'messages.remind', outcome: 'success', targetType: 'message', targetId: id, details: { version: version.version, queued: n } });
    return n;
  });
  if (queued > 0) deps.onEmailsQueued?.();
  return { queued };
}

async function remind(deps: Pick<MessagesDeps, 'settings'>, trx: Db, id: string, version: number, now: Date): Promise<number> {
  await repo.markRemindersQueued(trx, id, version, now);
  return repo.queueEmails(trx, { messageId: id, version, kind: 'reminder', start: now, perSecond: deps.settings.emailsPerSecond, onlyUnacknowledged: true });
}

/** The automatic reminders: action messages unacknowledged `reminderHours` after publication (the sender's periodic job). */
export async function queueDueReminders(deps: Pick<MessagesDeps, 'db' | 'settings'>, now: Date): Promise<number> {
  if (deps.settings.reminderHours === 0) return 0;
  let total = 0;
  for (const due of await repo.findVersionsDueForReminder(deps.db, new Date(now.getTime() - deps.settings.reminderHours * HOUR), now)) {
    total += await deps.db.transaction().execute(async (trx) => {
      const message = await repo.findMessage(trx, due.id, true);
      const version = message && (await repo.findVersions(trx, due.id)).find((v) => v.version === due.version);
      if (!message || message.status !== 'published' || message.current_version !== due.version || !version || version.reminders_queued_at) return 0;
      const n = await remind(deps, trx, due.id, due.version, now);
      await recordSystemAudit(trx, now, { action: 'messages.remind', outcome: 'success', targetType: 'message', targetId: due.id, details: { version: due.version, queued: n, automatic: true } });
      return n;
    });
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// The professional's inbox.

type Zone = { profession: string; department: string; region: string };

function targets(message: PublishedMessage, zone: Zone): boolean {
  if (message.professions !== null && !message.professions.includes(zone.profession)) return false;
  return message.zone_national || message.zone_departments.includes(zone.department) || (zone.region !== '' && message.zone_regions.includes(zone.region));
}

/** The professional's zones; one who never signed in through PSC (second channel only) is known by their professions alone. */
async function zonesOf(deps: MessagesDeps, ctx: RequestContext): Promise<Zone[]> {
  const professional = ctx.professional!;
  const zones = await repo.findProfessionalZones(deps.db, professional.id);
  return zones.length > 0 ? zones : professional.professions.map((profession) => ({ profession, department: '', region: '' }));
}

/** An inbox shows what was published in the last six months: older messages are on the public page. */
const INBOX_WINDOW_MS = 180 * DAY;

/**
 * The messages reaching the professional that are online now: by their zones as of now, or
 * because they were targeted when the version was published (they may have moved since, and the
 * e-mail asks them to acknowledge it), each with the zone it reached them through.
 */
async function targetedMessages(deps: MessagesDeps, ctx: RequestContext) {
  const now = ctx.now.getTime();
  const online = (await deps.active.list()).filter(
    (m) => (!m.expires_at || m.expires_at.getTime() > now) && (m.published_at ?? m.first_published_at!).getTime() > now - INBOX_WINDOW_MS,
  );
  const [zones, receipts] = await Promise.all([
    zonesOf(deps, ctx),
    repo.findReceipts(
      deps.db,
      ctx.professional!.id,
      online.map((m) => m.id),
    ),
  ]);
  return online.flatMap((message) => {
    const receipt = receipts.find((r) => r.message_id === message.id && r.version === message.version);
    const zone = zones.find((z) => targets(message, z)) ?? (receipt ? { profession: receipt.profession, department: receipt.department, region: receipt.region } : undefined);
    return zone ? [{ message, zone, receipt }] : [];
  });
}

function presentEntry(message: PublishedMessage, receipt: { read_at: Date | null; acknowledged_at: Date | null } | undefined): InboxEntry {
  return {
    id: message.id,
    version: message.version,
    reference: message.reference!,
    title: message.title,
    kind: message.kind,
    priority: message.priority,
    publishedAt: (message.published_at ?? message.first_published_at!).toISOString(),
    corrected: message.version > 1,
    expiresAt: iso(message.expires_at),
    readAt: iso(receipt?.read_at ?? null),
    acknowledgedAt: iso(receipt?.acknowledged_at ?? null),
  };
}

/** Unread first, then high priority, then newest. */
const inboxOrder = (a: InboxEntry, b: InboxEntry) =>
  Number(a.readAt !== null) - Number(b.readAt !== null) || Number(a.priority !== 'high') - Number(b.priority !== 'high') || b.publishedAt.localeCompare(a.publishedAt);

export async function readInbox(deps: MessagesDeps, ctx: RequestContext): Promise<Inbox> {
  const targeted = await targetedMessages(deps, ctx);
  const messages = targeted.map(({ message, receipt }) => presentEntry(message, receipt)).sort(inboxOrder);
  return {
    unread: messages.filter((m) => m.readAt === null).length,
    actionsPending: messages.filter((m) => m.kind === 'action' && m.acknowledgedAt === null).length,
    messages,
  };
}

async function findTargeted(deps: MessagesDeps, ctx: RequestContext, id: string) {
  const found = (await targetedMessages(deps, ctx)).find((t) => t.message.id === id);
  if (!found) throw new AppError('MESSAGES_NOT_TARGETED');
  return found;
}

export async function openInboxMessage(deps: MessagesDeps, ctx: RequestContext, id: string): Promise<InboxMessage> {
  const { message, receipt } = await findTargeted(deps, ctx, id);
  const attachments = await repo.findAttachments(deps.db, id);
  return {
    ...presentEntry(message, receipt),
    bodyHtml: message.body_html,
    targets: targetLabels(targetingOfRow(message)),
    attachments: presentAttachments(id, message.attachment_ids, attachments),
    correctionNote: message.correction_note,
  };
}

/** Marks the version read ("lu"), or acknowledged ("J'ai pris connaissance", action messages only; audited). */
export async function recordReceipt(deps: MessagesDeps, ctx: RequestContext, id: string, version: number, acknowledge: boolean) {
  const { message, zone } = await findTargeted(deps, ctx, id);
  if (version !== message.version) throw new AppError('MESSAGES_VERSION_STALE');
  if (acknowledge && message.kind !== 'action') throw new AppError('MESSAGES_NOT_ACTION');
  const write = async (db: Db) => repo.recordReceipt(db, { messageId: id, version, professionalId: ctx.professional!.id, zone, now: ctx.now, acknowledge });
  const row = acknowledge
    ? await deps.db.transaction().execute(async (trx) => {
        const receipt = await write(trx);
        await recordAudit(trx, ctx, { action: 'messages.acknowledge', outcome: 'success', targetType: 'message', targetId: id, details: { version } });
        return receipt;
      })
    : await write(deps.db);
  return { readAt: iso(row.read_at), acknowledgedAt: iso(row.acknowledged_at) };
}

// ---------------------------------------------------------------------------------------------
// The public page and its feed.

/** The public list, built once per list the cache holds: it is read by anyone, signed in or not. */
const publicLists = new WeakMap<PublishedMessage[], Promise<PublicMessage[]>>();

export async function listPublicMessages(deps: MessagesDeps): Promise<PublicMessage[]> {
  const published = await deps.active.list();
  let built = publicLists.get(published);
  if (!built) {
    const shown = published.slice(0, LIST_LIMIT);
    built = repo.findAttachmentsOf(
      deps.db,
      shown.map((m) => m.id),
    ).then((attachments) => shown.map((message) => presentPublic(message, attachments.filter((a) => a.message_id === message.id))));
    publicLists.set(published, built);
    built.catch(() => publicLists.delete(published));
  }
  return built;
}

/** The feed's messages and the date of the last publication, correction or withdrawal. */
export async function publicFeed(deps: MessagesDeps): Promise<{ messages: PublicMessage[]; lastChange: Date | null }> {
  const [messages, lastChange] = await Promise.all([listPublicMessages(deps), repo.lastPublicChange(deps.db)]);
  return { messages, lastChange };
}

/** One published message; a withdrawn one answers 410 with its reference, date and reason (its public trace). */
export async function getPublicMessage(deps: MessagesDeps, id: string): Promise<PublicMessage> {
  const message = (await deps.active.list()).find((m) => m.id === id);
  if (!message) {
    const row = await repo.findMessage(deps.db, id);
    if (row?.status === 'withdrawn') {
      throw new AppError('MESSAGES_WITHDRAWN_PUBLIC', { publicDetails: { reference: row.reference, withdrawnAt: iso(row.withdrawn_at), reason: row.withdraw_reason } });
    }
    throw new AppError('MESSAGES_NOT_FOUND');
  }
  return presentPublic(message, await repo.findAttachments(deps.db, id));
}

function presentPublic(message: PublishedMessage, attachments: Array<{ id: string; filename: string; bytes: number; sha256: string }>): PublicMessage {
  return {
    id: message.id,
    reference: message.reference!,
    version: message.version,
    title: message.title,
    kind: message.kind,
    priority: message.priority,
    publishedAt: message.first_published_at!.toISOString(),
    updatedAt: (message.published_at ?? message.updated_at).toISOString(),
    expiresAt: iso(message.expires_at),
    targets: targetLabels(targetingOfRow(message)),
    bodyHtml: message.body_html,
    attachments: presentAttachments(message.id, message.attachment_ids, attachments),
    correctionNote: message.correction_note,
  };
}
