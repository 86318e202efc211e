import { RIGHTS, type Right } from '@prostopcovid/contracts/auth';
import professionCodes from '../../../data/TRE_G15-ProfessionSante.json' with { type: 'json' };

/**
 * PSC sends no roles: rights come from the profession codes (TRE_G15) of the
 * professional's exercices. This table is the one place that says who may do what.
 */
type ProfessionRight = Exclude<Right, 'operator'>;

export type Policy = Readonly<Record<ProfessionRight, readonly string[]>>;

export const defaultPolicy: Policy = {
  // The PROSTOPCOVID message: "Destinataires : médecins, infirmiers".
  'codes:issue': ['10', '60', '69'],
  'tests:record': ['10', '21', '40', '50', '60', '69', '70', '86'],
  'vaccinations:record': ['10', '21', '40', '50', '60', '69'],
};

/**
 * The rights of a professional: from their profession codes, plus `operator` (authority
 * staff: incidents, laboratories) for the accounts the configuration names.
 */
export function rightsFor(professions: readonly string[], isOperator = false, policy: Policy = defaultPolicy): Right[] {
  return RIGHTS.filter((right) => (right === 'operator' ? isOperator : policy[right].some((code) => professions.includes(code))));
}

const labels = new Map(professionCodes.codes.map((entry) => [entry.code, entry.label]));

/** French label of a TRE_G15 profession code, or the code itself when unknown. */
export function professionLabel(code: string): string {
  return labels.get(code) ?? `Profession ${code}`;
}
