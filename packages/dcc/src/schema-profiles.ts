/**
 * The DCC JSON schema by the version a payload declares (`ver`). The bundled schema is the EU's
 * 1.3.3 release; earlier releases differ from it in a few published ways, applied here as
 * changes to a copy of it (sources: the schema's CHANGELOG and the 1.1.0 release).
 *
 * - 1.3.2 made `fnt` optional (one of `fnt` / `gnt` required): 1.3.0 and 1.3.1 require `fnt`.
 * - 1.0.x to 1.2.x also cap names, issuer, identifier and testing centre at 50 characters
 *   (80 from 1.3.0), require the testing centre (`tc`), and refuse an empty date of birth.
 *
 * A payload declaring another 1.x version is checked against the nearest release below it
 * (1.3.3 for 1.3.4 or 1.4.0): minor versions only add. Another major version is unknown.
 */

export interface SchemaProfile {
  /** Export name of the generated validator. */
  name: string;
  /** Lowest declared version (inclusive) this profile applies to. */
  from: readonly [number, number, number];
  describe: string;
  transform: (schema: JsonSchema) => void;
}

type JsonSchema = Record<string, any>;

const requireFnt = (schema: JsonSchema) => {
  const name = schema.$defs.person_name;
  delete name.anyOf;
  name.required = ['fnt'];
};

const before130 = (schema: JsonSchema) => {
  requireFnt(schema);
  const defs = schema.$defs;
  for (const field of ['fn', 'fnt', 'gn', 'gnt']) defs.person_name.properties[field].maxLength = 50;
  defs.issuer.maxLength = 50;
  defs.certificate_id.maxLength = 50;
  defs.test_entry.properties.tc.maxLength = 50;
  defs.test_entry.required = [...defs.test_entry.required, 'tc'];
  schema.properties.dob.pattern = '^(19|20)\\d\\d(-\\d\\d){0,2}$';
};

/** Newest first: the first whose `from` is not above the declared version applies. */
export const SCHEMA_PROFILES: readonly SchemaProfile[] = [
  { name: 'validate_1_3_2', from: [1, 3, 2], describe: '1.3.2 et suivantes (schéma 1.3.3)', transform: () => {} },
  { name: 'validate_1_3_0', from: [1, 3, 0], describe: '1.3.0 et 1.3.1', transform: requireFnt },
  { name: 'validate_1_0_0', from: [1, 0, 0], describe: '1.0.0 à 1.2.x', transform: before130 },
];

/** The `[major, minor, patch]` of a declared version, or undefined when it is not `x.y.z`. */
export function parseSchemaVersion(ver: unknown): [number, number, number] | undefined {
  if (typeof ver !== 'string') return undefined;
  const match = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/.exec(ver);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

const compare = (a: readonly number[], b: readonly number[]) => {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
};

/** The profile for a declared version: undefined for a version that is not 1.x.y. */
export function profileFor(ver: unknown): SchemaProfile | undefined {
  const version = parseSchemaVersion(ver);
  if (!version || version[0] !== 1) return undefined;
  return SCHEMA_PROFILES.find((profile) => compare(version, profile.from) >= 0);
}
