import type { SandboxProfessional } from './types.js';

// Synthetic professionals. Names are deliberately fake ("DEMO-..."); RPPS numbers use
// the 99700xxxxxx test-like range, FINESS numbers use the non-existent "99" department
// and SIRET numbers start with 9000000, so nothing here matches a real person or site.
/** The hospital where several of them work (one structure, so the same identifiers). */
const DEMOVILLE_HOSPITAL = {
  raisonSocialeSite: 'Centre hospitalier de Démoville',
  identifiantTechniqueDeLaStructure: 'F990000012',
  numeroFinessSite: '990000012',
  numeroSiretSite: '90000002000021',
  codeModeExercice: 'S',
  codeSecteurDactivite: 'SA01',
  libelleCommuneCoordStructure: 'Démoville',
} as const;

export const professionals: SandboxProfessional[] = [
  {
    idNatPs: '899700100001',
    givenName: 'Jeanne',
    familyName: 'DEMO-GENERALISTE',
    label: 'Médecin généraliste',
    exercices: [
      {
        codeProfession: '10',
        codeCategorieProfessionnelle: 'C',
        codeSavoirFaire: 'SM54',
        codeTypeSavoirFaire: 'S',
        activities: [
          {
            raisonSocialeSite: 'Cabinet médical du Parc',
            identifiantTechniqueDeLaStructure: 'R10000100001',
            numeroSiretSite: '90000001000015',
            codeModeExercice: 'L',
            codeSecteurDactivite: 'SA07',
            libelleCommuneCoordStructure: 'Lyon',
          },
        ],
      },
    ],
  },
  {
    idNatPs: '899700100002',
    givenName: 'Paul',
    familyName: 'DEMO-INFIRMIER',
    label: 'Infirmier',
    exercices: [
      {
        codeProfession: '60',
        codeCategorieProfessionnelle: 'C',
        activities: [
          DEMOVILLE_HOSPITAL,
        ],
      },
    ],
  },
  {
    idNatPs: '899700100003',
    givenName: 'Sophie',
    familyName: 'DEMO-PHARMACIEN',
    label: "Pharmacienne d'officine",
    exercices: [
      {
        codeProfession: '21',
        codeCategorieProfessionnelle: 'C',
        activities: [
          {
            raisonSocialeSite: 'Pharmacie de la Gare',
            identifiantTechniqueDeLaStructure: 'F990000034',
            numeroFinessSite: '990000034',
            numeroSiretSite: '90000003000037',
            codeModeExercice: 'L',
            codeSecteurDactivite: 'SA33',
            libelleCommuneCoordStructure: 'Nantes',
          },
        ],
      },
    ],
  },
  {
    // ADELI-identified professional: idNatPs = '0' + 9-digit ADELI number.
    idNatPs: '0999100005',
    givenName: 'Marc',
    familyName: 'DEMO-KINE',
    label: 'Masseur-kinésithérapeute (ADELI)',
    exercices: [
      {
        codeProfession: '70',
        codeCategorieProfessionnelle: 'C',
        activities: [
          {
            raisonSocialeSite: 'Cabinet de kinésithérapie des Tilleuls',
            identifiantTechniqueDeLaStructure: 'R10000100005',
            numeroSiretSite: '90000005000043',
            codeModeExercice: 'L',
            codeSecteurDactivite: 'SA07',
            libelleCommuneCoordStructure: 'Bordeaux',
          },
        ],
      },
    ],
  },
  {
    idNatPs: '899700100006',
    givenName: 'Léa',
    familyName: 'DEMO-SAGEFEMME',
    label: 'Sage-femme',
    exercices: [
      {
        codeProfession: '50',
        codeCategorieProfessionnelle: 'C',
        activities: [
          { ...DEMOVILLE_HOSPITAL, raisonSocialeSite: 'Centre hospitalier de Démoville - Maternité' },
        ],
      },
    ],
  },
  {
    idNatPs: '899700100007',
    givenName: 'Hugo',
    familyName: 'DEMO-TECHNICIEN',
    label: 'Technicien de laboratoire médical',
    exercices: [
      {
        codeProfession: '86',
        codeCategorieProfessionnelle: 'C',
        activities: [
          {
            raisonSocialeSite: 'Laboratoire de biologie médicale BioDémo',
            identifiantTechniqueDeLaStructure: 'F990000056',
            numeroFinessSite: '990000056',
            numeroSiretSite: '90000007000059',
            codeModeExercice: 'S',
            codeSecteurDactivite: 'SA25',
            libelleCommuneCoordStructure: 'Lille',
          },
        ],
      },
    ],
  },
  {
    idNatPs: '899700100008',
    givenName: 'Nadia',
    familyName: 'DEMO-MULTIEXERCICE',
    label: 'Médecin hospitalier et pharmacienne (deux exercices)',
    exercices: [
      {
        codeProfession: '10',
        codeCategorieProfessionnelle: 'C',
        codeSavoirFaire: 'SM54',
        codeTypeSavoirFaire: 'S',
        activities: [
          DEMOVILLE_HOSPITAL,
        ],
      },
      {
        codeProfession: '21',
        codeCategorieProfessionnelle: 'C',
        activities: [
          {
            raisonSocialeSite: 'Pharmacie du Marché',
            identifiantTechniqueDeLaStructure: 'F990000078',
            numeroFinessSite: '990000078',
            numeroSiretSite: '90000008000065',
            codeModeExercice: 'L',
            codeSecteurDactivite: 'SA33',
            libelleCommuneCoordStructure: 'Démoville',
          },
        ],
      },
    ],
  },
];

/** Looked up at each call, not indexed once: tests add professionals to the list after start. */
export function findProfessional(list: readonly SandboxProfessional[], idNatPs: string): SandboxProfessional | undefined {
  return list.find((p) => p.idNatPs === idNatPs);
}
