import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, instantOf, parisDate, parseInstant, parseIsoDate } from './dates.js';

describe('the date parser', () => {
  it('reads RFC 3339 instants with any offset and fraction', () => {
    expect(parseInstant('2026-11-22T10:00:00+01:00')?.toISOString()).toBe('2026-11-22T09:00:00.000Z');
    expect(parseInstant('2026-11-22t10:00:00.5z')?.toISOString()).toBe('2026-11-22T10:00:00.500Z');
    expect(parseInstant('1900-01-01T00:00:00Z')?.toISOString()).toBe('1900-01-01T00:00:00.000Z');
  });

  it('refuses years out of 1900–2100, unreal days and shapes RFC 3339 does not have', () => {
    for (const value of [
      '0000-01-01T00:00:00Z',
      '0001-01-01T12:00:00Z',
      '1899-12-31T23:59:59Z',
      '2101-01-01T00:00:00Z',
      '2026-02-30T10:00:00Z',
      '2026-11-22T25:00:00Z',
      '2026-11-22T10:00:00+24:00',
      '2026-11-22 10:00:00Z',
      '2026-11-22T10:00Z',
      '20261122T100000Z',
      '2026-11-22T10:00:00Z[Europe/Paris]',
      '2026-11-22T10:00:00',
      '+002026-11-22T10:00:00Z',
    ]) {
      expect(parseInstant(value), value).toBeUndefined();
    }
    expect(() => instantOf('0000-01-01T00:00:00Z')).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', statusCode: 400 }));
  });

  it('reads calendar dates in range only', () => {
    expect(parseIsoDate('2024-02-29')).toBe('2024-02-29');
    for (const value of ['2026-02-29', '0001-01-01', '2101-01-01', '2026-1-01', '2026-13-01']) expect(parseIsoDate(value), value).toBeUndefined();
  });

  it('counts days across daylight-saving changes and year ends', () => {
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysBetween('2026-10-24', '2026-10-26')).toBe(2);
    expect(daysBetween('2026-11-22', '2026-11-01')).toBe(-21);
    // 23:30 UTC on 31 March is 1 April in Paris (summer time).
    expect(parisDate(new Date('2026-03-31T23:30:00Z'))).toBe('2026-04-01');
  });

  it('never writes a year without four digits', () => {
    expect(() => parisDate(new Date('0001-01-01T12:00:00Z'))).toThrow(RangeError);
  });
});
