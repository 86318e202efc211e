import { useEffect, useState } from 'react';
import { notEndedAt, refreshCurrentIncidents, useCurrentIncidents, type Incident } from '../../data/incidents';
import { RELAXING_COMPONENTS } from '../../data/provisional-offer';

const REFRESH_MS = 60_000;

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return `le ${d.toLocaleDateString('fr-FR')} à ${d.toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' })}`;
}

export type BannerAudience = 'pro' | 'patient' | 'verifier';

/** What a professional does during each incident: hand over a document, keep a duplicate, sign in otherwise. */
function ProConsequences({ incident }: { incident: Incident }) {
  const hours = incident.testAttestationHours;
  switch (incident.component) {
    case 'psc':
      return (
        <>
          {' '}
          Les sessions déjà ouvertes restent valides. Nouvelle connexion : utilisez la connexion de secours si vous y êtes inscrit(e). Attestations
          provisoires de test : valables {hours} heures après le prélèvement.
        </>
      );
    case 'tests-portal':
      return <> Remettez une attestation provisoire de test, valable {hours} heures après le prélèvement, et conservez un double pour la saisie a posteriori.</>;
    case 'vaccination-portal':
      return <> Remettez une note d'information (numéro de lot et date, ce n'est pas une attestation de vaccination) et conservez un double pour la saisie a posteriori.</>;
  }
}

/**
 * The public pages' banner: one short text for the reader of that page (a patient, a
 * verifier), never the professionals' instructions nor the operator's message (written for
 * them); a few lines on a phone, above the page the visitor came for.
 */
function PublicSummary({ open, audience }: { open: Incident[]; audience: 'patient' | 'verifier' }) {
  const tests = open.filter((incident) => RELAXING_COMPONENTS.test.includes(incident.component)).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  const vaccinations = open.some((incident) => RELAXING_COMPONENTS.vaccination.includes(incident.component));
  if (audience === 'verifier') {
    return (
      <>
        <strong>Service perturbé</strong>
        {tests.length > 0 ? ', contrôle allégé : ' : ' : '}
        {tests.map((incident, index) => (
          <span key={incident.id}>
            {index > 0 && ' ; '}
            attestation provisoire acceptée {incident.testAttestationHours} h après un test fait depuis {formatDateTime(incident.startedAt)}
          </span>
        ))}
        {tests.length > 0 && '.'}
        {vaccinations && <> Note d'information de vaccination : non contrôlable.</>}
      </>
    );
  }
  const delayed = tests.length > 0 && vaccinations ? 'de test et de vaccination' : tests.length > 0 ? 'de test' : 'de vaccination';
  return (
    <>
      <strong>Service perturbé</strong> : vos certificats {delayed} seront disponibles plus tard.
      {tests[0] && <> L'attestation provisoire de test remise est valable {tests[0].testAttestationHours} h après le prélèvement.</>}
      {!tests[0] && <> La note d'information remise n'est pas un certificat.</>}
    </>
  );
}

/**
 * The banner of open incidents (docs/domain.md, Continuity), for the pro portal and the patient pages.
 * Nothing when all is well; the last known list, flagged, when the server cannot be reached.
 */
export function IncidentBanner({ audience = 'pro' }: { audience?: BannerAudience }) {
  const { incidents, fetchedAt, stale } = useCurrentIncidents();
  // Ticks with the refresh, so that a planned end passing hides the incident.
  const [, setTick] = useState(0);

  useEffect(() => {
    const refresh = () => {
      setTick((tick) => tick + 1);
      void refreshCurrentIncidents();
    };
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    window.addEventListener('online', refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener('online', refresh);
    };
  }, []);

  // Read at each render: the list changes as soon as an incident is declared or closed.
  const open = notEndedAt(incidents, new Date());
  const staleNote = stale && fetchedAt && <span className="hint"> — serveur injoignable, informations connues {formatDateTime(fetchedAt)}</span>;
  // role="status" stays in the page so that a new incident is announced when it appears.
  if (audience !== 'pro') {
    return (
      <div role="status" aria-live="polite" className={open.length ? 'incident-banner compact' : undefined} data-testid="incident-banner">
        {open.length > 0 && (
          <div className="container">
            <p className="incident-title">
              <PublicSummary open={open} audience={audience} />
              {staleNote}
            </p>
          </div>
        )}
      </div>
    );
  }
  return (
    <div role="status" aria-live="polite" className={open.length ? 'incident-banner' : undefined} data-testid="incident-banner">
      {open.length > 0 && (
        <div className="container">
          <p className="incident-title">
            <strong>{open.length === 1 ? 'Incident en cours' : `${open.length} incidents en cours`}</strong>
            {staleNote}
          </p>
          <ul>
            {open.map((incident) => (
              <li key={incident.id}>
                <strong>{incident.componentLabel} indisponible</strong> depuis {formatDateTime(incident.startedAt)}
                {incident.endedAt && <> (fin prévue {formatDateTime(incident.endedAt)})</>}.
                <ProConsequences incident={incident} />
                {incident.message && <span className="incident-message"> {incident.message}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
