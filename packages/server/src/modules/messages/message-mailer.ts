import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import type { Transporter } from 'nodemailer';
import { kindLabels } from '@prostopcovid/contracts/messages';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { MINUTE, SECOND, type Clock } from '../../platform/clock.js';
import { formatParisDay } from '../../platform/dates.js';
import { escapeHtml } from '../../platform/html.js';
import { serializeError } from '../../platform/logger.js';
import { queueDueReminders } from './messages.service.js';

/**
 * Sends the queued e-mails (docs/domain.md §5): takes due rows of `message_emails` with
 * FOR UPDATE SKIP LOCKED (any number of processes share the queue), marks them `sending` in
 * that statement, sends each, and records the outcome of each as soon as the relay answers.
 *
 * At most once per recipient, version and kind: a row is only ever taken from `queued`. SMTP
 * cannot be asked whether a message went through, so a row left `sending` by a crash (the relay
 * may have accepted it just before) is marked `interrupted` once its lease has passed, shown in
 * the follow-up, and never sent again on its own. Refusals before the message was transferred
 * (connection refused, 4xx) are retried with backoff; a 5xx is a bounce.
 *
 * Paced twice: publication spreads `not_before` at the configured rate, and each process takes
 * at most that rate, so a backlog (a sender down for an hour) does not leave as a burst.
 */
export interface MailerDeps {
  db: Db;
  settings: Config['messages'];
  publicUrl: string;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Default: from settings.smtpUrl. */
  transport?: Transporter;
}

/** A `sending` row older than this was left by a crashed sender. */
export const SENDING_LEASE_MS = 5 * MINUTE;
const MAX_ATTEMPTS = 5;
const BACKOFF_MS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE];
const HOUSEKEEPING_MS = MINUTE;

type Claimed = { id: string; message_id: string; version: number; professional_id: string; kind: 'message' | 'reminder'; address: string; attempts: number };
type Outcome = { status: 'sent' } | { status: 'retry' | 'bounced' | 'failed' | 'interrupted'; error: string };

interface Content {
  reference: string;
  title: string;
  body: string;
  bodyHtml: string;
  kind: 'information' | 'action';
  publishedAt: Date;
  correctionNote: string | null;
}

export class MessageMailer {
  private transport: Transporter | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private tokens: number;
  private lastRefill: number;
  private lastHousekeeping = 0;
  private readonly contents = new Map<string, Content>();

  constructor(private readonly deps: MailerDeps) {
    this.transport = deps.transport;
    this.tokens = deps.settings.emailsPerSecond;
    this.lastRefill = Date.now();
  }

  get enabled(): boolean {
    return this.transport !== undefined || Boolean(this.deps.settings.smtpUrl);
  }

  start(): void {
    if (!this.enabled || this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New e-mails were queued: look now rather than at the next poll. */
  kick(): void {
    this.wake?.();
  }

  /** Stops taking rows and waits for the e-mails in flight to be answered and recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.transport?.close();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      try {
        await this.housekeeping();
        sent = await this.sendDue();
      } catch (error) {
        this.deps.log.error({ err: serializeError(error) }, 'message e-mails: sending failed');
      }
      if (!this.running) break;
      if (sent === 0) await this.idle(this.tokens < 1 ? 1000 / this.deps.settings.emailsPerSecond : SECOND);
    }
  }

  private idle(ms: number): Promise<void> {
    const controller = new AbortController();
    this.wake = () => controller.abort();
    return sleep(ms, undefined, { signal: controller.signal }).catch(() => undefined);
  }

  /** Interrupted sends and automatic reminders, once a minute. */
  private async housekeeping(): Promise<void> {
    const now = this.deps.clock.now();
    if (now.getTime() - this.lastHousekeeping < HOUSEKEEPING_MS) return;
    this.lastHousekeeping = now.getTime();
    const interrupted = await markInterrupted(this.deps.db, now);
    if (interrupted > 0) this.deps.log.warn({ interrupted }, 'message e-mails left sending by a stopped sender: marked interrupted, not re-sent');
    const reminders = await queueDueReminders(this.deps, now);
    if (reminders > 0) this.deps.log.info({ reminders }, 'message reminders queued');
  }

  private refill(): void {
    const now = Date.now();
    const rate = this.deps.settings.emailsPerSecond;
    this.tokens = Math.min(rate, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
  }

  /** The pooled SMTP transport, made at the first e-mail: an idle server does not carry nodemailer. */
  private async openTransport(): Promise<Transporter> {
    if (this.transport) return this.transport;
    const { default: nodemailer } = await import('nodemailer');
    this.transport = nodemailer.createTransport({
      url: this.deps.settings.smtpUrl,
      pool: true,
      maxConnections: this.deps.settings.smtpConnections,
      // A relay that stops answering must not hold a row past its lease.
      connectionTimeout: 30 * SECOND,
      greetingTimeout: 30 * SECOND,
      // Under the servers' shutdown grace (35 s): a stop waits for the answers in flight.
      socketTimeout: 30 * SECOND,
      // The pool would resend a message on its own after a lost connection: never (at most once).
      maxRequeues: 0,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    return this.transport;
  }

  /** Takes and sends one batch of due e-mails; the number taken. */
  async sendDue(): Promise<number> {
    if (!this.enabled) return 0;
    this.refill();
    // No more than the connections can carry at once: every row taken is in flight, so a crash
    // leaves at most that many uncertain (rows taken but waiting would be lost as uncertain too).
    const limit = Math.min(this.deps.settings.smtpConnections, Math.floor(this.tokens));
    if (limit < 1) return 0;
    const claimed = await claimDue(this.deps.db, this.deps.clock.now(), limit);
    this.tokens -= claimed.length;
    if (claimed.length === 0) return 0;
    const transport = await this.openTransport();
    await this.loadContents(claimed);
    // The pool sends on its connections in parallel; each outcome is recorded as it comes.
    await Promise.all(claimed.map(async (row) => recordOutcome(this.deps.db, row, await this.send(transport, row), this.deps.clock.now())));
    return claimed.length;
  }

  private async send(transport: Transporter, row: Claimed): Promise<Outcome> {
    const content = this.contents.get(`${row.message_id}/${row.version}`)!;
    try {
      await transport.sendMail({ ...composeEmail(content, row, this.deps.publicUrl), from: this.deps.settings.mailFrom, to: row.address });
      return { status: 'sent' };
    } catch (error) {
      return classify(error, row.attempts);
    }
  }

  private async loadContents(rows: Claimed[]): Promise<void> {
    const missing = [...new Set(rows.map((r) => `${r.message_id}/${r.version}`))].filter((key) => !this.contents.has(key));
    for (const key of missing) {
      const [messageId, version] = key.split('/') as [string, string];
      const row = await this.deps.db
        .selectFrom('message_versions as v')
        .innerJoin('messages as m', 'm.id', 'v.message_id')
        .select(['m.reference', 'v.title', 'v.body', 'v.body_html', 'v.kind', 'v.published_at', 'v.correction_note'])
        .where('v.message_id', '=', messageId)
        .where('v.version', '=', Number(version))
        .executeTakeFirstOrThrow();
      // A version never changes once published: kept for the rest of the fan-out.
      if (this.contents.size > 100) this.contents.clear();
      this.contents.set(key, {
        reference: row.reference ?? '',
        title: row.title,
        body: row.body,
        bodyHtml: row.body_html,
        kind: row.kind,
        publishedAt: row.published_at ?? new Date(0),
        correctionNote: row.correction_note,
      });
    }
  }
}

/**
 * Due rows, taken by one sender: no other sees them while the statement's locks last, and after
 * it they are `sending`. Only e-mails of a message still published, of its current version and
 * not expired: one that went back to `queued` after a refusal while the message was withdrawn or
 * corrected is cancelled when its outcome is recorded, and never taken here meanwhile.
 */
export async function claimDue(db: Db, now: Date, limit: number): Promise<Claimed[]> {
  const result = await sql<Claimed>`update message_emails set status = 'sending', claimed_at = ${now}, attempts = attempts + 1
    where id in (
      select e.id from message_emails e
      join messages m on m.id = e.message_id and m.status = 'published' and m.current_version = e.version
      join message_versions v on v.message_id = e.message_id and v.version = e.version and (v.expires_at is null or v.expires_at > ${now})
      where e.status = 'queued' and e.not_before <= ${now}
      order by e.not_before limit ${limit} for update of e skip locked
    )
    returning id, message_id, version, professional_id, kind, address, attempts`.execute(db);
  return result.rows;
}

async function recordOutcome(db: Db, row: Claimed, outcome: Outcome, now: Date): Promise<void> {
  const update = db.updateTable('message_emails').where('id', '=', row.id).where('status', '=', 'sending');
  if (outcome.status === 'sent') {
    await update.set({ status: 'sent', sent_at: now, error: null }).execute();
  } else if (outcome.status === 'retry') {
    // Tried again later only if the message still stands as it was: withdrawn or corrected meanwhile, cancelled.
    const delay = BACKOFF_MS[Math.min(row.attempts - 1, BACKOFF_MS.length - 1)]!;
    await sql`update message_emails e set
        status = case when m.status = 'published' and m.current_version = e.version then 'queued' else 'cancelled' end,
        not_before = ${new Date(now.getTime() + delay)}, error = ${outcome.error.slice(0, 500)}
      from messages m where m.id = e.message_id and e.id = ${row.id} and e.status = 'sending'`.execute(db);
  } else {
    await update.set({ status: outcome.status, error: outcome.error.slice(0, 500) }).execute();
  }
}

/** Rows a crashed sender left `sending`: the relay may have accepted them, so they are not sent again. */
export async function markInterrupted(db: Db, now: Date, leaseMs = SENDING_LEASE_MS): Promise<number> {
  const result = await db
    .updateTable('message_emails')
    .set({ status: 'interrupted', error: 'Envoi interrompu (arrêt du serveur) : remise incertaine, non renvoyé' })
    .where('status', '=', 'sending')
    .where('claimed_at', '<', new Date(now.getTime() - leaseMs))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * What the relay's answer (or its silence) means. A reply code is definite: 5xx refused for
 * good (a bounce), 4xx refused for now (retried). No reply code: safe to retry only when the
 * connection was never made, since then nothing was transferred.
 */
function classify(error: unknown, attempts: number): Outcome {
  const e = error as { responseCode?: number; response?: string; message?: string; syscall?: string; code?: string };
  const text = (e.response ?? e.message ?? String(error)).replace(/\s+/g, ' ');
  if (typeof e.responseCode === 'number') {
    if (e.responseCode >= 500) return { status: 'bounced', error: text };
    return attempts >= MAX_ATTEMPTS ? { status: 'failed', error: text } : { status: 'retry', error: text };
  }
  const neverConnected = e.syscall === 'connect' || e.code === 'EDNS' || e.code === 'ETLS' || e.code === 'EAUTH' || /Connection timeout|Greeting never received/.test(e.message ?? '');
  if (neverConnected) return attempts >= MAX_ATTEMPTS ? { status: 'failed', error: text } : { status: 'retry', error: text };
  return { status: 'interrupted', error: text };
}


/** The e-mail of a message version: the same text as the portal, a link to acknowledge it there. */
export function composeEmail(content: Content, row: Pick<Claimed, 'message_id' | 'version' | 'professional_id' | 'kind'>, publicUrl: string) {
  const link = `${publicUrl}/messages?message=${row.message_id}`;
  const prefix = row.kind === 'reminder' ? 'Rappel — ' : row.version > 1 ? 'Rectificatif — ' : '';
  const subject = `${prefix}${content.reference} : ${content.title}`;
  const action =
    content.kind === 'action'
      ? 'Ce message appelle une action : confirmez-en la prise de connaissance dans ProStopCovid.'
      : 'Ce message est pour information.';
  const header = [`${content.reference} — ${formatParisDay(content.publishedAt)} — ${kindLabels[content.kind]}`, content.title];
  if (content.correctionNote) header.push(`Rectificatif : ${content.correctionNote}`);
  // The Markdown reads as plain text as it is.
  const text = [...header, '', content.body.replace(/\r\n?/g, '\n'), '', action, `Lire le message : ${link}`].join('\n');
  const html = `<!doctype html><html lang="fr"><body>
<p><strong>${escapeHtml(header[0]!)}</strong></p><h1>${escapeHtml(content.title)}</h1>
${content.correctionNote ? `<p><strong>Rectificatif :</strong> ${escapeHtml(content.correctionNote)}</p>` : ''}
${content.bodyHtml}
<p>${escapeHtml(action)} <a href="${escapeHtml(link)}">Lire le message dans ProStopCovid</a></p>
</body></html>`;
  return {
    subject,
    text,
    html,
    // One id per recipient, version and kind: a relay or client that sees it twice can tell.
    messageId: `<${row.message_id}.${row.version}.${row.kind}.${row.professional_id}@prostopcovid>`,
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  };
}
