import type { ErrorObject } from 'ajv';
import * as ajvI18n from 'ajv-i18n';
import type { Localize } from 'ajv-i18n/localize/types.js';
import { Locale } from 'typebox/system';

// A CommonJS module whose types declare `export default`: at run time the namespace's `default` is module.exports.
const localizeFr = (ajvI18n.default as unknown as Record<'fr', Localize>).fr;

/** The schema's own regular expression helps no reader: the field's documentation says what it takes. */
const PATTERN_MESSAGE = "n'a pas le format attendu";

/** Fastify's (Ajv's) refusals of a request, in French, as the `details` of REQUEST_INVALID. */
export function frenchValidationMessages(errors: ErrorObject[]): ErrorObject[] {
  localizeFr(errors);
  for (const error of errors) if (error.keyword === 'pattern') error.message = PATTERN_MESSAGE;
  return errors;
}

/** TypeBox's own checks (a lab batch's results, one by one) answer in French too. */
export function useFrenchSchemaMessages(): void {
  Locale.Set((error) => (error.keyword === 'pattern' ? PATTERN_MESSAGE : Locale.fr_FR(error)));
}
