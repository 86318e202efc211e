import testDevicesFile from '../../../data/dcc/valuesets/test-manf.json' with { type: 'json' };
import encodingFile from '../../../data/dcc/valuesets/vaccine-encoding-instructions.json' with { type: 'json' };
import productsFile from '../../../data/dcc/valuesets/vaccine-medicinal-product.json' with { type: 'json' };
import manufacturersFile from '../../../data/dcc/valuesets/vaccine-mah-manf.json' with { type: 'json' };
import prophylaxisFile from '../../../data/dcc/valuesets/vaccine-prophylaxis.json' with { type: 'json' };

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
const medicinalProducts = (productsFile as ValueSet).valueSetValues;
const prophylaxis = (prophylaxisFile as ValueSet).valueSetValues;
const encodingInstructions = Object.values(
  (encodingFile as { valueSetValues: Record<string, { 'vaccine-code': string; 'vaccine-manufacturer': string; 'sct-codes': string[] }> }).valueSetValues,
);

/**
 * Manufacturer (`ma`) and prophylaxis (`vp`: the first SNOMED CT code of the encoding
 * instructions) of a medicinal product, from vaccine-encoding-instructions.json (Annex A of the
 * value sets document), whose `vaccine-code` matches the product key (some carry a
 * " (deprecated)" suffix there).
 */
export function vaccineCoding(product: string): { mp: string; ma: string; vp: string } {
  if (!Object.hasOwn(medicinalProducts, product)) {
    throw new RangeError(`Vaccin inconnu de la liste de l'UE (vaccine-medicinal-product) : ${product}.`);
  }
  const instruction = encodingInstructions.find(
    (entry) => entry['vaccine-code'].replace(/\s*\(deprecated\)$/, '') === product,
  );
  const vp = instruction?.['sct-codes'][0];
  const ma = instruction?.['vaccine-manufacturer'];
  if (!instruction || vp === undefined || ma === undefined) {
    throw new RangeError(`Aucune instruction de codage pour le vaccin ${product}.`);
  }
  if (!Object.hasOwn(prophylaxis, vp) || !Object.hasOwn(manufacturers, ma)) {
    throw new RangeError(`Les instructions de codage du vaccin ${product} citent des codes inconnus.`);
  }
  return { mp: product, ma, vp };
}

/**
 * Products that can be recorded: the active ones of the EU value set whose manufacturer and
 * prophylaxis codes the encoding instructions give (derived, never typed in).
 */
export const vaccineProducts: readonly VaccineProduct[] = Object.entries(medicinalProducts).flatMap(([id, product]) => {
  if (!product.active) return [];
  try {
    const { ma, vp } = vaccineCoding(id);
    return [{ id, name: product.display, manufacturerId: ma, manufacturerName: manufacturers[ma]?.display ?? ma, prophylaxis: vp }];
  } catch {
    return [];
  }
});

const productById = new Map(vaccineProducts.map((p) => [p.id, p]));
export const findVaccineProduct = (id: string): VaccineProduct | undefined => productById.get(id);
