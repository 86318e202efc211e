import type { SandboxProfessional } from './types.js';

// Synthetic professionals. Names are deliberately fake ("DEMO-..."); RPPS numbers use
// the 99700xxxxxx test-like range, FINESS numbers use the non-existent "99" department
// and SIRET numbers start with 9000000, so nothing here matches a real person or site.
// Sites sit in real communes (postcode and INSEE code), so urgent messages can target them by
// zone; e-mail addresses use the reserved .example domain.
/** The hospital where several of them work (one structure, so the same identifiers). */
const DEMOVILLE_HOSPITAL = {
  raisonSocialeSite: 'Centre hospitalier de Démoville',
  identifiantTechniqueDeLaStructure: 'F990000012',
  numeroFinessSite: '990000012',
  numeroSiretSite: '90000002000021',
  codeModeExercice: 'S',
  codeSecteurDactivite: 'SA01',
  libelleCommuneCoordStructure: 'Bordeaux',
  codePostalCoordStructure: '33000',
  codeCommuneCoordStructure: '33063',
  adresseEMailCoordStructure: 'accueil@ch-demoville.example',
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
            codePostalCoordStructure: '69003',
            codeCommuneCoordStructure: '69383',
            adresseEMailCoordStructure: 'jeanne.demo-generaliste@cabinet-du-parc.example',
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
            codePostalCoordStructure: '44000',
            codeCommuneCoordStructure: '44109',
            adresseEMailCoordStructure: 'sophie.demo-pharmacien@pharmacie-de-la-gare.example',
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
            codePostalCoordStructure: '33800',
            adresseEMailCoordStructure: 'marc.demo-kine@cabinet-des-tilleuls.example',
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
            codePostalCoordStructure: '59000',
            codeCommuneCoordStructure: '59350',
            adresseEMailCoordStructure: 'contact@biodemo.example',
          },
        ],
      },
    ],
  },
  {
    idNatPs: '899700100008',
    givenName: 'Nadia',
    familyName: 'DEMO-MULTIEXERCICE',
    label: 'Médecin hospitalier à Bordeaux et pharmacienne à Lyon (deux exercices)',
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
            libelleCommuneCoordStructure: 'Lyon',
            codePostalCoordStructure: '69007',
            codeCommuneCoordStructure: '69387',
            adresseEMailCoordStructure: 'nadia.demo-multiexercice@pharmacie-du-marche.example',
          },
        ],
      },
    ],
  },
  {
    idNatPs: '899700100009',
    givenName: 'Claire',
    familyName: 'DEMO-PHARMACIEN-BORDEAUX',
    label: "Titulaire d'officine à Bordeaux (pharmacie)",
    exercices: [
      {
        codeProfession: '21',
        codeCategorieProfessionnelle: 'C',
        activities: [
          {
            raisonSocialeSite: 'Pharmacie des Quais',
            identifiantTechniqueDeLaStructure: 'F990000090',
            numeroFinessSite: '990000090',
            numeroSiretSite: '90000009000071',
            codeModeExercice: 'L',
            codeSecteurDactivite: 'SA33',
            libelleCommuneCoordStructure: 'Bordeaux',
            codePostalCoordStructure: '33000',
            codeCommuneCoordStructure: '33063',
            adresseEMailCoordStructure: 'claire.demo-pharmacien@pharmacie-des-quais.example',
          },
        ],
      },
    ],
  },
  {
    idNatPs: '899700100010',
    givenName: 'Louis',
    familyName: 'DEMO-PHARMACIEN-LYON',
    label: "Pharmacien d'officine à Lyon",
    exercices: [
      {
        codeProfession: '21',
        codeCategorieProfessionnelle: 'C',
        activities: [
          {
            raisonSocialeSite: 'Pharmacie de la Croix-Rousse',
            identifiantTechniqueDeLaStructure: 'F990000101',
            numeroFinessSite: '990000101',
            numeroSiretSite: '90000010000088',
            codeModeExercice: 'L',
            codeSecteurDactivite: 'SA33',
            libelleCommuneCoordStructure: 'Lyon',
            codePostalCoordStructure: '69004',
            codeCommuneCoordStructure: '69384',
            adresseEMailCoordStructure: 'louis.demo-pharmacien@pharmacie-croix-rousse.example',
          },
        ],
      },
    ],
  },
  {
    idNatPs: '899700100011',
    givenName: 'Inès',
    familyName: 'DEMO-INFIRMIERE-MARTINIQUE',
    label: 'Infirmière libérale à Fort-de-France',
    exercices: [
      {
        codeProfession: '60',
        codeCategorieProfessionnelle: 'C',
        activities: [
          {
            raisonSocialeSite: 'Cabinet infirmier du Carénage',
            identifiantTechniqueDeLaStructure: 'R10000100011',
            numeroSiretSite: '90000011000094',
            codeModeExercice: 'L',
            codeSecteurDactivite: 'SA07',
            libelleCommuneCoordStructure: 'Fort-de-France',
            codePostalCoordStructure: '97200',
            codeCommuneCoordStructure: '97209',
            adresseEMailCoordStructure: 'ines.demo-infirmiere@cabinet-carenage.example',
          },
        ],
      },
    ],
  },
  {
    // Authority staff sign in with their own CPS card too: with the sandbox, these two are the
    // default operators (national, and the Nouvelle-Aquitaine ARS).
    idNatPs: '899700100012',
    givenName: 'Agnès',
    familyName: 'DEMO-DGS',
    label: 'Médecin de santé publique, centre de crise de la DGS (opératrice nationale)',
    exercices: [
      {
        codeProfession: '10',
        codeCategorieProfessionnelle: 'C',
        codeSavoirFaire: 'SM41',
        codeTypeSavoirFaire: 'S',
        activities: [
          {
            raisonSocialeSite: 'Direction générale de la santé',
            identifiantTechniqueDeLaStructure: 'R10000100012',
            codeModeExercice: 'S',
            libelleCommuneCoordStructure: 'Paris',
            codePostalCoordStructure: '75007',
            codeCommuneCoordStructure: '75107',
          },
        ],
      },
    ],
  },
  {
    idNatPs: '899700100013',
    givenName: 'Bruno',
    familyName: 'DEMO-ARS-NA',
    label: 'Pharmacien inspecteur, ARS Nouvelle-Aquitaine (opérateur régional)',
    exercices: [
      {
        codeProfession: '21',
        codeCategorieProfessionnelle: 'C',
        activities: [
          {
            raisonSocialeSite: 'Agence régionale de santé Nouvelle-Aquitaine',
            identifiantTechniqueDeLaStructure: 'R10000100013',
            codeModeExercice: 'S',
            libelleCommuneCoordStructure: 'Bordeaux',
            codePostalCoordStructure: '33063',
          },
        ],
      },
    ],
  },
];

/** With the sandbox and no OPERATOR_ID_NAT_PS: the DGS operator (national) and the Nouvelle-Aquitaine ARS one (region 75). */
export const SANDBOX_OPERATORS = '899700100012,899700100013:75';

/** Looked up at each call, not indexed once: tests add professionals to the list after start. */
export function findProfessional(list: readonly SandboxProfessional[], idNatPs: string): SandboxProfessional | undefined {
  return list.find((p) => p.idNatPs === idNatPs);
}
