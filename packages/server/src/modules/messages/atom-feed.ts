import { Feed } from 'feed';
import { kindLabels, type PublicMessage } from '@prostopcovid/contracts/messages';
import { escapeHtml } from '../../platform/html.js';

const DGS = 'Direction générale de la santé';

/** Who wrote it, from its series: "DGS-URGENT N°…" or "ARS Nouvelle-Aquitaine N°…". */
function authorOf(reference: string): string {
  const series = reference.split(' N°')[0] ?? reference;
  return series.startsWith('ARS ') ? `Agence régionale de santé ${series.slice(4)}` : DGS;
}

/** The entry's content: the correction note first, the text, then the attachments as links. */
function contentOf(message: PublicMessage, publicUrl: string): string {
  const note = message.correctionNote ? `<p><strong>Rectificatif :</strong> ${escapeHtml(message.correctionNote)}</p>` : '';
  const attachments = message.attachments.length
    ? `<p>Pièces jointes :</p><ul>${message.attachments.map((a) => `<li><a href="${escapeHtml(new URL(a.url, publicUrl).href)}">${escapeHtml(a.filename)}</a></li>`).join('')}</ul>`
    : '';
  return `${note}${message.bodyHtml}${attachments}`;
}

/**
 * The public page's Atom feed: one entry per published message, its current version in full.
 * `lastChange`: when a message was last published, corrected or withdrawn (the feed's date,
 * also when no message is left).
 */
export function atomFeed(messages: PublicMessage[], publicUrl: string, lastChange: Date | null): string {
  const page = `${publicUrl}/dgs-urgent`;
  const feed = new Feed({
    id: page,
    title: 'Messages DGS-Urgent et des agences régionales de santé',
    description: 'Messages urgents aux professionnels de santé publiés par la DGS et les ARS',
    link: page,
    language: 'fr',
    updated: lastChange ?? new Date(Math.max(0, ...messages.map((m) => Date.parse(m.updatedAt)))),
    author: { name: DGS },
    feedLinks: { atom: `${publicUrl}/dgs-urgent.atom` },
    generator: 'ProStopCovid',
    copyright: 'Licence Ouverte / Open Licence 2.0',
  });
  for (const message of messages) {
    const link = `${page}?message=${message.id}`;
    feed.addItem({
      id: `${link}&version=${message.version}`,
      // The feed library declares titles and summaries as HTML: plain text must be escaped.
      title: escapeHtml(`${message.reference} — ${message.title}${message.version > 1 ? ' (rectificatif)' : ''}`),
      link,
      date: new Date(message.updatedAt),
      published: new Date(message.publishedAt),
      description: escapeHtml(`${kindLabels[message.kind]} — ${message.targets.professions.join(', ')} — ${message.targets.zone.join(', ')}`),
      content: contentOf(message, publicUrl),
      author: [{ name: authorOf(message.reference) }],
      category: [{ name: kindLabels[message.kind], term: message.kind }],
    });
  }
  // Defence in depth: what XML 1.0 forbids anywhere (the contracts refuse it in what is typed).
  return feed.atom1().replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}
