import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020Module, { type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** Bundled copy of the EU DCC JSON schema 1.3.x (draft 2020-12, all definitions inlined). */
export const DCC_SCHEMA_PATH = resolve(import.meta.dirname, '../../../data/dcc/schema/DCC.combined-schema.json');

// ajv and ajv-formats are CommonJS modules whose `module.exports` also carries itself as `.default`:
// under NodeNext the typed default import is that module object, so use `.default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

function compile() {
  // Strict about unknown keywords; the schema's `oneOf`/`anyOf` branches are bare `required`
  // lists without their own `properties`/`type`, which is valid JSON Schema that strict mode flags.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
  addFormats(ajv);
  // Annotation naming the value set of a coded field; membership is not part of the schema check.
  ajv.addKeyword({ keyword: 'valueset-uri', schemaType: 'string' });
  return ajv.compile(JSON.parse(readFileSync(DCC_SCHEMA_PATH, 'utf8')) as object);
}

/** Compiled validator for the DCC JSON (the value of hcert -260 / 1). */
export const validateDccSchema = compile();

/**
 * Short French summary of schema errors, e.g.
 * `nam : au moins un nom normalisé (fnt ou gnt) est attendu ; v/0/dt : format invalide`.
 */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'erreur inconnue';
  const parts = errors
    // Errors inside a oneOf/anyOf branch are summarised by the oneOf/anyOf error itself.
    .filter((error) => !/\/(oneOf|anyOf)\/\d+\//.test(error.schemaPath))
    .map((error) => {
      const where = error.instancePath.replace(/^\//, '');
      const at = (text: string) => (where ? `${where} : ${text}` : text);
      switch (error.keyword) {
        case 'required':
          return at(`le champ ${String(error.params.missingProperty)} est obligatoire`);
        case 'oneOf':
          return at('ver, nam, dob et un et un seul groupe parmi v (vaccination), t (test) ou r (rétablissement) sont attendus');
        case 'anyOf':
          return at('au moins un nom normalisé (fnt ou gnt) est attendu');
        case 'type':
          return at(`le type ${String(error.params.type)} est attendu`);
        case 'pattern':
        case 'format':
          return at('format invalide');
        default:
          return at(`contrainte « ${error.keyword} » non respectée`);
      }
    });
  return [...new Set(parts)].slice(0, 4).join(' ; ');
}
