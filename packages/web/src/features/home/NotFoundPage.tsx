import { Link, useLocation } from 'wouter';

/** An address that matches no page: say so, and offer the ways in for each kind of visitor. */
export function NotFoundPage() {
  const [location] = useLocation();
  return (
    <section className="card" aria-labelledby="titre-introuvable" data-testid="not-found">
      <h1 id="titre-introuvable">Page introuvable</h1>
      <p>
        L'adresse <span className="mono">{location}</span> ne correspond à aucune page de ProStopCovid. Vérifiez-la, ou choisissez la page que
        vous cherchiez :
      </p>
      <ul>
        <li>
          <Link href="/">Portail des professionnels de santé</Link>
        </li>
        <li>
          <Link href="/patient">Portail patient : récupérer mon certificat COVID</Link>
        </li>
        <li>
          <Link href="/app">Application StopCovid : me déclarer avec un code</Link>
        </li>
        <li>
          <Link href="/verifier">Vérifier un passe</Link>
        </li>
      </ul>
    </section>
  );
}
