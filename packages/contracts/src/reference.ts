import { Type, type Static } from 'typebox';

/** A rapid antigen test of the EU common list: `name` is "Brand, Reference". */
export const TestDevice = Type.Object({ id: Type.String(), name: Type.String(), active: Type.Boolean() });
export type TestDevice = Static<typeof TestDevice>;
export const TestDevices = Type.Object({ devices: Type.Array(TestDevice) });

export const VaccineProduct = Type.Object({
  id: Type.String(),
  name: Type.String(),
  manufacturerId: Type.String(),
  manufacturerName: Type.String(),
  prophylaxis: Type.String(),
});
export type VaccineProduct = Static<typeof VaccineProduct>;
export const VaccineProducts = Type.Object({ products: Type.Array(VaccineProduct) });
