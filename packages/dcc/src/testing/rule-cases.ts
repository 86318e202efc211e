/**
 * The table of business-rule cases: each certificate kind, with the validation clock just before
 * and just after each threshold of the French rules (docs/domain.md, Verifying a pass). It is data, so the same table
 * runs in Node (rule-cases.test.ts) and in the browser bundle (the verifier e2e test).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface RuleCase {
  name: string;
  dcc: Record<string, unknown>;
  /** Validation clock (ISO 8601). */
  clock: string;
  /** 'valid', or the Identifier of the first rule that must fail. */
  expected: string;
}

const person = { ver: '1.3.0', nam: { fn: 'Müller', fnt: 'MUELLER', gn: 'Anna', gnt: 'ANNA' }, dob: '1980-02-29' };
const common = { tg: '840539006', co: 'DE', is: 'Robert Koch-Institut', ci: 'URN:UVCI:01:DE:TESTRULES/0001#A' };

export const RAT = 'LP217198-3';
export const NAAT = 'LP6464-4';
export const NOT_DETECTED = '260415000';
export const DETECTED = '260373001';
const PANBIO = '1232';
const COMIRNATY = 'EU/1/20/1528';
const JANSSEN = 'EU/1/20/1525';

/** A field given as undefined is left out (a RT-PCR test has no `ma`). */
const defined = (entry: Record<string, unknown>) => Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined));

function test(sc: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...person, t: [defined({ ...common, tt: RAT, ma: PANBIO, sc, tr: NOT_DETECTED, tc: 'Testzentrum Berlin', ...fields })] };
}
function vaccination(dt: string, dn: number, sd: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...person, v: [{ ...common, vp: 'J07BX03', mp: COMIRNATY, ma: 'ORG-100030215', dn, sd, dt, ...fields }] };
}
function recovery(fr: string, df: string, du: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...person, r: [{ ...common, fr, df, du, ...fields }] };
}
const at = (iso: string, offset: number) => new Date(Date.parse(iso) + offset).toISOString();

const SAMPLE = '2026-11-20T09:30:00Z';
const SAMPLE_2021 = '2021-10-01T10:00:00Z';
const VACCINATED = '2026-05-10';
const FIRST_POSITIVE = '2026-06-01';

export const RULE_CASES: readonly RuleCase[] = [
  // Negative tests: 24 h since 29 November 2021, 72 h before.
  { name: 'test négatif, 23 h 59 après le prélèvement', dcc: test(SAMPLE), clock: at(SAMPLE, DAY - MINUTE), expected: 'valid' },
  { name: 'test négatif, 24 h après', dcc: test(SAMPLE), clock: at(SAMPLE, DAY), expected: 'TR-FR-0005' },
  { name: 'test négatif en 2021, 71 h 59 après', dcc: test(SAMPLE_2021), clock: at(SAMPLE_2021, 72 * HOUR - MINUTE), expected: 'valid' },
  { name: 'test négatif en 2021, 72 h après', dcc: test(SAMPLE_2021), clock: at(SAMPLE_2021, 72 * HOUR), expected: 'TR-FR-0005' },
  { name: 'test négatif du 28/11/2021, vérifié le 29/11 à 0 h 30 (règle des 24 h, 11 h 30 après)', dcc: test('2021-11-28T12:00:00Z'), clock: '2021-11-28T23:30:00Z', expected: 'valid' },
  { name: 'test négatif du 28/11/2021, 24 h 30 après (règle des 24 h en vigueur)', dcc: test('2021-11-28T12:00:00Z'), clock: '2021-11-29T12:30:00Z', expected: 'TR-FR-0005' },
  { name: 'test négatif du 27/11/2021, 46 h 59 après, le 28/11 à 23 h 59 (règle des 72 h)', dcc: test('2021-11-27T00:00:00Z'), clock: '2021-11-28T22:59:00Z', expected: 'valid' },
  { name: 'test RT-PCR négatif, 1 h après', dcc: test(SAMPLE, { tt: NAAT, ma: undefined, nm: 'PCR' }), clock: at(SAMPLE, HOUR), expected: 'valid' },
  { name: 'prélèvement dans le futur', dcc: test(SAMPLE), clock: at(SAMPLE, -MINUTE), expected: 'TR-FR-0004' },
  // Positive tests: not a pass, except as recovery from day 11 to day 180.
  { name: 'test positif, le jour même', dcc: test(SAMPLE, { tr: DETECTED }), clock: at(SAMPLE, HOUR), expected: 'TR-FR-0006' },
  { name: 'test positif, 11 jours moins une minute après', dcc: test(SAMPLE, { tr: DETECTED }), clock: at(SAMPLE, 11 * DAY - MINUTE), expected: 'TR-FR-0006' },
  { name: 'test positif, 11 jours après', dcc: test(SAMPLE, { tr: DETECTED }), clock: at(SAMPLE, 11 * DAY), expected: 'valid' },
  { name: 'test positif, 180 jours moins une minute après', dcc: test(SAMPLE, { tr: DETECTED }), clock: at(SAMPLE, 180 * DAY - MINUTE), expected: 'valid' },
  { name: 'test positif, 180 jours après', dcc: test(SAMPLE, { tr: DETECTED }), clock: at(SAMPLE, 180 * DAY), expected: 'TR-FR-0006' },
  // Value sets.
  { name: 'test antigénique hors de la liste de l’UE (ma 9999)', dcc: test(SAMPLE, { ma: '9999' }), clock: at(SAMPLE, HOUR), expected: 'TR-FR-0002' },
  { name: 'type de test inconnu', dcc: test(SAMPLE, { tt: 'LP0000-0' }), clock: at(SAMPLE, HOUR), expected: 'TR-FR-0001' },
  { name: 'résultat inconnu', dcc: test(SAMPLE, { tr: '123456' }), clock: at(SAMPLE, HOUR), expected: 'TR-FR-0003' },
  { name: 'pays hors de la liste de l’UE', dcc: test(SAMPLE, { co: 'XX' }), clock: at(SAMPLE, HOUR), expected: 'GR-FR-0002' },
  { name: 'maladie autre que la COVID-19', dcc: test(SAMPLE, { tg: '123456789' }), clock: at(SAMPLE, HOUR), expected: 'GR-FR-0001' },
  // Vaccination: complete series + 7 days, Janssen 28 days, booster after 7 months.
  { name: 'vaccination 2/2, 7 jours moins une minute après', dcc: vaccination(VACCINATED, 2, 2), clock: at(VACCINATED, 7 * DAY - MINUTE), expected: 'VR-FR-0006' },
  { name: 'vaccination 2/2, 7 jours après', dcc: vaccination(VACCINATED, 2, 2), clock: at(VACCINATED, 7 * DAY), expected: 'valid' },
  { name: 'vaccination 1/2 (schéma incomplet)', dcc: vaccination(VACCINATED, 1, 2), clock: at(VACCINATED, 30 * DAY), expected: 'VR-FR-0004' },
  { name: 'Janssen 1/1, 28 jours moins une minute après', dcc: vaccination(VACCINATED, 1, 1, { mp: JANSSEN, ma: 'ORG-100001417', vp: 'J07BX03' }), clock: at(VACCINATED, 28 * DAY - MINUTE), expected: 'VR-FR-0007' },
  { name: 'Janssen 1/1, 28 jours après', dcc: vaccination(VACCINATED, 1, 1, { mp: JANSSEN, ma: 'ORG-100001417', vp: 'J07BX03' }), clock: at(VACCINATED, 28 * DAY), expected: 'valid' },
  { name: 'vaccination 2/2, 7 mois moins une minute après', dcc: vaccination(VACCINATED, 2, 2), clock: at('2026-12-10', -MINUTE), expected: 'valid' },
  { name: 'vaccination 2/2, 7 mois après (rappel exigé)', dcc: vaccination(VACCINATED, 2, 2), clock: '2026-12-10T00:00:00Z', expected: 'VR-FR-0008' },
  { name: 'rappel 3/3, 8 mois après', dcc: vaccination(VACCINATED, 3, 3), clock: '2027-01-10T12:00:00Z', expected: 'valid' },
  { name: 'rappel 2/1, 8 mois après', dcc: vaccination(VACCINATED, 2, 1), clock: '2027-01-10T12:00:00Z', expected: 'valid' },
  { name: 'vaccination 2/2 du 01/05/2021, le 14/12/2021 (avant la règle du rappel)', dcc: vaccination('2021-05-01', 2, 2), clock: '2021-12-14T22:59:00Z', expected: 'valid' },
  { name: 'vaccination 2/2 du 01/05/2021, le 15/12/2021 (règle du rappel en vigueur)', dcc: vaccination('2021-05-01', 2, 2), clock: '2021-12-14T23:00:00Z', expected: 'VR-FR-0008' },
  { name: 'vaccin hors de la liste de l’UE', dcc: vaccination(VACCINATED, 2, 2, { mp: 'EU/1/99/9999' }), clock: at(VACCINATED, 30 * DAY), expected: 'VR-FR-0001' },
  { name: 'fabricant hors de la liste de l’UE', dcc: vaccination(VACCINATED, 2, 2, { ma: 'ORG-000000000' }), clock: at(VACCINATED, 30 * DAY), expected: 'VR-FR-0002' },
  { name: 'type de vaccin hors de la liste de l’UE', dcc: vaccination(VACCINATED, 2, 2, { vp: 'X00' }), clock: at(VACCINATED, 30 * DAY), expected: 'VR-FR-0003' },
  { name: 'Sputnik V 2/2 (dans la liste de l’UE, sans autorisation de l’UE)', dcc: vaccination(VACCINATED, 2, 2, { mp: 'Sputnik-V', ma: 'Gamaleya-Research-Institute' }), clock: at(VACCINATED, 30 * DAY), expected: 'VR-FR-0009' },
  { name: 'vaccination dans le futur', dcc: vaccination(VACCINATED, 2, 2), clock: at(VACCINATED, -DAY), expected: 'VR-FR-0005' },
  // Recovery: from df (day 11) to du (at most day 180).
  { name: 'rétablissement, la veille de df', dcc: recovery(FIRST_POSITIVE, '2026-06-12', '2026-11-28'), clock: at('2026-06-12', -MINUTE), expected: 'RR-FR-0001' },
  { name: 'rétablissement, le jour de df', dcc: recovery(FIRST_POSITIVE, '2026-06-12', '2026-11-28'), clock: '2026-06-12T00:00:00Z', expected: 'valid' },
  { name: 'rétablissement, fin du jour du', dcc: recovery(FIRST_POSITIVE, '2026-06-12', '2026-11-28'), clock: at('2026-11-29', -MINUTE), expected: 'valid' },
  { name: 'rétablissement, le lendemain de du', dcc: recovery(FIRST_POSITIVE, '2026-06-12', '2026-11-28'), clock: '2026-11-29T00:00:00Z', expected: 'RR-FR-0002' },
  { name: 'rétablissement dont du dépasse 180 jours', dcc: recovery(FIRST_POSITIVE, '2026-06-12', '2026-12-28'), clock: '2026-09-01T12:00:00Z', expected: 'RR-FR-0003' },
  { name: 'rétablissement dont df précède le 11e jour, vérifié le 6e jour', dcc: recovery(FIRST_POSITIVE, '2026-06-03', '2026-11-28'), clock: '2026-06-07T12:00:00Z', expected: 'RR-FR-0003' },
];
