import { evaluate, type CertLogicExpression } from 'certlogic-js';
import { evaluateRules, selectRules, TYPE_OF_KIND, type BusinessRule, type RuleContext, type RuleOutcome } from './rules.js';
import { kindsOf } from './signers.js';
import type { ValueSetCodes } from './value-sets.js';

export interface PassContext {
  dcc: Record<string, unknown>;
  rules: readonly BusinessRule[];
  valueSets: ValueSetCodes;
  /** Country of verification (default FR). */
  country?: string;
  issuerCountry?: string;
  /** The certificate's own expiry (CWT `exp`): no pass past it, whatever the rules. */
  expiresAt?: Date;
  /** The CWT claims rules may read (`external.exp`, `iat`, `issuerCountryCode`, `kid`). */
  claims?: Pick<RuleContext, 'exp' | 'iat' | 'issuerCountryCode' | 'kid'>;
}

export interface PassAssessment {
  valid: boolean;
  /** The first rule not met, when invalid. */
  failed?: RuleOutcome;
  outcomes: RuleOutcome[];
  /** No Acceptance rule of the country of verification applies: nothing can be said. */
  noRules: boolean;
}

/** The rules of the country of verification on a decoded DCC at one instant (no signature: the caller issued or verified it). */
export function assessPass(context: PassContext, at: Date): PassAssessment {
  const [kind] = kindsOf(context.dcc);
  if (!kind) return { valid: false, outcomes: [], noRules: true };
  const country = context.country ?? 'FR';
  const selected = selectRules(context.rules, { country, ...(context.issuerCountry && { issuerCountry: context.issuerCountry }), kind, at });
  if (!selected.some((rule) => rule.Type === 'Acceptance')) return { valid: false, outcomes: [], noRules: true };
  const outcomes = evaluateRules(selected, { ...context.claims, dcc: context.dcc, validationClock: at, valueSets: context.valueSets, countryCode: country });
  const failed = outcomes.find((outcome) => outcome.result !== 'passed');
  const expired = context.expiresAt !== undefined && at.getTime() > context.expiresAt.getTime();
  return { valid: !failed && !expired, ...(failed && { failed }), outcomes, noRules: false };
}

/** Every `plusTime` of the logic whose date is not the validation clock: where the verdict can change. */
function collectPlusTimes(logic: unknown, into: CertLogicExpression[]): void {
  if (Array.isArray(logic)) {
    for (const item of logic) collectPlusTimes(item, into);
    return;
  }
  if (!logic || typeof logic !== 'object') return;
  for (const [operator, operands] of Object.entries(logic)) {
    if (operator === 'plusTime' && Array.isArray(operands)) {
      const [date] = operands as unknown[];
      const onClock = !!date && typeof date === 'object' && (date as { var?: unknown }).var === 'external.validationClock';
      if (!onClock) into.push({ plusTime: operands } as CertLogicExpression);
    }
    collectPlusTimes(operands, into);
  }
}

export interface PassPeriod {
  /** Undefined when the pass is valid at `from` already. */
  validFrom?: Date;
  /** Undefined when no end is known (no rule or date ends it). */
  validUntil?: Date;
}

/**
 * When the pass is valid, from `from` on: the first period in which the rules hold. Rules can only
 * change their verdict at the instants they compare the clock with (the `plusTime` of payload
 * dates), at a rule version's ValidFrom / ValidTo, and at the certificate's expiry; the verdict is
 * taken at each such instant and just before it. Rules that shift the clock itself
 * (`plusTime(validationClock, n ≠ 0)`) are not followed. Undefined when it is never valid.
 */
export function passPeriod(context: PassContext, from: Date): PassPeriod | undefined {
  const [kind] = kindsOf(context.dcc);
  if (!kind) return undefined;
  const data = { payload: context.dcc, external: { validationClock: from.toISOString() } };
  const instants = new Set<number>();
  const country = context.country ?? 'FR';
  // Only the rules that can apply: of the country of verification or the issuer, for this kind.
  const type = TYPE_OF_KIND[kind];
  const applicable = context.rules.filter((r) => (r.Country === country || r.Country === context.issuerCountry) && (r.CertificateType === 'General' || r.CertificateType === type));
  for (const rule of applicable) {
    instants.add(Date.parse(rule.ValidFrom));
    instants.add(Date.parse(rule.ValidTo));
    const plusTimes: CertLogicExpression[] = [];
    collectPlusTimes(rule.Logic, plusTimes);
    for (const expression of plusTimes) {
      try {
        const value = evaluate(expression, data) as unknown;
        if (value instanceof Date && !Number.isNaN(value.getTime())) instants.add(value.getTime());
      } catch {
        // A field this certificate does not have: no boundary from it.
      }
    }
  }
  if (context.expiresAt) instants.add(context.expiresAt.getTime() + 1);
  const samples = [...new Set([...instants].flatMap((t) => [t - 1, t]))].filter((t) => t > from.getTime()).sort((a, b) => a - b);
  let start: number | undefined = assessPass(context, from).valid ? from.getTime() : undefined;
  for (const t of samples) {
    const valid = assessPass(context, new Date(t)).valid;
    if (start === undefined && valid) start = t;
    else if (start !== undefined && !valid) {
      return { ...(start !== from.getTime() && { validFrom: new Date(start) }), validUntil: new Date(t) };
    }
  }
  if (start === undefined) return undefined;
  return start === from.getTime() ? {} : { validFrom: new Date(start) };
}
