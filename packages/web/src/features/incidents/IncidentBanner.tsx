import { useEffect, useState } from 'react';
import { notEndedAt, refreshCurrentIncidents, useCurrentIncidents, type Incident } from '../../data/incidents';

const REFRESH_MS = 60_000;

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return `le ${d.toLocaleDateString('fr-FR')} à ${d.toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' })}`;
}

export type BannerAudience = 'pro' | 'patient' | 'verifier';

function Consequences({ incident, audience }: { incident: Incident; audience: BannerAudience }) {
  const hours = incident.testAttestationHours;
  if (audience === 'verifier') {
    if (incident.component === 'vaccination-portal') return <> Les notes d'information de vaccination ne sont pas des attestations : elles ne sont pas contrôlables.</>;
    return <> Contrôle allégé : une attestation provisoire de test faite pendant l'incident est acceptée {hours} heures après le prélèvement.</>;
  }
  if (audience === 'patient') {
    if (incident.component === 'vaccination-portal') {
      return <> Le professionnel vous remet une note d'information ; votre certificat de vaccination sera disponible après la saisie de l'acte.</>;
    }
    return <> Une attestation provisoire de test remise pendant l'incident est valable {hours} heures après le prélèvement ; votre certificat sera disponible plus tard.</>;
  }
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
 * The banner of open incidents (DOMAIN.md §4), for the pro portal and the patient pages.
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
  // role="status" stays in the page so that a new incident is announced when it appears.
  return (
    <div role="status" aria-live="polite" className={open.length ? 'incident-banner' : undefined} data-testid="incident-banner">
      {open.length > 0 && (
        <div className="container">
          <p className="incident-title">
            <strong>{open.length === 1 ? 'Incident en cours' : `${open.length} incidents en cours`}</strong>
            {stale && fetchedAt && <span className="hint"> — serveur injoignable, informations connues {formatDateTime(fetchedAt)}</span>}
          </p>
          <ul>
            {open.map((incident) => (
              <li key={incident.id}>
                <strong>{incident.componentLabel} indisponible</strong> depuis {formatDateTime(incident.startedAt)}
                {incident.endedAt && <> (fin prévue {formatDateTime(incident.endedAt)})</>}.
                <Consequences incident={incident} audience={audience} />
                {incident.message && <span className="incident-message"> {incident.message}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
