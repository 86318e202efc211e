import * as validators from './generated/schema-validators.js';
import type { GeneratedValidator, SchemaError } from './generated/schema-validators.js';
import { profileFor } from './schema-profiles.js';
import { DccError } from './steps.js';

/**
 * Short French summary of schema errors, e.g.
 * `nam : au moins un nom normalisé (fnt ou gnt) est attendu ; v/0/dt : format invalide`.
 */
export function describeSchemaErrors(errors: readonly SchemaError[] | null | undefined): string {
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
        case 'maxLength':
          return at(`${String(error.params.limit)} caractères au plus`);
        default:
          return at(`contrainte « ${error.keyword} » non respectée`);
      }
    });
  return [...new Set(parts)].slice(0, 4).join(' ; ');
}

/** The validator of the schema version the payload declares; undefined for an unknown major version. */
export function validatorFor(dcc: Record<string, unknown>): GeneratedValidator | undefined {
  const profile = profileFor(dcc.ver);
  return profile ? (validators as Record<string, GeneratedValidator>)[profile.name] : undefined;
}

/** Step `schemaValidation`: the DCC JSON against the schema of the version it declares. */
export function checkDccSchema(dcc: Record<string, unknown>): void {
  const validate = validatorFor(dcc);
  if (!validate) {
    throw new DccError('schemaValidation', `Version de schéma DCC inconnue : ${typeof dcc.ver === 'string' ? dcc.ver.slice(0, 20) : 'absente'}.`);
  }
  if (!validate(dcc)) {
    throw new DccError('schemaValidation', `Le contenu ne respecte pas le schéma DCC : ${describeSchemaErrors(validate.errors)}.`);
  }
}

/** Whether a DCC the issuer is about to sign is valid against the current schema (1.3.x), with errors. */
export function validateCurrentSchema(dcc: unknown): { valid: true } | { valid: false; message: string } {
  const validate = validators.validate_1_3_2;
  return validate(dcc) ? { valid: true } : { valid: false, message: describeSchemaErrors(validate.errors) };
}
