import { Type, type Static } from 'typebox';
import { DepartmentCode, PlainText, Uuid } from './common.js';

/** Text over several lines: no control characters but tabs and line breaks (PostgreSQL refuses NUL). */
const MULTILINE_TEXT = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\uD800-\\uDFFF\\uFFFD-\\uFFFF]*$';

/**
 * Urgent messages to professionals (docs/domain.md §5): DGS-Urgent and ARS messages, targeted
 * by profession and zone, read and acknowledged in the pro portal, e-mailed without a surge.
 */

/** "Keep them short" (a 2025 parliamentary question complained of long messages): DGS-URGENT N°2021_84 is about 5,000 characters. */
export const MESSAGE_BODY_MAX_LENGTH = 20_000;
export const MESSAGE_TITLE_MAX_LENGTH = 200;
export const MESSAGE_CORRECTION_NOTE_MAX_LENGTH = 500;
export const MESSAGE_WITHDRAW_REASON_MAX_LENGTH = 500;
export const MESSAGE_MAX_ATTACHMENTS = 5;
/** One PDF attachment, at most (bytes). */
export const MESSAGE_ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024;
/** An expiry may be set up to a year ahead. */
export const MESSAGE_MAX_EXPIRY_DAYS = 366;

export const MessageKind = Type.Union([Type.Literal('information'), Type.Literal('action')], {
  description: '"pour information", or "pour action": an action message is shown in a banner until the professional acknowledges it',
});
export type MessageKind = Static<typeof MessageKind>;
export const kindLabels: Record<MessageKind, string> = { information: 'Pour information', action: 'Pour action' };

export const MessagePriority = Type.Union([Type.Literal('high'), Type.Literal('normal')], { description: 'high messages are listed first' });
export type MessagePriority = Static<typeof MessagePriority>;
export const priorityLabels: Record<MessagePriority, string> = { high: 'Prioritaire', normal: 'Normale' };

export const MessageStatus = Type.Union([Type.Literal('draft'), Type.Literal('published'), Type.Literal('withdrawn')]);
export type MessageStatus = Static<typeof MessageStatus>;
export const statusLabels: Record<MessageStatus, string> = { draft: 'Brouillon', published: 'Publié', withdrawn: 'Retiré' };

/** A TRE_G15 profession code (`GET /api/reference/professions` lists them). */
const ProfessionCode = Type.String({ pattern: '^[0-9]{2}$' });
/** An INSEE region code: '75' Nouvelle-Aquitaine, '02' Martinique; an overseas collectivity is its own region ('975'). */
const RegionCode = Type.String({ pattern: '^[0-9]{2,3}$' });

/**
 * The professions of the DGS-URGENT form (seed: DGS-URGENT N°2021_84), each with the TRE_G15
 * codes it stands for; "Autre professionnel de santé" stands for the codes no other line names.
 * Ticking them all is the same as "Tous les professionnels".
 */
export const DGS_URGENT_PROFESSION_CATEGORIES: ReadonlyArray<{ label: string; codes: readonly string[] }> = [
  { label: 'Chirurgien-dentiste', codes: ['40'] },
  { label: 'Ergothérapeute', codes: ['94'] },
  { label: 'Manipulateur ERM', codes: ['98'] },
  { label: 'Médecin (généraliste et autres spécialistes)', codes: ['10'] },
  { label: 'Infirmier', codes: ['60', '69'] },
  { label: 'Masseur-kinésithérapeute', codes: ['70'] },
  { label: 'Audioprothésiste', codes: ['26'] },
  { label: 'Orthopédiste-orthésiste', codes: ['83'] },
  { label: 'Pédicure-podologue', codes: ['80'] },
  { label: 'Opticien-lunetier', codes: ['28'] },
  { label: 'Orthoptiste', codes: ['92'] },
  { label: 'Orthophoniste', codes: ['91'] },
  { label: 'Podo-orthésiste', codes: ['82'] },
  { label: 'Sage-femme', codes: ['50'] },
  { label: 'Diététicien', codes: ['95'] },
  { label: 'Pharmacien', codes: ['21'] },
  { label: 'Psychomotricien', codes: ['96'] },
  { label: 'Orthoprothésiste', codes: ['81'] },
  { label: 'Technicien de laboratoire médical', codes: ['86'] },
  { label: 'Autre professionnel de santé', codes: ['31', '32', '84', '85'] },
];

export const MessageZone = Type.Object(
  {
    national: Type.Boolean({ description: 'true: every professional, wherever they work (regions and departments must then be empty)' }),
    regions: Type.Array(RegionCode, { maxItems: 30, uniqueItems: true }),
    departments: Type.Array(DepartmentCode(), { maxItems: 110, uniqueItems: true }),
  },
  { additionalProperties: false, description: 'national, or territorial: the union of the regions and departments listed (at least one)' },
);
export type MessageZone = Static<typeof MessageZone>;

/** What an operator writes: a draft, a preview or a correction. */
export const MessageContent = Type.Object(
  {
    title: PlainText(MESSAGE_TITLE_MAX_LENGTH),
    body: Type.String({
      minLength: 1,
      maxLength: MESSAGE_BODY_MAX_LENGTH,
      pattern: MULTILINE_TEXT,
      description: 'Markdown (CommonMark): paragraphs, emphasis, lists, headings, links (https, mailto), tables; raw HTML is refused',
    }),
    kind: MessageKind,
    priority: MessagePriority,
    professions: Type.Union([Type.Array(ProfessionCode, { minItems: 1, maxItems: 30, uniqueItems: true }), Type.Null()], {
      description: 'TRE_G15 codes targeted, or null for "Tous les professionnels"',
    }),
    zone: MessageZone,
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'After it, the message leaves inboxes (it stays on the public page)' }),
    attachmentIds: Type.Array(Uuid, { maxItems: MESSAGE_MAX_ATTACHMENTS, uniqueItems: true, description: 'PDFs uploaded to this message (POST /api/messages/:id/attachments)' }),
  },
  { additionalProperties: false },
);
export type MessageContent = Static<typeof MessageContent>;

export const CorrectionBody = Type.Object(
  { content: MessageContent, note: PlainText(MESSAGE_CORRECTION_NOTE_MAX_LENGTH) },
  { additionalProperties: false, description: 'note: what changed, shown to readers ("Rectificatif : …")' },
);
export type CorrectionBody = Static<typeof CorrectionBody>;

export const WithdrawBody = Type.Object({ reason: PlainText(MESSAGE_WITHDRAW_REASON_MAX_LENGTH) }, { additionalProperties: false });
export type WithdrawBody = Static<typeof WithdrawBody>;

export const MessageParams = Type.Object({ id: Uuid });
export const AttachmentParams = Type.Object({ id: Uuid, attachmentId: Uuid });
export const AttachmentQuery = Type.Object(
  { filename: Type.String({ minLength: 1, maxLength: 120, pattern: '^[^/\\\\\\u0000-\\u001f]+\\.[pP][dD][fF]$', description: 'Shown to readers; ends in .pdf' }) },
  { additionalProperties: false },
);

export const Attachment = Type.Object({
  id: Type.String(),
  filename: Type.String(),
  bytes: Type.Integer(),
  sha256: Type.String({ description: 'hex' }),
  url: Type.String({ description: 'Where to download it: public once a published version lists it' }),
});
export type Attachment = Static<typeof Attachment>;

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const Instant = Type.String({ format: 'date-time' });

/** Who a version targets, in words: "Pharmacien · Nouvelle-Aquitaine". */
const TargetLabels = Type.Object({
  professions: Type.Array(Type.String(), { description: 'French labels; ["Tous les professionnels"] for all' }),
  zone: Type.Array(Type.String(), { description: 'French names: ["National"], or regions and departments ("Gironde (33)")' }),
});

export const MessageVersion = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  title: Type.String(),
  body: Type.String({ description: 'The Markdown as written' }),
  bodyHtml: Type.String({ description: 'Rendered and sanitised' }),
  kind: MessageKind,
  priority: MessagePriority,
  professions: Type.Union([Type.Array(Type.String()), Type.Null()]),
  zone: MessageZone,
  targets: TargetLabels,
  expiresAt: Nullable(Instant),
  attachments: Type.Array(Attachment),
  publishedAt: Nullable(Instant),
  correctionNote: Nullable(Type.String()),
});
export type MessageVersion = Static<typeof MessageVersion>;

export const OperatorScope = Type.Union([
  Type.Object({ kind: Type.Literal('national'), series: Type.String({ description: 'e.g. DGS-URGENT' }) }),
  Type.Object({ kind: Type.Literal('regional'), region: Type.String(), regionName: Type.String(), series: Type.String({ description: 'e.g. ARS Nouvelle-Aquitaine' }) }),
]);
export type OperatorScope = Static<typeof OperatorScope>;

export const MessageSummary = Type.Object({
  id: Type.String(),
  reference: Nullable(Type.String({ description: 'e.g. "DGS-URGENT N°2026_01"; null for a draft (numbered when published)' })),
  status: MessageStatus,
  version: Type.Integer({ description: 'The current version (the draft for a draft)' }),
  title: Type.String(),
  kind: MessageKind,
  priority: MessagePriority,
  targets: TargetLabels,
  series: Type.String(),
  createdAt: Instant,
  publishedAt: Nullable(Instant),
  updatedAt: Instant,
  withdrawnAt: Nullable(Instant),
  expiresAt: Nullable(Instant),
  revision: Type.Integer({
    minimum: 1,
    description: 'Raised by every change of the message; also its ETag ("3"). Send it back in If-Match with a change so that a change made meanwhile by someone else is not overwritten (412).',
  }),
});
export type MessageSummary = Static<typeof MessageSummary>;
export const MessageList = Type.Object({ messages: Type.Array(MessageSummary) });
export type MessageList = Static<typeof MessageList>;

export const MessageDetail = Type.Object({
  ...MessageSummary.properties,
  withdrawReason: Nullable(Type.String()),
  versions: Type.Array(MessageVersion, { description: 'Oldest first; the last is the current one (for a draft, the draft itself)' }),
});
export type MessageDetail = Static<typeof MessageDetail>;

const Count = Type.Object({ key: Type.String(), label: Type.String(), count: Type.Integer() });
export const MessagePreview = Type.Object({
  bodyHtml: Type.String(),
  targets: TargetLabels,
  reach: Type.Object({
    total: Type.Integer({ description: 'Professionals reached (each once, whatever their number of exercices)' }),
    withEmail: Type.Integer({ description: 'Of them, with a known e-mail address' }),
    byProfession: Type.Array(Count, { description: 'key: TRE_G15 code' }),
    byZone: Type.Array(Count, { description: 'key: department code ("" for professionals whose activity has no known postcode)' }),
  }),
  emailWindowMinutes: Type.Number({ description: 'How long the e-mails of this version would take at the configured pace' }),
});
export type MessagePreview = Static<typeof MessagePreview>;

/** One line of the follow-up: a profession, a department, or the total. */
export const FollowUpRow = Type.Object({
  key: Type.String(),
  label: Type.String(),
  reached: Type.Integer({ description: 'Targeted when the version was published, plus those who opened it later' }),
  emailed: Type.Integer({ description: 'An e-mail was queued for them and not cancelled (one per address: a shared mailbox gets one)' }),
  delivered: Type.Integer({ description: 'Accepted by the mail relay (SMTP 250)' }),
  failed: Type.Integer({ description: 'Refused for good (bounced) or after 5 attempts' }),
  uncertain: Type.Integer({ description: 'Interrupted by a stopped sender after the relay had the message: maybe delivered, never re-sent on its own' }),
  read: Type.Integer(),
  acknowledged: Type.Integer(),
});
export type FollowUpRow = Static<typeof FollowUpRow>;
export const FollowUp = Type.Object({
  id: Type.String(),
  reference: Nullable(Type.String()),
  version: Type.Integer(),
  kind: MessageKind,
  publishedAt: Nullable(Instant),
  total: FollowUpRow,
  byProfession: Type.Array(FollowUpRow),
  byZone: Type.Array(FollowUpRow, { description: 'By department, as the professional was counted when targeted' }),
  emailsPending: Type.Integer({ description: 'E-mails still queued (paced) for this version' }),
  remindersQueuedAt: Nullable(Instant),
});
export type FollowUp = Static<typeof FollowUp>;
export const FollowUpQuery = Type.Object(
  { version: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$', description: 'A version number (default: the current one)' })) },
  { additionalProperties: false },
);
export const RemindersAnswer = Type.Object({ queued: Type.Integer({ description: 'Reminder e-mails queued (0 when already done)' }) });

/** The pro inbox: what the header counter and the banner read. */
export const InboxEntry = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  reference: Type.String(),
  title: Type.String(),
  kind: MessageKind,
  priority: MessagePriority,
  publishedAt: Instant,
  corrected: Type.Boolean({ description: 'A correction of an earlier version' }),
  expiresAt: Nullable(Instant),
  readAt: Nullable(Instant),
  acknowledgedAt: Nullable(Instant),
});
export type InboxEntry = Static<typeof InboxEntry>;
export const Inbox = Type.Object({
  unread: Type.Integer(),
  actionsPending: Type.Integer({ description: '"pour action" messages not acknowledged: the banner' }),
  messages: Type.Array(InboxEntry, { description: 'Unread first, then by priority, then newest first' }),
});
export type Inbox = Static<typeof Inbox>;

export const InboxMessage = Type.Object({
  ...InboxEntry.properties,
  bodyHtml: Type.String(),
  targets: TargetLabels,
  attachments: Type.Array(Attachment),
  correctionNote: Nullable(Type.String()),
});
export type InboxMessage = Static<typeof InboxMessage>;
export const ReceiptBody = Type.Object({ version: Type.Integer({ minimum: 1, maximum: 999_999, description: 'The version read or acknowledged' }) }, { additionalProperties: false });
export const Receipt = Type.Object({ readAt: Nullable(Instant), acknowledgedAt: Nullable(Instant) });

/** The public page (as the ministry publishes every DGS-Urgent). */
export const PublicMessage = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  version: Type.Integer(),
  title: Type.String(),
  kind: MessageKind,
  priority: MessagePriority,
  publishedAt: Instant,
  updatedAt: Instant,
  expiresAt: Nullable(Instant),
  targets: TargetLabels,
  bodyHtml: Type.String(),
  attachments: Type.Array(Attachment),
  correctionNote: Nullable(Type.String()),
});
export type PublicMessage = Static<typeof PublicMessage>;
export const PublicMessageList = Type.Object({ messages: Type.Array(PublicMessage, { description: 'Published and not withdrawn, newest first (at most 200)' }) });
export type PublicMessageList = Static<typeof PublicMessageList>;

/** What the authoring form needs: the operator's scope and the lists to choose from. */
export const AuthoringContext = Type.Object({
  scope: OperatorScope,
  professions: Type.Array(Type.Object({ code: Type.String(), label: Type.String() })),
  professionCategories: Type.Array(Type.Object({ label: Type.String(), codes: Type.Array(Type.String()) })),
  regions: Type.Array(Type.Object({ code: Type.String(), name: Type.String() }), { description: 'Those the operator may target' }),
  departments: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), region: Type.String() }), { description: 'Those the operator may target' }),
  reminderHours: Type.Integer({ description: 'Unacknowledged action messages get a reminder e-mail after this many hours (0: off)' }),
});
export type AuthoringContext = Static<typeof AuthoringContext>;
