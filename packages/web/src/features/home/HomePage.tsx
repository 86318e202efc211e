import type { FormEvent } from 'react';
import { Link } from 'wouter';
import { getCsrfToken } from '../../data/api';
import { forgetMe, type Me, type Right } from '../../data/store';

/** The rights a profession gives (the operator right is the authorities', not listed here). */
type ProfessionRight = Exclude<Right, 'operator'>;

const rightLabels: Record<ProfessionRight, string> = {
  'codes:issue': 'Générer un code StopCovid pour un patient diagnostiqué',
  'tests:record': 'Enregistrer un test antigénique ou un autotest supervisé',
  'vaccinations:record': 'Enregistrer une vaccination',
};

const rightPages: Partial<Record<ProfessionRight, string>> = { 'codes:issue': '/codes', 'tests:record': '/tests', 'vaccinations:record': '/vaccinations' };

const meansLabels: Record<string, string> = {
  CARTE_CPS: 'carte CPS',
  MOBILE: 'e-CPS (application mobile)',
  'fallback-totp': 'connexion de secours (mot de passe et code à 6 chiffres)',
};

function formatTime(iso: string): string {
  return new Date(iso).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short' });
}

/** Forgets the cached identity before the browser leaves for PSC's logout (not racing it). */
function signOut(event: FormEvent<HTMLFormElement>) {
  event.preventDefault();
  const form = event.currentTarget;
  void forgetMe().finally(() => form.submit());
}

export function HomePage({ me, offline }: { me: Me; offline: boolean }) {
  const allRights = Object.keys(rightLabels) as ProfessionRight[];
  return (
    <>
      {offline && (
        <p className="alert alert-warning" role="status">
          Serveur injoignable : les informations affichées sont les dernières connues.
        </p>
      )}
      <section className="card" aria-labelledby="titre-accueil">
        <h1 id="titre-accueil">
          Bonjour {me.givenName} {me.familyName}
        </h1>
        <dl className="identity">
          <dt>Identifiant national (IdNat_PS)</dt>
          <dd data-testid="id-nat-ps">{me.idNatPs}</dd>
          <dt>{me.professions.length > 1 ? 'Professions' : 'Profession'}</dt>
          <dd data-testid="professions">
            {me.professions.length === 0 ? 'Aucune profession transmise' : me.professions.map((p) => p.label).join(', ')}
          </dd>
          <dt>Connexion</dt>
          <dd>
            {me.session.authMeans ? `par ${meansLabels[me.session.authMeans] ?? me.session.authMeans}` : 'Pro Santé Connect'}, session
            valable jusqu'à {formatTime(me.session.absoluteExpiresAt)}
          </dd>
        </dl>
        <form method="post" action="/auth/logout" onSubmit={signOut}>
          <input type="hidden" name="_csrf" value={getCsrfToken() ?? ''} />
          <button type="submit" className="button secondary">
            Se déconnecter
          </button>
        </form>
      </section>
      <section className="card" aria-labelledby="titre-droits">
        <h2 id="titre-droits">Ce que vous pouvez faire</h2>
        <ul className="rights" data-testid="rights">
          {allRights.map((right) => {
            const allowed = me.rights.includes(right);
            const page = allowed ? rightPages[right] : undefined;
            return (
              <li key={right} className={allowed ? 'allowed' : 'denied'} data-right={right} data-allowed={allowed}>
                <span aria-hidden="true">{allowed ? '✔' : '✖'}</span>{' '}
                {page ? <Link href={page}>{rightLabels[right]}</Link> : rightLabels[right]}
                {!allowed && <span className="hint"> — non autorisé pour votre profession</span>}
              </li>
            );
          })}
        </ul>
      </section>
    </>
  );
}
