import { useEffect, useState } from 'react';
import { loadExposureKpis, type RobertKpis } from '../../data/exposure-kpis';
import { isOperator } from '../../data/incidents';
import type { Me } from '../../data/store';
import { ErrorAlert } from '../../ui/form-feedback';

type Period = 'today' | '7' | '30' | 'all';
const periodLabels: Record<Period, string> = { today: "Aujourd'hui", '7': '7 derniers jours', '30': '30 derniers jours', all: 'Depuis le début' };

/** YYYY-MM-DD of the Paris calendar day `daysAgo` days before today. */
function parisDay(daysAgo: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(Date.now() - daysAgo * 86_400_000));
}

function periodBounds(period: Period): { from?: string; to?: string } {
  if (period === 'all') return {};
  return { from: parisDay(period === 'today' ? 0 : Number(period) - 1), to: parisDay(0) };
}

const dropLabels: Record<string, string> = {
  outside_window: 'hors de la période de la déclaration',
  country: "identifiant d'un autre pays",
  ebid: 'identifiant indéchiffrable',
  unknown_ida: 'téléphone non (ou plus) enregistré',
  duplicate: 'message en double',
  mac: 'signature invalide',
  time: 'heure du message incohérente (plus de 180 s)',
  epoch: "période d'émission incohérente",
  overrun: 'contact étalé sur plus d’un quart d’heure',
};

const n = (value: number) => value.toLocaleString('fr-FR');

type State = { status: 'loading' } | { status: 'loaded'; kpis: RobertKpis } | { status: 'error'; message: string };

/** For authority operators: what exposure notification did (reports, HELLOs, alerts) over a period. */
export function ExposureKpisPage({ me }: { me: Me }) {
  const [period, setPeriod] = useState<Period>('7');
  const [state, setState] = useState<State>({ status: 'loading' });
  const operator = isOperator(me);

  useEffect(() => {
    if (!operator) return;
    let current = true;
    loadExposureKpis(periodBounds(period)).then(
      (kpis) => current && setState({ status: 'loaded', kpis }),
      (e: unknown) => current && setState({ status: 'error', message: e instanceof Error ? e.message : 'Erreur inconnue' }),
    );
    return () => {
      current = false;
    };
  }, [operator, period]);

  if (!operator) return <ErrorAlert>Cette page est réservée aux opérateurs de l&apos;autorité sanitaire (ARS, DGS).</ErrorAlert>;

  return (
    <section className="card" aria-labelledby="titre-exposition">
      <h1 id="titre-exposition">Notifications d&apos;exposition</h1>
      <p className="hint">
        Ce que le protocole ROBERT a fait : déclarations transmises, messages Bluetooth vérifiés, personnes prévenues. Les compteurs couvrent tous les serveurs.
      </p>
      <label htmlFor="periode">Période</label>{' '}
      <select id="periode" value={period} onChange={(e) => {
          setState({ status: 'loading' });
          setPeriod(e.target.value as Period);
        }}>
        {(Object.keys(periodLabels) as Period[]).map((p) => (
          <option key={p} value={p}>
            {periodLabels[p]}
          </option>
        ))}
      </select>
      {state.status === 'loading' && (
        <p role="status" aria-live="polite">
          Chargement des chiffres…
        </p>
      )}
      {state.status === 'error' && <ErrorAlert>{state.message}</ErrorAlert>}
      {state.status === 'loaded' && <KpiTables kpis={state.kpis} />}
    </section>
  );
}

function KpiTable({ caption, rows }: { caption: string; rows: Array<[string, number]> }) {
  return (
    <table>
      <caption>{caption}</caption>
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{n(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function KpiTables({ kpis }: { kpis: RobertKpis }) {
  const drops = Object.entries(kpis.dropped).filter(([, value]) => value > 0);
  return (
    <div data-testid="exposure-kpis">
      <KpiTable
        caption="Déclarations et personnes prévenues"
        rows={[
          ['Historiques reçus (déclarations)', kpis.reportsReceived],
          ['Historiques traités', kpis.reports],
          ['En attente de traitement', kpis.queuedReports],
          ['Personnes devenues « à risque » (alertes)', kpis.alertedUsers],
          ['Personnes prévenues (notification affichée)', kpis.notifiedUsers],
          ['À risque en ce moment', kpis.atRiskUsers],
          ['Exposées sans être à risque, en ce moment', kpis.exposedButNotAtRiskUsers],
          ['Téléphones enregistrés (estimation)', kpis.registrationsEstimate],
        ]}
      />
      <KpiTable
        caption="Messages Bluetooth (HELLO)"
        rows={[
          ['Reçus dans les historiques', kpis.hellosReceived],
          ['Vérifiés', kpis.hellosChecked],
          ['Valides', kpis.hellosValidated],
          ...(drops.length === 0 ? [['Écartés', 0] as [string, number]] : drops.map(([reason, value]): [string, number] => [`Écartés : ${dropLabels[reason] ?? reason}`, value])),
        ]}
      />
    </div>
  );
}
