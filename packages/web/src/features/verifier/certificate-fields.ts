import { displayOf, VALUE_SET_IDS, type ValueSet } from '@prostopcovid/dcc';
import { formatDateTime, formatDay } from '../../data/certificates';

type Entry = Record<string, unknown>;

/** French names of the codes a reader most needs to understand; the rest come from the (English) EU value sets. */
const FRENCH: Record<string, string> = {
  '260373001': 'Positif (SARS-CoV-2 détecté)',
  '260415000': 'Négatif (non détecté)',
  'LP217198-3': 'Test antigénique rapide',
  'LP6464-4': 'Test RT-PCR (amplification des acides nucléiques)',
  '840539006': 'COVID-19',
};

const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '—');

/** The certificate's content for the detailed view: French labels, coded values with their names from the value sets. */
export function certificateFields(dcc: Record<string, unknown>, valueSets: readonly ValueSet[]): Array<[string, string]> {
  const named = (id: string, code: unknown) => {
    const display = (typeof code === 'string' && displayOf(valueSets, id, code) !== undefined && FRENCH[code]) || displayOf(valueSets, id, code);
    return display ? `${display} (${text(code)})` : `${text(code)} (inconnu de la liste de l'UE)`;
  };
  const country = (code: unknown) => named(VALUE_SET_IDS.country, code);
  const common = (entry: Entry): Array<[string, string]> => [
    ['Pays', country(entry.co)],
    ['Émetteur', text(entry.is)],
    ['Identifiant (UVCI)', text(entry.ci)],
  ];
  const [v] = (Array.isArray(dcc.v) ? dcc.v : []) as Entry[];
  const [t] = (Array.isArray(dcc.t) ? dcc.t : []) as Entry[];
  const [r] = (Array.isArray(dcc.r) ? dcc.r : []) as Entry[];
  const rows: Array<[string, string]> = [['Version du schéma', text(dcc.ver)]];
  if (v) {
    rows.push(
      ['Vaccin', named(VALUE_SET_IDS.vaccineProduct, v.mp)],
      ['Fabricant', named(VALUE_SET_IDS.vaccineHolder, v.ma)],
      ['Type de vaccin', named(VALUE_SET_IDS.vaccineProphylaxis, v.vp)],
      ['Dose', `${text(v.dn)} sur ${text(v.sd)}`],
      ['Date de vaccination', formatDay(text(v.dt))],
      ...common(v),
    );
  }
  if (t) {
    rows.push(
      ['Type de test', named(VALUE_SET_IDS.testType, t.tt)],
      ...(t.ma !== undefined ? [['Test', named(VALUE_SET_IDS.testDevice, t.ma)] as [string, string]] : []),
      ...(t.nm !== undefined ? [['Nom du test', text(t.nm)] as [string, string]] : []),
      ['Prélèvement', typeof t.sc === 'string' ? formatDateTime(t.sc) : '—'],
      ['Résultat', named(VALUE_SET_IDS.testResult, t.tr)],
      ['Centre de test', text(t.tc)],
      ...common(t),
    );
  }
  if (r) {
    rows.push(
      ['Premier test positif', formatDay(text(r.fr))],
      ['Valable du', formatDay(text(r.df))],
      ["Valable jusqu'au", formatDay(text(r.du))],
      ...common(r),
    );
  }
  return rows;
}
