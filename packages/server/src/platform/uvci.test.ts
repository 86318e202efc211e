import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateUvci, isValidUvci, uvciChecksum } from './uvci.js';

const sharedDcc = resolve(import.meta.dirname, '../../../..', '../shared/data/dcc');

/** Every `ci` value (recursively) in the JSON files of a folder. */
function certificateIds(folder: string): string[] {
  const found = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'ci' && typeof item === 'string') found.add(item);
        else walk(item);
      }
    }
  };
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.json'))) {
    walk(JSON.parse(readFileSync(resolve(folder, file), 'utf8')));
  }
  return [...found].sort();
}

describe('UVCI checksum (Luhn mod 38 over the whole UVCI, EU DCC schema FAQ)', () => {
  it('gives the FAQ example checksum', () => {
    expect(uvciChecksum('URN:UVCI:01:NL:187/37512422923')).toBe('Z');
    expect(isValidUvci('URN:UVCI:01:NL:187/37512422923#Z')).toBe(true);
  });

  it('accepts every checksummed UVCI of the official test data and schema examples', () => {
    const ids = [...certificateIds(resolve(sharedDcc, 'testdata-common')), ...certificateIds(resolve(sharedDcc, 'schema/examples'))];
    const withChecksum = [...new Set(ids.filter((id) => id.includes('#')))];
    // AT ×4 (testdata-common) and NL (schema examples): their checksums all follow the FAQ rule,
    // which is how the alphabet order and the prefix's inclusion are confirmed.
    expect(withChecksum).toEqual(
      expect.arrayContaining([
        'URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B',
        'URN:UVCI:01:AT:71EE2559DE38C6BF7304FB65A1A451EC#3',
        'URN:UVCI:01:AT:858CC18CFCF5965EF82F60E493349AA5#K',
        'URN:UVCI:01:AT:B5921A35D6A0D696421B3E2462178297#I',
        'URN:UVCI:01:NL:DADFCC47C7334E45A906DB12FD859FB7#1',
      ]),
    );
    for (const id of withChecksum) expect(isValidUvci(id), id).toBe(true);
    // The Swedish one has no checksum: not valid under this (issuing-side) rule.
    expect(isValidUvci('URN:UVCI:01:SE:EHM/100000024GI5HMGZKSMS')).toBe(false);
  });

  it('rejects a wrong checksum, a single substitution or transposition, and malformed UVCIs', () => {
    expect(isValidUvci('URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#C')).toBe(false);
    expect(isValidUvci('URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD814#B')).toBe(false);
    expect(isValidUvci('URN:UVCI:01:AT:01807843F94AEE0EE5093FBC254BD813#B')).toBe(false);
    expect(isValidUvci('urn:uvci:01:AT:10807843F94AEE0EE5093FBC254BD813#B')).toBe(false);
    expect(isValidUvci('URN:UVCI:02:AT:10807843F94AEE0EE5093FBC254BD813#B')).toBe(false);
    expect(isValidUvci('URN:UVCI:01:AT:#A')).toBe(false);
    expect(() => uvciChecksum('URN:UVCI:01:FR:abc')).toThrow(RangeError);
  });
});

describe('generateUvci', () => {
  it('produces valid, unique French UVCIs', () => {
    const ids = Array.from({ length: 200 }, () => generateUvci({ country: 'FR' }));
    for (const id of ids) {
      expect(id).toMatch(/^URN:UVCI:01:FR:[0-9A-Z]{24}#[A-Z0-9/:]$/);
      expect(isValidUvci(id)).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('places an issuer prefix as a first component', () => {
    const id = generateUvci({ country: 'FR', issuerPrefix: 'PSC' });
    expect(id).toMatch(/^URN:UVCI:01:FR:PSC\/[0-9A-Z]{24}#.$/);
    expect(isValidUvci(id)).toBe(true);
    expect(() => generateUvci({ country: 'FR', issuerPrefix: 'p/s' })).toThrow(RangeError);
  });
});
