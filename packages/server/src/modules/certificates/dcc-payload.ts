import { findTestDevice, vaccineCoding } from '../reference/reference.service.js';
import { transliterateIcao } from '@prostopcovid/dcc';
import { isValidIsoDate } from '../../platform/dates.js';

export { vaccineCoding };

/**
 * Builders of the DCC JSON (the value of hcert -260 / 1) for certificates issued in France,
 * from plain inputs. Coded values come from the bundled EU value sets; every builder throws a
 * `RangeError` on an input it cannot encode rather than produce an invalid certificate.
 */

export const DCC_SCHEMA_VERSION = '1.3.0';
/** SNOMED CT 840539006: COVID-19 (disease-agent-targeted value set). */
export const DISEASE_COVID19 = '840539006';
export const ISSUER_COUNTRY = 'FR';
export const ISSUER_NAME = 'Ministère des Solidarités et de la Santé';

export const TEST_TYPES = { rat: 'LP217198-3', naat: 'LP6464-4' } as const;
export const TEST_RESULTS = { detected: '260373001', 'not-detected': '260415000' } as const;

export interface DccName {
  fn: string;
  fnt: string;
  gn?: string;
  gnt?: string;
}

export interface TestEntry {
  tg: typeof DISEASE_COVID19;
  tt: (typeof TEST_TYPES)[keyof typeof TEST_TYPES];
  nm?: string;
  ma?: string;
  sc: string;
  tr: (typeof TEST_RESULTS)[keyof typeof TEST_RESULTS];
  tc: string;
  co: typeof ISSUER_COUNTRY;
  is: typeof ISSUER_NAME;
  ci: string;
}

export interface VaccinationEntry {
  tg: typeof DISEASE_COVID19;
  vp: string;
  mp: string;
  ma: string;
  dn: number;
  sd: number;
  dt: string;
  co: typeof ISSUER_COUNTRY;
  is: typeof ISSUER_NAME;
  ci: string;
}

export interface RecoveryEntry {
  tg: typeof DISEASE_COVID19;
  /** Date of the first positive test (YYYY-MM-DD). */
  fr: string;
  co: typeof ISSUER_COUNTRY;
  is: typeof ISSUER_NAME;
  /** Valid from / until (YYYY-MM-DD). */
  df: string;
  du: string;
  ci: string;
}

interface DccBase {
  ver: typeof DCC_SCHEMA_VERSION;
  nam: DccName;
  dob: string;
}
export interface TestDcc extends DccBase {
  t: [TestEntry];
}
export interface VaccinationDcc extends DccBase {
  v: [VaccinationEntry];
}

export interface RecoveryDcc extends DccBase {
  r: [RecoveryEntry];
}

export interface PersonInput {
  familyName: string;
  /** May be empty (a person with a single name): `gn` / `gnt` are then left out. */
  givenName: string;
  /** `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (1900–2099), as the schema allows. */
  dateOfBirth: string;
}

export interface TestDccInput extends PersonInput {
  testType: keyof typeof TEST_TYPES;
  /** Key in test-manf.json (EU list of rapid antigen tests): required for a RAT, not allowed for a NAAT. */
  deviceId?: string;
  /** Optional NAAT test name (`nm`), free text. */
  testName?: string;
  sampledAt: Date;
  result: keyof typeof TEST_RESULTS;
  /** Testing centre (`tc`). */
  facility: string;
  uvci: string;
}

export interface VaccinationDccInput extends PersonInput {
  /** Key in vaccine-medicinal-product.json, e.g. `EU/1/20/1528` (Comirnaty). */
  product: string;
  doseNumber: number;
  seriesTotal: number;
  /** Date of vaccination, `YYYY-MM-DD`. */
  date: string;
  uvci: string;
}

export interface RecoveryDccInput extends PersonInput {
  /** Paris date of the positive test's sample, `YYYY-MM-DD`. */
  firstPositive: string;
  validFrom: string;
  validUntil: string;
  uvci: string;
}

const MAX_TEXT = 80;

function text(value: string, field: string, { allowEmpty = false } = {}): string {
  const trimmed = value.trim().replace(/\s+/g, ' ');
  if (!allowEmpty && trimmed === '') throw new RangeError(`Le champ ${field} est vide.`);
  if (trimmed.length > MAX_TEXT) throw new RangeError(`Le champ ${field} dépasse ${MAX_TEXT} caractères.`);
  return trimmed;
}

function buildName({ familyName, givenName }: PersonInput): DccName {
  const fn = text(familyName, 'nom de famille');
  const fnt = transliterateIcao(fn);
  if (fnt === '') throw new RangeError("Le nom de famille n'a aucune lettre transcriptible en lettres latines (ICAO 9303).");
  const gn = text(givenName, 'prénom', { allowEmpty: true });
  return gn === '' ? { fn, fnt } : { fn, fnt, gn, gnt: transliterateIcao(gn) };
}

function buildDob(dateOfBirth: string): string {
  const ok =
    /^(19|20)\d\d(-\d\d){0,2}$/.test(dateOfBirth) &&
    (dateOfBirth.length !== 10 || isValidIsoDate(dateOfBirth)) &&
    (dateOfBirth.length !== 7 || /-(0[1-9]|1[0-2])$/.test(dateOfBirth));
  if (!ok) throw new RangeError('La date de naissance doit être AAAA-MM-JJ, AAAA-MM ou AAAA (1900–2099).');
  return dateOfBirth;
}

/** RFC 3339 instant to the second, in UTC (`2021-06-11T17:30:00Z`), as the DCC examples write it. */
export function dccDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('Date invalide.');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function buildTestDcc(input: TestDccInput): TestDcc {
  const tt = TEST_TYPES[input.testType];
  const tr = TEST_RESULTS[input.result];
  if (!tt) throw new RangeError(`Type de test inconnu : ${String(input.testType)}.`);
  if (!tr) throw new RangeError(`Résultat de test inconnu : ${String(input.result)}.`);
  let deviceFields: Pick<TestEntry, 'ma' | 'nm'> = {};
  if (input.testType === 'rat') {
    if (input.deviceId === undefined || !findTestDevice(input.deviceId)) {
      throw new RangeError("Un test antigénique doit désigner un dispositif de la liste de l'UE (test-manf).");
    }
    deviceFields = { ma: input.deviceId };
  } else {
    if (input.deviceId !== undefined) throw new RangeError('Un test RT-PCR (NAAT) ne porte pas de dispositif (ma).');
    if (input.testName !== undefined) deviceFields = { nm: text(input.testName, 'nom du test') };
  }
  return {
    ver: DCC_SCHEMA_VERSION,
    nam: buildName(input),
    dob: buildDob(input.dateOfBirth),
    t: [
      {
        tg: DISEASE_COVID19,
        tt,
        ...deviceFields,
        sc: dccDateTime(input.sampledAt),
        tr,
        tc: text(input.facility, 'centre de test'),
        co: ISSUER_COUNTRY,
        is: ISSUER_NAME,
        ci: text(input.uvci, 'identifiant (UVCI)'),
      },
    ],
  };
}

export function buildVaccinationDcc(input: VaccinationDccInput): VaccinationDcc {
  const { doseNumber: dn, seriesTotal: sd } = input;
  if (!Number.isInteger(dn) || !Number.isInteger(sd) || dn < 1 || sd < 1) {
    throw new RangeError('Le numéro de dose et le nombre de doses du schéma doivent être des entiers positifs.');
  }
  // dn > sd is legitimate (booster doses after a complete series are encoded e.g. 3/2).
  if (!isValidIsoDate(input.date)) throw new RangeError('La date de vaccination doit être AAAA-MM-JJ.');
  const { mp, ma, vp } = vaccineCoding(input.product);
  return {
    ver: DCC_SCHEMA_VERSION,
    nam: buildName(input),
    dob: buildDob(input.dateOfBirth),
    v: [
      {
        tg: DISEASE_COVID19,
        vp,
        mp,
        ma,
        dn,
        sd,
        dt: input.date,
        co: ISSUER_COUNTRY,
        is: ISSUER_NAME,
        ci: text(input.uvci, 'identifiant (UVCI)'),
      },
    ],
  };
}

export function buildRecoveryDcc(input: RecoveryDccInput): RecoveryDcc {
  for (const [value, what] of [
    [input.firstPositive, 'du premier test positif'],
    [input.validFrom, 'de début de validité'],
    [input.validUntil, 'de fin de validité'],
  ] as const) {
    if (!isValidIsoDate(value)) throw new RangeError(`La date ${what} doit être AAAA-MM-JJ.`);
  }
  if (!(input.firstPositive <= input.validFrom && input.validFrom <= input.validUntil)) {
    throw new RangeError('Les dates du certificat de rétablissement doivent se suivre : test positif, début, fin de validité.');
  }
  return {
    ver: DCC_SCHEMA_VERSION,
    nam: buildName(input),
    dob: buildDob(input.dateOfBirth),
    r: [
      {
        tg: DISEASE_COVID19,
        fr: input.firstPositive,
        co: ISSUER_COUNTRY,
        is: ISSUER_NAME,
        df: input.validFrom,
        du: input.validUntil,
        ci: text(input.uvci, 'identifiant (UVCI)'),
      },
    ],
  };
}
