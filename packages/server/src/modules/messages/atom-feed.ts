import { Feed } from 'feed';
import { kindLabels, type PublicMessage } from '@prostopcovid/contracts/messages';
import { escapeHtml } from '../../platform/html.js';

/** The public page's Atom feed: one entry per published message, its current version in full. */
export function atomFeed(messages: PublicMessage[], publicUrl: string): string {
  const page = `${publicUrl}/dgs-urgent`;
  const feed = new Feed({
    id: page,
    title: 'Messages DGS-Urgent et des agences régionales de santé',
    description: 'Messages urgents aux professionnels de santé publiés par la DGS et les ARS',
    link: page,
    language: 'fr',
    updated: messages.length > 0 ? new Date(Math.max(...messages.map((m) => Date.parse(m.updatedAt)))) : new Date(0),
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
      content: message.bodyHtml,
      category: [{ name: kindLabels[message.kind] }],
    });
  }
  // Defence in depth: what XML 1.0 forbids anywhere (the contracts refuse it in what is typed).
  return feed.atom1().replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}
