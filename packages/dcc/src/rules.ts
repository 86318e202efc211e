import { evaluate, type CertLogicExpression } from 'certlogic-js';
import { validate as validateLogic } from 'certlogic-js/dist/validation/index.js';
import { RFC3339_DATE_TIME } from './cbor.js';
import { compareVersions } from './schema-profiles.js';
import type { CertificateKind } from './signers.js';
import type { ValueSetCodes } from './value-sets.js';

/**
 * A business rule in the EU DCC format (eu-dcc-business-rules, as the DCC Gateway distributes
 * them): CertLogic logic plus what it applies to and when.
 */
export interface BusinessRule {
  /** `GR|VR|TR|RR|IR-<country>-<4 digits>`, e.g. `TR-FR-0005`. */
  Identifier: string;
  /** Acceptance: rules of the country of verification; Invalidation: rules of the issuing country. */
  Type: 'Acceptance' | 'Invalidation';
  Country: string;
  Region?: string;
  /** Semantic version; the highest valid at the validation clock applies. */
  Version: string;
  SchemaVersion: string;
  Engine: 'CERTLOGIC';
  EngineVersion: string;
  CertificateType: 'General' | 'Test' | 'Vaccination' | 'Recovery';
  Description: Array<{ lang: string; desc: string }>;
  /** ISO 8601 instants: the rule applies from ValidFrom (inclusive) to ValidTo (exclusive). */
  ValidFrom: string;
  ValidTo: string;
  AffectedFields: string[];
  Logic: CertLogicExpression;
}

/** The rules' CertificateType of each kind of certificate. */
export const TYPE_OF_KIND: Record<CertificateKind, BusinessRule['CertificateType']> = {
  test: 'Test',
  vaccination: 'Vaccination',
  recovery: 'Recovery',
};

const IDENTIFIER = /^(GR|VR|TR|RR|IR)-[A-Z]{2}-\d{4}$/;
const SEMVER = /^\d+\.\d+\.\d+$/;
export const MAX_RULES = 5_000;

/**
 * Checks a list of rules read from a file or the network: every field of the EU rule format,
 * ValidFrom before ValidTo, a French or English description, and the logic against the CertLogic
 * specification (certlogic-js's validator). Throws a RangeError naming each faulty rule.
 */
export function parseRules(json: unknown): BusinessRule[] {
  if (!Array.isArray(json)) throw new RangeError('Les règles doivent être un tableau JSON de règles au format de l’UE.');
  if (json.length > MAX_RULES) throw new RangeError(`Plus de ${MAX_RULES} règles.`);
  const problems: string[] = [];
  const seen = new Set<string>();
  json.forEach((value: unknown, index) => {
    const rule = (value && typeof value === 'object' ? value : {}) as Partial<BusinessRule>;
    const name = typeof rule.Identifier === 'string' ? `${rule.Identifier} ${String(rule.Version)}` : `règle n° ${index + 1}`;
    const fault = (what: string) => problems.push(`${name} : ${what}`);
    if (typeof rule.Identifier !== 'string' || !IDENTIFIER.test(rule.Identifier)) return fault('Identifier invalide');
    if (rule.Type !== 'Acceptance' && rule.Type !== 'Invalidation') fault('Type doit être Acceptance ou Invalidation');
    if (typeof rule.Country !== 'string' || !/^[A-Z]{2}$/.test(rule.Country)) fault('Country doit être un code pays à deux lettres');
    else if (rule.Identifier.slice(3, 5) !== rule.Country) fault("le pays de l'identifiant diffère de Country");
    if (typeof rule.Version !== 'string' || !SEMVER.test(rule.Version)) fault('Version doit être x.y.z');
    if (typeof rule.SchemaVersion !== 'string' || !SEMVER.test(rule.SchemaVersion)) fault('SchemaVersion doit être x.y.z');
    if (rule.Engine !== 'CERTLOGIC') fault('Engine doit être CERTLOGIC');
    if (typeof rule.EngineVersion !== 'string') fault('EngineVersion manquant');
    if (!['General', 'Test', 'Vaccination', 'Recovery'].includes(rule.CertificateType as string)) fault('CertificateType inconnu');
    if (!Array.isArray(rule.Description) || !rule.Description.some((d) => d && typeof d.lang === 'string' && typeof d.desc === 'string' && d.desc.length > 0)) {
      fault('Description vide');
    }
    if (!Array.isArray(rule.AffectedFields) || !rule.AffectedFields.every((field) => typeof field === 'string')) fault('AffectedFields doit être une liste de champs');
    const from = typeof rule.ValidFrom === 'string' && RFC3339_DATE_TIME.test(rule.ValidFrom) ? Date.parse(rule.ValidFrom) : NaN;
    const to = typeof rule.ValidTo === 'string' && RFC3339_DATE_TIME.test(rule.ValidTo) ? Date.parse(rule.ValidTo) : NaN;
    if (Number.isNaN(from) || Number.isNaN(to)) fault('ValidFrom et ValidTo doivent être des dates ISO 8601 avec fuseau');
    else if (from >= to) fault('ValidFrom doit précéder ValidTo');
    if (rule.Logic === undefined) fault('Logic manquant');
    else {
      const errors = validateLogic(rule.Logic);
      if (errors.length > 0) fault(`logique CertLogic invalide (${errors[0]?.message ?? 'erreur'})`);
    }
    const key = `${rule.Identifier}@${String(rule.Version)}`;
    if (seen.has(key)) fault('en double');
    seen.add(key);
  });
  if (problems.length > 0) throw new RangeError(`Règles refusées : ${problems.slice(0, 10).join(' ; ')}${problems.length > 10 ? ' ; …' : ''}`);
  return json as BusinessRule[];
}


export interface RuleSelection {
  /** Country of verification (its Acceptance rules). */
  country: string;
  /** Issuing country (its Invalidation rules), when known. */
  issuerCountry?: string;
  kind: CertificateKind;
  at: Date;
}

/**
 * The rules that apply: Acceptance rules of the country of verification and Invalidation rules
 * of the issuing country, for this kind or General, valid at the validation clock; for each
 * Identifier, its highest such Version. Ordered General first, then by Identifier.
 */
export function selectRules(rules: readonly BusinessRule[], selection: RuleSelection): BusinessRule[] {
  const at = selection.at.getTime();
  const best = new Map<string, BusinessRule>();
  for (const rule of rules) {
    const country = rule.Type === 'Acceptance' ? selection.country : selection.issuerCountry;
    if (rule.Country !== country) continue;
    if (rule.CertificateType !== 'General' && rule.CertificateType !== TYPE_OF_KIND[selection.kind]) continue;
    if (Date.parse(rule.ValidFrom) > at || Date.parse(rule.ValidTo) <= at) continue;
    const current = best.get(rule.Identifier);
    if (!current || compareVersions(rule.Version.split('.').map(Number), current.Version.split('.').map(Number)) > 0) best.set(rule.Identifier, rule);
  }
  const rank = (rule: BusinessRule) => (rule.CertificateType === 'General' ? 0 : 1);
  return [...best.values()].sort((a, b) => rank(a) - rank(b) || a.Identifier.localeCompare(b.Identifier));
}

/** Countries that have Acceptance rules, i.e. that can be chosen as country of verification. */
export function countriesWithRules(rules: readonly BusinessRule[]): string[] {
  return [...new Set(rules.filter((rule) => rule.Type === 'Acceptance').map((rule) => rule.Country))].sort();
}

/** The rule's description in French, else English, else the first one. */
export function describeRule(rule: Pick<BusinessRule, 'Description'>): string {
  const pick = (lang: string) => rule.Description.find((d) => d.lang.toLowerCase() === lang)?.desc;
  return pick('fr') ?? pick('en') ?? rule.Description[0]?.desc ?? '';
}

export interface RuleOutcome {
  identifier: string;
  version: string;
  type: BusinessRule['Type'];
  certificateType: BusinessRule['CertificateType'];
  description: string;
  /** 'open': the rule could not be evaluated (an error, or not a boolean): it counts as not met. */
  result: 'passed' | 'failed' | 'open';
}

export interface RuleContext {
  dcc: Record<string, unknown>;
  validationClock: Date;
  valueSets: ValueSetCodes;
  /** Country of verification. */
  countryCode: string;
  /** From the CWT: ISO 8601 instants, issuing country, kid. */
  exp?: string;
  iat?: string;
  issuerCountryCode?: string;
  kid?: string;
}

/** Evaluates rules against the CertLogic data context `{ payload, external }` of the EU rule format. */
export function evaluateRules(rules: readonly BusinessRule[], context: RuleContext): RuleOutcome[] {
  const data = {
    payload: context.dcc,
    external: {
      validationClock: context.validationClock.toISOString(),
      valueSets: context.valueSets,
      countryCode: context.countryCode,
      ...(context.exp !== undefined && { exp: context.exp }),
      ...(context.iat !== undefined && { iat: context.iat }),
      ...(context.issuerCountryCode !== undefined && { issuerCountryCode: context.issuerCountryCode }),
      ...(context.kid !== undefined && { kid: context.kid }),
    },
  };
  return rules.map((rule) => {
    let result: RuleOutcome['result'];
    try {
      const value: unknown = evaluate(rule.Logic, data);
      result = value === true ? 'passed' : value === false ? 'failed' : 'open';
    } catch {
      result = 'open';
    }
    return {
      identifier: rule.Identifier,
      version: rule.Version,
      type: rule.Type,
      certificateType: rule.CertificateType,
      description: describeRule(rule),
      result,
    };
  });
}
