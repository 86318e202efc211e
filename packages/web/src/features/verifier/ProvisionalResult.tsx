import type { RefObject } from 'react';
import { formatDateTime, formatDay } from '../../data/certificates';
import type { ProvisionalCheck } from '../../data/provisional';

const testTypes: Record<string, string> = { antigen: 'Test antigénique rapide', 'supervised-self-test': 'Autotest supervisé' };
const results: Record<string, string> = { detected: 'Positif (SARS-CoV-2 détecté)', 'not-detected': 'Négatif (SARS-CoV-2 non détecté)' };
const components: Record<string, string> = { psc: 'Pro Santé Connect', 'tests-portal': 'portail de saisie des tests' };

/** The verdict on a provisional test attestation (PSCV1:…), valid in green, refused in red. */
export function ProvisionalResult({ check, headingRef }: { check: ProvisionalCheck; headingRef: RefObject<HTMLHeadingElement | null> }) {
  const { verdict } = check;
  const valid = verdict.status === 'valid';
  const claims = verdict.claims;
  return (
    <div className="verification" data-testid="provisional-verification">
      <div className={valid ? 'verdict verdict-valid' : 'verdict verdict-invalid'} role="status">
        <h2 ref={headingRef} tabIndex={-1}>
          <span aria-hidden="true">{valid ? '✔ ' : '✖ '}</span>
          {valid ? 'Attestation provisoire valide' : 'Attestation provisoire refusée'}
        </h2>
        <p data-testid="provisional-message">{verdict.message}</p>
      </div>

      {verdict.status === 'valid' && (
        <>
          <p className="alert alert-info">
            Contrôle allégé : ce test a été réalisé pendant une panne déclarée ({components[verdict.incident.component] ?? verdict.incident.component}, depuis le{' '}
            {formatDateTime(verdict.incident.startedAt)}
            {verdict.incident.endedAt ? ` jusqu'au ${formatDateTime(verdict.incident.endedAt)}` : ', toujours en cours'}). L'attestation provisoire est acceptée pendant sa durée de
            validité, à la place du certificat de test.
          </p>
          <dl className="identity" data-testid="provisional-holder">
            <dt>Patient</dt>
            <dd>
              {verdict.claims.patient.givenName} {verdict.claims.patient.familyName}
            </dd>
            <dt>Date de naissance</dt>
            <dd>{formatDay(verdict.claims.patient.birthDate)}</dd>
            <dt>Test</dt>
            <dd>{testTypes[verdict.claims.test.type] ?? verdict.claims.test.type}</dd>
            {verdict.claims.test.device && (
              <>
                <dt>Marque et référence</dt>
                <dd>{verdict.claims.test.device.name}</dd>
              </>
            )}
            <dt>Date et heure du test</dt>
            <dd>{formatDateTime(verdict.claims.test.sampledAt)}</dd>
            <dt>Résultat</dt>
            <dd>{results[verdict.claims.test.result] ?? verdict.claims.test.result}</dd>
            <dt>Valide jusqu'au</dt>
            <dd>{formatDateTime(verdict.validUntil)}</dd>
            <dt>Professionnel</dt>
            <dd>
              {verdict.signer.name}
              {verdict.claims.professional.professionLabel ? `, ${verdict.claims.professional.professionLabel}` : ''} (n° {verdict.signer.idNatPs})
            </dd>
            <dt>Lieu</dt>
            <dd>{verdict.claims.place}</dd>
          </dl>
        </>
      )}

      {verdict.status === 'invalid' && claims && (
        <p className="hint" data-testid="provisional-claims">
          Attestation au nom de {claims.patient.givenName} {claims.patient.familyName}, test du {formatDateTime(claims.test.sampledAt)}, signée pour{' '}
          {claims.professional.name}.
        </p>
      )}

      <p className="hint" data-testid="provisional-mode">
        {check.mode === 'online'
          ? 'Vérifiée en ligne auprès du serveur.'
          : `Vérifiée hors ligne, avec la liste des clés et des pannes enregistrée le ${formatDateTime(check.trustListDate)} : une révocation ou une fin de panne plus récente n'est pas prise en compte.`}
      </p>
    </div>
  );
}
