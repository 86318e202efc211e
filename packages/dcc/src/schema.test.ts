import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, generateSchemaValidators } from '../scripts/schema-validators.js';
import { profileFor } from './schema-profiles.js';

describe('DCC schema validators', () => {
  it('are generated from the bundled schema and profiles (run `npm run generate -w @prostopcovid/dcc` after changing either)', () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(generateSchemaValidators());
  });

  it('pick the schema of the version a payload declares', () => {
    expect(profileFor('1.3.3')?.name).toBe('validate_1_3_2');
    expect(profileFor('1.4.0')?.name).toBe('validate_1_3_2');
    expect(profileFor('1.3.1')?.name).toBe('validate_1_1_0');
    expect(profileFor('1.2.1')?.name).toBe('validate_1_1_0');
    expect(profileFor('1.0.0')?.name).toBe('validate_1_0_0');
    expect(profileFor('1.0.1')?.name).toBe('validate_1_0_0');
    for (const unknown of ['2.0.0', '0.9.0', '1.3', 'v1.3.0', '', 130, undefined]) expect(profileFor(unknown)).toBeUndefined();
  });
});
