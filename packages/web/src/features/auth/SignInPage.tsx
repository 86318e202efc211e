import { noteSignInStarted } from '../../data/store';

export function SignInPage({ reason }: { reason?: string }) {
  const returnTo = location.pathname + location.search;
  return (
    <section className="card narrow" aria-labelledby="titre-connexion">
      <h1 id="titre-connexion">Connexion</h1>
      {reason && (
        <p className="alert alert-info" role="status">
          {reason}
        </p>
      )}
      <p>
        Ce portail est réservé aux professionnels de santé. Connectez-vous avec votre carte CPS ou
        l'application e-CPS.
      </p>
      <a className="button psc-button" href={`/auth/login?returnTo=${encodeURIComponent(returnTo)}`} onClick={noteSignInStarted}>
        Se connecter avec Pro Santé Connect
      </a>
      <p className="hint">
        Pro Santé Connect est le service d'identification électronique des professionnels de santé.
      </p>
      <p className="hint">
        Pro Santé Connect indisponible ? Si vous avez créé un accès de secours,{' '}
        <a href={`/connexion-secours?returnTo=${encodeURIComponent(returnTo)}`}>utilisez la connexion de secours</a>.
      </p>
    </section>
  );
}
