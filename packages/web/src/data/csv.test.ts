import { describe, expect, it } from 'vitest';
import { csvBlob, csvField } from './csv';

describe('CSV for French spreadsheets', () => {
  it('quotes what needs it and defuses formulas', () => {
    expect(csvField('Gironde (33)')).toBe('Gironde (33)');
    expect(csvField('a;b')).toBe('"a;b"');
    expect(csvField('dit "non"')).toBe('"dit ""non"""');
    expect(csvField('deux\nlignes')).toBe('"deux\nlignes"');
    expect(csvField('=SOMME(A1:A2)')).toBe("'=SOMME(A1:A2)");
    expect(csvField('-3')).toBe("'-3");
    expect(csvField('')).toBe('');
  });

  it('writes UTF-8 with a BOM, semicolons, CRLF, comment lines as they are', async () => {
    const blob = csvBlob(['# Zone : Gironde ; profession : toutes', ['Jour', 'Tests'], ['2026-03-01', '12'], ['2026-03-02', '']]);
    expect(blob.type).toBe('text/csv;charset=utf-8');
    const bytes = new Uint8Array(await blob.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(new TextDecoder().decode(bytes.slice(3))).toBe('# Zone : Gironde ; profession : toutes\r\nJour;Tests\r\n2026-03-01;12\r\n2026-03-02;\r\n');
  });
});
