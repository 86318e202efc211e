import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, generateShortCode, groupForDictation, normalizeShortCode } from './code-format.js';

describe('code format', () => {
  it('uses an alphabet without look-alikes', () => {
    expect(CODE_ALPHABET).toHaveLength(32);
    for (const ambiguous of ['O', 'I', 'L', 'U']) expect(CODE_ALPHABET).not.toContain(ambiguous);
  });

  it('draws six characters from the alphabet, all of them over many draws', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = generateShortCode();
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{6}$/);
      for (const char of code) seen.add(char);
    }
    expect(seen.size).toBe(32);
  });

  it.each([
    ['k7q4xm', 'K7Q4XM'],
    [' K7Q 4XM ', 'K7Q4XM'],
    ['k7q-4xm', 'K7Q4XM'],
    ['K7Q.4XM', 'K7Q4XM'],
    ['Oo1IlL', '001111'],
    ['K7Q4X', null],
    ['K7Q4XMM', null],
    ['K7Q4XU', null],
    ['K7Q4X!', null],
    ['', null],
  ])('normalises %j to %j', (input, expected) => {
    expect(normalizeShortCode(input)).toBe(expected);
  });

  it('groups for dictation', () => {
    expect(groupForDictation('K7Q4XM')).toBe('K7Q 4XM');
  });
});
