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
    const xml = atomFeed([message('Essai \uFFFF\u0001 <b>&', '<p>Corps \uFFFE ]]> fin</p>')], 'https://prostopcovid.example');
    expect(xml).not.toMatch(/[\uFFFE\uFFFF\u0001]/);
    expect(xml).toContain('<p>Corps  ]]]]><![CDATA[> fin</p>');
    expect(xml).toContain('Essai  &lt;b&gt;&amp;');
  });
});
