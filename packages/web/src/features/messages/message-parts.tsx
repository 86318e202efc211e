import { kindLabels, priorityLabels, type MessageKind, type MessagePriority } from '@prostopcovid/contracts/messages';
import type { Attachment } from '../../data/messages';

/** The pieces every urgent-message page shows the same way: badges, targets, body, attachments. */

/** Paris time, as the journal, the statistics and the e-mails give it, whatever the computer's clock. */
const parisDay = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric' });
const parisTime = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' });

/** "le 22/11/2026 à 07:41" (Paris time). */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return `le ${parisDay.format(d)} à ${parisTime.format(d)}`;
}

/** "22/11/2026 à 07:41", for table cells and lists (no leading "le"). */
export function formatCell(iso: string): string {
  return formatDateTime(iso).slice(3);
}

export function KindBadge({ kind }: { kind: MessageKind }) {
  return <span className={`badge ${kind === 'action' ? 'badge-action' : 'badge-information'}`}>{kindLabels[kind]}</span>;
}

/** Only the high priority is marked: "Prioritaire". */
export function PriorityBadge({ priority }: { priority: MessagePriority }) {
  if (priority !== 'high') return null;
  return <span className="badge badge-priority">{priorityLabels.high}</span>;
}

export function CorrectedBadge() {
  return <span className="badge badge-correction">Rectificatif</span>;
}

/** Who a message is for: "Pharmacien, Infirmier · Gironde (33)". */
export function targetsText(targets: { professions: string[]; zone: string[] }): string {
  return `${targets.professions.join(', ')} · ${targets.zone.join(', ')}`;
}

/** The body as the server rendered and sanitised it (paragraphs, emphasis, lists, headings, tables, links only). */
export function MessageBody({ html, testId = 'message-body' }: { html: string; testId?: string }) {
  return <div className="message-body" data-testid={testId} dangerouslySetInnerHTML={{ __html: html }} />;
}

function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024)).toLocaleString('fr-FR')} ko`;
  return `${(bytes / (1024 * 1024)).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} Mo`;
}

/** The PDFs joined to a message, as download links ("PDF, 120 ko"). */
export function AttachmentList({ attachments, headingId }: { attachments: Attachment[]; headingId: string }) {
  if (attachments.length === 0) return null;
  return (
    <section aria-labelledby={headingId} className="message-attachments">
      <h2 id={headingId}>Pièces jointes</h2>
      <ul>
        {attachments.map((attachment) => (
          <li key={attachment.id}>
            <a href={attachment.url} download={attachment.filename}>
              {attachment.filename}
            </a>{' '}
            <span className="hint">(PDF, {formatSize(attachment.bytes)})</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
