import type { PublicMessage } from '@prostopcovid/contracts/messages';
import { describe, expect, it } from 'vitest';
import { atomFeed } from './atom-feed.js';

const message = (title: string, bodyHtml: string): PublicMessage => ({
  id: '5b7c2a8e-0d4f-4c59-9a61-1d2e3f405162',
  reference: 'DGS-URGENT N°2026_01',
  version: 1,
  title,
  kind: 'action',
  priority: 'high',
  publishedAt: '2026-12-01T08:00:00.000Z',
  updatedAt: '2026-12-01T08:00:00.000Z',
  expiresAt: null,
  targets: { professions: ['Pharmacien'], zone: ['National'] },
  bodyHtml,
  attachments: [],
  correctionNote: null,
});

describe('the Atom feed', () => {
  it('leaves out characters XML forbids, whatever a stored message holds', () => {
    const xml = atomFeed([message('Essai \uFFFF\u0001 <b>&', '<p>Corps \uFFFE ]]> fin</p>')], 'https://prostopcovid.example', null);
    expect(xml).not.toMatch(/[\uFFFE\uFFFF\u0001]/);
    expect(xml).toContain('<p>Corps  ]]]]><![CDATA[> fin</p>');
    expect(xml).toContain('Essai  &lt;b&gt;&amp;');
  });
});

describe('an entry', () => {
  it('names its author from its series, its kind as a category term, its correction note and its attachments', () => {
    const corrected: PublicMessage = {
      ...message('Canicule', '<p>Texte</p>'),
      reference: 'ARS Nouvelle-Aquitaine N°2026_03',
      version: 2,
      correctionNote: 'Heure <corrigée>.',
      attachments: [{ id: 'a1', filename: 'Fiche & conduite.pdf', bytes: 10, sha256: 'x', url: '/api/messages/m1/attachments/a1' }],
    };
    const xml = atomFeed([corrected], 'https://prostopcovid.example', new Date('2026-12-02T10:00:00Z'));
    expect(xml).toContain('<name>Direction générale de la santé</name>');
    expect(xml).toContain('<name>Agence régionale de santé Nouvelle-Aquitaine</name>');
    expect(xml).toContain('<category label="Pour action" term="action"/>');
    expect(xml).toContain('<strong>Rectificatif :</strong> Heure &lt;corrigée&gt;.');
    expect(xml).toContain('<a href="https://prostopcovid.example/api/messages/m1/attachments/a1">Fiche &amp; conduite.pdf</a>');
    expect(xml).toContain('(rectificatif)');
  });

  it('dates an empty feed by the last withdrawal, not 1970', () => {
    const xml = atomFeed([], 'https://prostopcovid.example', new Date('2026-12-02T10:00:00Z'));
    expect(xml).toContain('<updated>2026-12-02T10:00:00.000Z</updated>');
  });
});
