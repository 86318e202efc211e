import frenchRules from '../data/rules/FR.json' with { type: 'json' };
import countries from '../data/valuesets/country-2-codes.json' with { type: 'json' };
import diseases from '../data/valuesets/disease-agent-targeted.json' with { type: 'json' };
import testDevices from '../data/valuesets/test-manf.json' with { type: 'json' };
import testResults from '../data/valuesets/test-result.json' with { type: 'json' };
import testTypes from '../data/valuesets/test-type.json' with { type: 'json' };
import vaccineHolders from '../data/valuesets/vaccine-mah-manf.json' with { type: 'json' };
import vaccineProducts from '../data/valuesets/vaccine-medicinal-product.json' with { type: 'json' };
import vaccineProphylaxis from '../data/valuesets/vaccine-prophylaxis.json' with { type: 'json' };
import vaccineEncoding from '../data/valuesets/vaccine-encoding-instructions.json' with { type: 'json' };
import { parseRules, type BusinessRule } from './rules.js';
import type { ValueSet } from './value-sets.js';

/**
 * What ships with the service (`@prostopcovid/dcc/defaults`, never in the browser bundle: the
 * verifier page gets them from the server): the French rules of docs/domain.md (Verifying a pass) and the EU value
 * sets bundled in data/.
 */
export const DEFAULT_VALUE_SETS: readonly ValueSet[] = [
  countries,
  diseases,
  testDevices,
  testResults,
  testTypes,
  vaccineHolders,
  vaccineProducts,
  vaccineProphylaxis,
] as ValueSet[];

/** Annex A of the value sets (how to code each vaccine): not a value set rules test membership in. */
export const VACCINE_ENCODING_INSTRUCTIONS = vaccineEncoding as {
  valueSetValues: Record<string, { 'vaccine-code': string; 'vaccine-manufacturer': string; 'sct-codes': string[] }>;
};

export function defaultRules(): BusinessRule[] {
  return parseRules(frenchRules);
}
