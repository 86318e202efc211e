import { assessPass, passPeriod, verifyDcc } from '@prostopcovid/dcc';
import type { RequestContext } from '../../platform/context.js';
import { parseInstant } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import type { Metrics } from '../../platform/metrics.js';
import type { VerifierLists } from './verifier-lists.js';

export interface VerifierDeps {
  lists: VerifierLists;
  country: string;
  metrics: Metrics;
}

const EARLIEST_CLOCK = Date.parse('2020-01-01T00:00:00Z');
const LATEST_CLOCK = Date.parse('2100-01-01T00:00:00Z');

/**
 * The verifier: any "HC1:" text, checked step by step against the trusted signers, then the
 * business rules of the country of verification at the validation clock (now unless given).
 * Anonymous and not audited: it stores nothing.
 */
export async function verifyPass(deps: VerifierDeps, ctx: RequestContext, input: { hc1: string; country?: string; validationClock?: string }) {
  const snapshot = deps.lists.snapshot();
  const country = input.country ?? deps.country;
  if (!snapshot.countries.includes(country)) throw new AppError('VERIFIER_COUNTRY_UNKNOWN', { publicDetails: { countries: snapshot.countries } });
  let validationClock = ctx.now;
  if (input.validationClock !== undefined) {
    const parsed = parseInstant(input.validationClock);
    if (!parsed || parsed.getTime() < EARLIEST_CLOCK || parsed.getTime() >= LATEST_CLOCK) throw new AppError('VERIFIER_CLOCK_INVALID');
    validationClock = parsed;
  }
  const result = await verifyDcc(input.hc1, {
    lists: { signers: snapshot.signers, rules: snapshot.rules, valueSets: snapshot.codes },
    validationClock,
    country,
  });
  deps.metrics.passVerifications.inc({ status: result.status });
  return { ...result, country, validationClock: validationClock.toISOString() };
}

export interface CertificateWorth {
  valid: boolean;
  /** The first rule not met today, in French. */
  reason?: string;
  /** When it becomes valid (if not yet) and stops being valid, under the rules known today. */
  validFrom?: Date;
  validUntil?: Date;
}

/**
 * What a certificate this service issues is worth at `at` under the rules of the country of
 * verification (for the patient portal): the same rules and code as the verifier's.
 */
export function assessCertificate(deps: Pick<VerifierDeps, 'lists' | 'country'>, input: { dcc: Record<string, unknown>; expiresAt: Date; at: Date }): CertificateWorth {
  const snapshot = deps.lists.snapshot();
  const context = { dcc: input.dcc, rules: snapshot.rules, valueSets: snapshot.codes, country: deps.country, issuerCountry: 'FR', expiresAt: input.expiresAt };
  const today = assessPass(context, input.at);
  const period = passPeriod(context, input.at);
  return {
    valid: today.valid,
    ...(today.failed && { reason: today.failed.description }),
    ...(period?.validFrom && { validFrom: period.validFrom }),
    ...(period?.validUntil && { validUntil: period.validUntil }),
  };
}
