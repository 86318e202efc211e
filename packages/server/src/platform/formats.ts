import Format from 'typebox/format';
import { isInstant, isValidIsoDate } from './dates.js';

/**
 * `date-time` and `date` mean the same for every validator of the server: Fastify's Ajv
 * (routes) and TypeBox's compiler (lab batches, checked item by item). Both go through the
 * one date parser, which refuses years outside 1900–2100 and unreal days.
 */
Format.Set('date-time', isInstant);
Format.Set('date', isValidIsoDate);

export function addDateFormats(ajv: { addFormat(name: string, format: (value: string) => boolean): unknown }): void {
  ajv.addFormat('date-time', isInstant);
  ajv.addFormat('date', isValidIsoDate);
}
