import testDevicesFile from '../../../data/dcc/valuesets/test-manf.json' with { type: 'json' };
import encodingFile from '../../../data/dcc/valuesets/vaccine-encoding-instructions.json' with { type: 'json' };
import productsFile from '../../../data/dcc/valuesets/vaccine-medicinal-product.json' with { type: 'json' };
import manufacturersFile from '../../../data/dcc/valuesets/vaccine-mah-manf.json' with { type: 'json' };

/** A rapid antigen test of the EU common list (HSC), as recorded and printed: brand and reference. */
export interface TestDevice {
  id: string;
  name: string;
  active: boolean;
}

export interface VaccineProduct {
  id: string;
  name: string;
  manufacturerId: string;
  manufacturerName: string;
  /** SNOMED CT code of the prophylaxis (the DCC's `vp`). */
  prophylaxis: string;
}

type ValueSet = { valueSetValues: Record<string, { display: string; active: boolean }> };

export const testDevices: readonly TestDevice[] = Object.entries((testDevicesFile as ValueSet).valueSetValues)
  .map(([id, value]) => ({ id, name: value.display, active: value.active }))
  .sort((a, b) => a.name.localeCompare(b.name, 'fr'));

const deviceById = new Map(testDevices.map((d) => [d.id, d]));
export const findTestDevice = (id: string): TestDevice | undefined => deviceById.get(id);

const manufacturers = (manufacturersFile as ValueSet).valueSetValues;
const products = (productsFile as ValueSet).valueSetValues;

/**
 * Products that can be recorded: those of the EU value set for which the encoding
 * instructions give the manufacturer and prophylaxis codes (derived, never typed in).
 */
export const vaccineProducts: readonly VaccineProduct[] = Object.values(
  (encodingFile as { valueSetValues: Record<string, { 'vaccine-code': string; 'vaccine-manufacturer': string; 'sct-codes': string[] }> }).valueSetValues,
)
  .filter((entry) => products[entry['vaccine-code']]?.active && entry['sct-codes'][0])
  .map((entry) => ({
    id: entry['vaccine-code'],
    name: products[entry['vaccine-code']]!.display,
    manufacturerId: entry['vaccine-manufacturer'],
    manufacturerName: manufacturers[entry['vaccine-manufacturer']]?.display ?? entry['vaccine-manufacturer'],
    prophylaxis: entry['sct-codes'][0]!,
  }));

const productById = new Map(vaccineProducts.map((p) => [p.id, p]));
export const findVaccineProduct = (id: string): VaccineProduct | undefined => productById.get(id);
