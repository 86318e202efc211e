import type { AccountClaims } from 'oidc-provider';
import type { AuthenticationMeans, SandboxActivity, SandboxProfessional } from './types.js';

/** Claims released for the `scope_all` scope, as PSC does. */
export const SCOPE_ALL_CLAIMS = [
  'SubjectNameID',
  'given_name',
  'family_name',
  'preferred_username',
  'SubjectRefPro',
  'SubjectOrganization',
  'Mode_Acces_Raccordement',
  'SubjectRole',
] as const;

/** OID suffix PSC appends to profession codes in SubjectRole. */
const ROLE_OID = '1.2.250.1.213.1.1.5.5';

// PSC always sends every activity field, with '' when unknown; mimic that so RP
// parsers are exercised against the real shape.
function activityClaims(activity: SandboxActivity) {
  return {
    codeModeExercice: activity.codeModeExercice ?? '',
    codeSecteurDactivite: activity.codeSecteurDactivite ?? '',
    numeroFinessSite: activity.numeroFinessSite ?? '',
    numeroSiretSite: activity.numeroSiretSite ?? '',
    identifiantTechniqueDeLaStructure: activity.identifiantTechniqueDeLaStructure,
    raisonSocialeSite: activity.raisonSocialeSite,
    libelleCommuneCoordStructure: activity.libelleCommuneCoordStructure ?? '',
    codePostalCoordStructure: activity.codePostalCoordStructure ?? '',
    codeCommuneCoordStructure: activity.codeCommuneCoordStructure ?? '',
    adresseEMailCoordStructure: activity.adresseEMailCoordStructure ?? '',
  };
}

export function pscClaims(professional: SandboxProfessional, means: AuthenticationMeans): AccountClaims {
  const { idNatPs, givenName, familyName, exercices } = professional;
  return {
    sub: idNatPs,
    SubjectNameID: idNatPs,
    preferred_username: idNatPs,
    given_name: givenName,
    family_name: familyName,
    SubjectOrganization: exercices[0]?.activities[0]?.raisonSocialeSite ?? '',
    Mode_Acces_Raccordement: means,
    SubjectRole: [...new Set(exercices.map((e) => `${e.codeProfession}^${ROLE_OID}`))],
    SubjectRefPro: {
      codeCivilite: '',
      exercices: exercices.map((e) => ({
        codeProfession: e.codeProfession,
        codeCategorieProfessionnelle: e.codeCategorieProfessionnelle,
        codeCiviliteDexercice: '',
        nomDexercice: familyName,
        prenomDexercice: givenName,
        codeTypeSavoirFaire: e.codeTypeSavoirFaire ?? '',
        codeSavoirFaire: e.codeSavoirFaire ?? '',
        activities: e.activities.map(activityClaims),
      })),
    },
  };
}

/** amr recorded in the session for each means; the means is read back from it for userinfo. */
export const AMR_BY_MEANS: Record<AuthenticationMeans, string[]> = {
  CARTE_CPS: ['pin'],
  MOBILE: ['mfa'],
};

export function meansFromAmr(amr: string[] | undefined): AuthenticationMeans {
  return amr?.includes('mfa') ? 'MOBILE' : 'CARTE_CPS';
}
