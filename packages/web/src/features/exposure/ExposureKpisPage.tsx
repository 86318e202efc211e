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

function KpiTables({ kpis }: { kpis: RobertKpis }) {
  const drops = Object.entries(kpis.dropped).filter(([, value]) => value > 0);
  return (
    <div data-testid="exposure-kpis">
      <table>
        <caption>Déclarations et personnes prévenues</caption>
        <tbody>
          <tr>
            <th scope="row">Historiques reçus (déclarations)</th>
            <td>{n(kpis.reportsReceived)}</td>
          </tr>
          <tr>
            <th scope="row">Historiques traités</th>
            <td>{n(kpis.reports)}</td>
          </tr>
          <tr>
            <th scope="row">En attente de traitement</th>
            <td>{n(kpis.queuedReports)}</td>
          </tr>
          <tr>
            <th scope="row">Personnes devenues « à risque » (alertes)</th>
            <td>{n(kpis.alertedUsers)}</td>
          </tr>
          <tr>
            <th scope="row">Personnes prévenues (notification affichée)</th>
            <td>{n(kpis.notifiedUsers)}</td>
          </tr>
          <tr>
            <th scope="row">À risque en ce moment</th>
            <td>{n(kpis.atRiskUsers)}</td>
          </tr>
          <tr>
            <th scope="row">Exposées sans être à risque, en ce moment</th>
            <td>{n(kpis.exposedButNotAtRiskUsers)}</td>
          </tr>
          <tr>
            <th scope="row">Téléphones enregistrés (estimation)</th>
            <td>{n(kpis.registrationsEstimate)}</td>
          </tr>
        </tbody>
      </table>
      <table>
        <caption>Messages Bluetooth (HELLO)</caption>
        <tbody>
          <tr>
            <th scope="row">Reçus dans les historiques</th>
            <td>{n(kpis.hellosReceived)}</td>
          </tr>
          <tr>
            <th scope="row">Vérifiés</th>
            <td>{n(kpis.hellosChecked)}</td>
          </tr>
          <tr>
            <th scope="row">Valides</th>
            <td>{n(kpis.hellosValidated)}</td>
          </tr>
          {drops.length === 0 ? (
            <tr>
              <th scope="row">Écartés</th>
              <td>0</td>
            </tr>
          ) : (
            drops.map(([reason, value]) => (
              <tr key={reason}>
                <th scope="row">Écartés : {dropLabels[reason] ?? reason}</th>
                <td>{n(value)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
