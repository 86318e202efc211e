import { DEFAULT_VALUE_SETS, VACCINE_ENCODING_INSTRUCTIONS } from '@prostopcovid/dcc/defaults';
import { VALUE_SET_IDS, type ValueSet } from '@prostopcovid/dcc';
import { orderForFrance } from './france-vaccines.js';

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

const valueSet = (id: string): ValueSet['valueSetValues'] => {
  const set = DEFAULT_VALUE_SETS.find((candidate) => candidate.valueSetId === id);
  if (!set) throw new Error(`value set ${id} missing from @prostopcovid/dcc`);
  return set.valueSetValues;
};

export const testDevices: readonly TestDevice[] = Object.entries(valueSet(VALUE_SET_IDS.testDevice))
  .map(([id, value]) => ({ id, name: value.display, active: value.active }))
  .sort((a, b) => a.name.localeCompare(b.name, 'fr'));

const deviceById = new Map(testDevices.map((d) => [d.id, d]));
export const findTestDevice = (id: string): TestDevice | undefined => deviceById.get(id);

const manufacturers = valueSet(VALUE_SET_IDS.vaccineHolder);
const medicinalProducts = valueSet(VALUE_SET_IDS.vaccineProduct);
const prophylaxis = valueSet(VALUE_SET_IDS.vaccineProphylaxis);
const encodingInstructions = Object.values(VACCINE_ENCODING_INSTRUCTIONS.valueSetValues);

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
 * prophylaxis codes the encoding instructions give (derived, never typed in), in the form's
 * order: the vaccines used in France first.
 */
export const vaccineProducts: readonly VaccineProduct[] = orderForFrance(
  Object.entries(medicinalProducts).flatMap(([id, product]) => {
    if (!product.active) return [];
    try {
      const { ma, vp } = vaccineCoding(id);
      return [{ id, name: product.display, manufacturerId: ma, manufacturerName: manufacturers[ma]?.display ?? ma, prophylaxis: vp }];
    } catch {
      return [];
    }
  }),
);

const productById = new Map(vaccineProducts.map((p) => [p.id, p]));
export const findVaccineProduct = (id: string): VaccineProduct | undefined => productById.get(id);
