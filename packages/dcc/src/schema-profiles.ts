/**
 * The DCC JSON schema by the version a payload declares (`ver`). The bundled schema is the EU's
 * 1.3.3 release; earlier releases differ from it in a few published ways, applied here as
 * changes to a copy of it (sources: the schema's CHANGELOG, its 1.1.0 release, and what the
 * member states' official 1.0.0 test vectors in dgc-testdata are expected to pass):
 *
 * - up to 1.3.1, `fnt` is required (1.3.2 made it optional, with one of `fnt` / `gnt` required);
 * - 1.0.x issuers wrote several entries in a group (one per dose) and empty groups beside the
 *   used one (`"t": []`): both were valid then; exactly one non-empty group is still required.
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

type JsonSchema = Record<string, unknown>;

/** The object at `path` in `schema`; the generator stops if the EU schema no longer has it. */
function at(schema: JsonSchema, ...path: string[]): JsonSchema {
  let node: unknown = schema;
  for (const key of path) {
    node = (node as JsonSchema)[key];
    if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new Error(`the DCC schema has no object at ${path.join('.')}`);
  }
  return node as JsonSchema;
}

const requireFnt = (schema: JsonSchema) => {
  const name = at(schema, '$defs', 'person_name');
  delete name.anyOf;
  name.required = ['fnt'];
};

const version1_0 = (schema: JsonSchema) => {
  requireFnt(schema);
  for (const group of ['v', 't', 'r']) {
    const items = at(schema, 'properties', group);
    delete items.minItems;
    delete items.maxItems;
  }
  schema.oneOf = ['v', 't', 'r'].map((group) => ({ required: ['ver', 'nam', 'dob', group], properties: { [group]: { minItems: 1 } } }));
};

/** Newest first: the first whose `from` is not above the declared version applies. */
export const SCHEMA_PROFILES: readonly SchemaProfile[] = [
  { name: 'validate_1_3_2', from: [1, 3, 2], describe: '1.3.2 et suivantes (schéma 1.3.3)', transform: () => {} },
  { name: 'validate_1_1_0', from: [1, 1, 0], describe: '1.1.0 à 1.3.1', transform: requireFnt },
  { name: 'validate_1_0_0', from: [1, 0, 0], describe: '1.0.x', transform: version1_0 },
];

/** The `[major, minor, patch]` of a declared version, or undefined when it is not `x.y.z`. */
export function parseSchemaVersion(ver: unknown): [number, number, number] | undefined {
  if (typeof ver !== 'string') return undefined;
  const match = /^(\d{1,4})\.(\d{1,4})\.(\d{1,4})$/.exec(ver);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Orders two `[major, minor, patch]` versions (negative: a before b). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** The profile for a declared version: undefined for a version that is not 1.x.y. */
export function profileFor(ver: unknown): SchemaProfile | undefined {
  const version = parseSchemaVersion(ver);
  if (!version || version[0] !== 1) return undefined;
  return SCHEMA_PROFILES.find((profile) => compareVersions(version, profile.from) >= 0);
}
