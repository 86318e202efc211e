import { describe, expect, it } from 'vitest';
import { auditCsvPath, filtersFromSearch, filtersToSearch, firstPage, formatParisTime, parisInstant, parisLocalDateTime, validateFilters } from './audit';

describe('Paris time for the period', () => {
  it('reads a Paris wall-clock time as an instant with its offset, winter and summer', () => {
    expect(parisInstant('2026-01-15T09:30')).toBe('2026-01-15T09:30:00+01:00');
    expect(parisInstant('2026-07-01T00:00')).toBe('2026-07-01T00:00:00+02:00');
    expect(Date.parse(parisInstant('2026-07-01T00:00')!)).toBe(Date.parse('2026-06-30T22:00:00Z'));
  });

  it('around the clock changes: a skipped time takes the winter offset, a repeated one its first occurrence', () => {
    // 29 March 2026: 02:00 becomes 03:00.
    expect(parisInstant('2026-03-29T01:59')).toBe('2026-03-29T01:59:00+01:00');
    expect(parisInstant('2026-03-29T02:30')).toBe('2026-03-29T02:30:00+01:00');
    expect(parisInstant('2026-03-29T03:00')).toBe('2026-03-29T03:00:00+02:00');
    // 25 October 2026: 03:00 becomes 02:00 again.
    expect(parisInstant('2026-10-25T02:30')).toBe('2026-10-25T02:30:00+02:00');
    expect(parisInstant('2026-10-25T03:00')).toBe('2026-10-25T03:00:00+01:00');
  });

  it('refuses what is not a time', () => {
    expect(parisInstant('2026-02-30T10:00')).toBeNull();
    expect(parisInstant('hier')).toBeNull();
    expect(parisInstant('2026-01-15')).toBeNull();
  });

  it('shows an instant as the Paris time of the field and of the table', () => {
    expect(parisLocalDateTime('2026-06-30T22:00:00Z')).toBe('2026-07-01T00:00');
    expect(parisLocalDateTime('2026-01-15T09:30:00+01:00')).toBe('2026-01-15T09:30');
    expect(parisLocalDateTime('pas une date')).toBe('');
    expect(formatParisTime('2026-03-10T08:15:02.345Z')).toBe('10/03/2026 09:15:02');
  });
});

describe('the filters in the address', () => {
  it('go back and forth in one order, times readable, the offset kept', () => {
    const search = 'before=1234&limit=25&to=2026-03-02T00:00:00%2B01:00&from=2026-03-01T09:00:00%2B01:00&targetId=abc&targetType=test_result&outcome=denied&action=tests.*&actor=899700100009';
    const filters = filtersFromSearch(search);
    expect(filters).toEqual({
      actor: '899700100009',
      action: 'tests.*',
      outcome: 'denied',
      targetType: 'test_result',
      targetId: 'abc',
      from: '2026-03-01T09:00:00+01:00',
      to: '2026-03-02T00:00:00+01:00',
      limit: 25,
      before: '1234',
    });
    expect(filtersToSearch(filters)).toBe(
      'actor=899700100009&action=tests.*&outcome=denied&targetType=test_result&targetId=abc&from=2026-03-01T09:00:00%2B01:00&to=2026-03-02T00:00:00%2B01:00&limit=25&before=1234',
    );
    expect(filtersFromSearch(filtersToSearch(filters))).toEqual(filters);
  });

  it('leaves out empty values; the first page has no cursor; the CSV neither cursor nor page size', () => {
    expect(filtersToSearch(filtersFromSearch('actor=&action=%20&limit='))).toBe('');
    const filters = filtersFromSearch('actor=899700100009&limit=10&before=99');
    expect(filtersToSearch(firstPage(filters))).toBe('actor=899700100009&limit=10');
    expect(auditCsvPath(filters)).toBe('/api/audit.csv?actor=899700100009');
    expect(auditCsvPath({})).toBe('/api/audit.csv');
  });
});

describe('validation before sending', () => {
  it('accepts the IdNat_PS of an RPPS (8 + 11 digits) or an ADELI (0 + 9 digits), nothing else', () => {
    expect(validateFilters({ actor: '899700100009' })).toEqual({});
    expect(validateFilters({ actor: '0123456789' })).toEqual({});
    for (const actor of ['12345', '999700100009', '89970010000', '8997001000091', '012345678', 'abcdefghijkl']) {
      expect(validateFilters({ actor }).actor, actor).toMatch(/^IdNat_PS invalide/);
    }
  });

  it('says what else the server would refuse', () => {
    expect(validateFilters({ action: 'tests record' }).action).toMatch(/^Action invalide/);
    expect(validateFilters({ action: 'tests.*' })).toEqual({});
    expect(validateFilters({ outcome: 'maybe' as never }).outcome).toBeDefined();
    expect(validateFilters({ targetType: 'Test Result' }).targetType).toBeDefined();
    expect(validateFilters({ targetId: 'a b' }).targetId).toBeDefined();
    expect(validateFilters({ from: 'hier' }).from).toBe('Date et heure de début invalides.');
    expect(validateFilters({ from: '2026-03-02T00:00:00+01:00', to: '2026-03-01T00:00:00+01:00' }).to).toBe('La fin de la période doit suivre son début.');
    expect(validateFilters({ limit: 0 }).limit).toBeDefined();
    expect(validateFilters({ limit: 501 }).limit).toBeDefined();
    expect(validateFilters(filtersFromSearch('limit=abc')).limit).toBeDefined();
    expect(validateFilters({ before: 'abc' }).before).toBeDefined();
  });
});
