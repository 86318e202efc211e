import { describe, expect, it } from 'vitest';
import { professionLabel, rightsFor } from './policy.js';

describe('rights by profession (docs/domain.md)', () => {
  it.each([
    ['10', ['codes:issue', 'tests:record', 'vaccinations:record']],
    ['60', ['codes:issue', 'tests:record', 'vaccinations:record']],
    ['69', ['codes:issue', 'tests:record', 'vaccinations:record']],
    ['21', ['tests:record', 'vaccinations:record']],
    ['40', ['tests:record', 'vaccinations:record']],
    ['50', ['tests:record', 'vaccinations:record']],
    ['70', ['tests:record']],
    ['86', ['tests:record']],
    ['26', []],
  ])('profession %s may %j', (code, rights) => {
    expect(rightsFor([code])).toEqual(rights);
  });

  it('adds the operator right only to configured accounts', () => {
    expect(rightsFor(['26'], true)).toEqual(['operator']);
    expect(rightsFor(['10'], false)).not.toContain('operator');
  });

  it('unions the rights of several exercices', () => {
    expect(rightsFor(['70', '21'])).toEqual(['tests:record', 'vaccinations:record']);
  });

  it('labels professions from TRE_G15', () => {
    expect(professionLabel('60')).toBe('Infirmier');
    expect(professionLabel('99')).toBe('Profession 99');
  });
});
