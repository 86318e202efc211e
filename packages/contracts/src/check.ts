import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Whether an answer is what the contract says. Clients check before they trust it: a captive
 * portal, a proxy's error page or another server must not pass for the service.
 */
export function isAnswer<S extends TSchema>(schema: S, value: unknown): value is Static<S> {
  return Value.Check(schema, value);
}
