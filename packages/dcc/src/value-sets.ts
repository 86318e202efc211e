/** An EU DCC value set, as the eHealth Network publishes it (`valuesets/*.json`). */
export interface ValueSet {
  valueSetId: string;
  valueSetDate: string;
  valueSetValues: Record<string, { display: string; lang: string; active: boolean; system: string; version: string }>;
}

/** Value sets as CertLogic rules see them: `external.valueSets[<valueSetId>]` is the list of codes. */
export type ValueSetCodes = Record<string, string[]>;

export function valueSetCodes(valueSets: readonly ValueSet[]): ValueSetCodes {
  return Object.fromEntries(valueSets.map((set) => [set.valueSetId, Object.keys(set.valueSetValues)]));
}

/** The display text of a code ("Comirnaty" for `EU/1/20/1528`), when a value set knows it. */
export function displayOf(valueSets: readonly ValueSet[], valueSetId: string, code: unknown): string | undefined {
  if (typeof code !== 'string') return undefined;
  const entry = valueSets.find((set) => set.valueSetId === valueSetId)?.valueSetValues;
  return entry && Object.hasOwn(entry, code) ? entry[code]?.display : undefined;
}

/** Ids of the value sets the DCC's coded fields refer to. */
export const VALUE_SET_IDS = {
  country: 'country-2-codes',
  disease: 'disease-agent-targeted',
  testDevice: 'covid-19-lab-test-manufacturer-and-name',
  testResult: 'covid-19-lab-result',
  testType: 'covid-19-lab-test-type',
  vaccineHolder: 'vaccines-covid-19-auth-holders',
  vaccineProduct: 'vaccines-covid-19-names',
  vaccineProphylaxis: 'sct-vaccines-covid-19',
} as const;

/** Shape check of a value set read from a file or the network. */
export function isValueSet(value: unknown): value is ValueSet {
  if (!value || typeof value !== 'object') return false;
  const set = value as Partial<ValueSet>;
  return (
    typeof set.valueSetId === 'string' &&
    typeof set.valueSetDate === 'string' &&
    !!set.valueSetValues &&
    typeof set.valueSetValues === 'object' &&
    Object.values(set.valueSetValues).every((entry) => entry && typeof entry === 'object' && typeof entry.display === 'string')
  );
}
