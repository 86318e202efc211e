import { PERSON_NAME_PATTERN } from '@prostopcovid/dcc';
import * as fontkit from 'fontkit';
import { describe, expect, it } from 'vitest';
import { documentFontFiles } from './pdf-fonts.js';

describe('the document fonts', () => {
  it('draw every letter the name policy accepts, in regular and bold', () => {
    const files = documentFontFiles();
    const fonts = [files.regular, files.bold].map((bytes) => fontkit.create(Buffer.from(bytes as Uint8Array)) as fontkit.Font);
    const accepted = new RegExp(PERSON_NAME_PATTERN, 'u');
    const missing: string[] = [];
    let letters = 0;
    for (let cp = 0x20; cp < 0x30000; cp++) {
      const char = String.fromCodePoint(cp);
      if (!accepted.test(`a${char}`) || char === ' ') continue;
      letters++;
      if (!fonts.every((font) => font.hasGlyphForCodePoint(cp))) missing.push(`U+${cp.toString(16)}`);
    }
    expect(letters).toBeGreaterThan(700);
    expect(missing).toEqual([]);
  });
});
