import { lazy, Suspense, type ReactNode } from 'react';
import { Link, Route, Switch } from 'wouter';
import { countToCorrect, countWaiting, useOutbox } from './data/outbox';
import { useStore, type Me } from './data/store';
import { isOperator } from './data/incidents';
import { FallbackAccountPage } from './features/account/FallbackAccountPage';
import { FallbackSignInPage } from './features/auth/FallbackSignInPage';
import { IncidentBanner, type BannerAudience } from './features/incidents/IncidentBanner';
import { IncidentsPage } from './features/incidents/IncidentsPage';
import { OutboxPage } from './features/outbox/OutboxPage';
import { SignInPage } from './features/auth/SignInPage';
import { CodesPage } from './features/codes/CodesPage';
import { DeclarationPage } from './features/declaration/DeclarationPage';
import { HomePage } from './features/home/HomePage';
import { PatientPortalPage } from './features/patient/PatientPortalPage';
import { TestPage } from './features/tests/TestPage';
import { VaccinationPage } from './features/vaccinations/VaccinationPage';
// The verifier (certificate decoding, rules, QR decoder) is only loaded by its own page; the service
// worker still keeps its files for offline use.
const VerifierPage = lazy(() => import('./features/verifier/VerifierPage').then((module) => ({ default: module.VerifierPage })));

function Header({ title, me }: { title: string; me?: Me }) {
  return (
    <header className="site-header">
      <div className="container header-row">
        <p className="brand">
          <span className="marianne">République française</span>
          <strong>ProStopCovid</strong> — {title}
        </p>
        {me && (
          <nav aria-label="Menu principal">
            <Link href="/">Accueil</Link>
            {me.rights.includes('codes:issue') && <Link href="/codes">Codes StopCovid</Link>}
            {me.rights.includes('tests:record') && <Link href="/tests">Tests</Link>}
            {me.rights.includes('vaccinations:record') && <Link href="/vaccinations">Vaccinations</Link>}
            {(me.rights.includes('tests:record') || me.rights.includes('vaccinations:record')) && <OutboxLink />}
            {isOperator(me) && <Link href="/incidents">Incidents</Link>}
            <Link href="/compte">Accès de secours</Link>
          </nav>
        )}
      </div>
    </header>
  );
}

/** How many acts wait on this device: visible on every page of the portal. */
function OutboxLink() {
  const waiting = useOutbox((s) => countWaiting(s.entries));
  const toCorrect = useOutbox((s) => countToCorrect(s.entries));
  return (
    <Link href="/envois" data-testid="outbox-link">
      Envois
      {waiting > 0 && (
        <span className="badge badge-waiting" data-testid="outbox-waiting" title="Actes en attente d'envoi">
          {waiting} en attente
        </span>
      )}
      {toCorrect > 0 && (
        <span className="badge badge-error" title="Actes refusés à corriger">
          {toCorrect} à corriger
        </span>
      )}
    </Link>
  );
}

/** The pro portal: everything behind a PSC session. */
function ProPortal() {
  const me = useStore((s) => s.me);
  return (
    <>
      <Header title="Portail des professionnels de santé" me={me.status === 'signed-in' ? me.me : undefined} />
      <IncidentBanner />
      <main className="container" id="contenu">
        {me.status === 'loading' && (
          <p role="status" aria-live="polite">
            Chargement de votre session…
          </p>
        )}
        {me.status === 'signed-out' && <SignInPage reason={me.reason} />}
        {me.status === 'signed-in' && (
          <Switch>
            <Route path="/codes">
              <CodesPage me={me.me} />
            </Route>
            <Route path="/tests">
              <TestPage me={me.me} />
            </Route>
            <Route path="/vaccinations">
              <VaccinationPage me={me.me} />
            </Route>
            <Route path="/envois">
              <OutboxPage me={me.me} />
            </Route>
            <Route path="/incidents">
              <IncidentsPage me={me.me} />
            </Route>
            <Route path="/compte">
              <FallbackAccountPage me={me.me} />
            </Route>
            <Route>
              <HomePage me={me.me} offline={me.offline} />
            </Route>
          </Switch>
        )}
        {me.status === 'error' && (
          <div className="alert alert-error" role="alert">
            <p>{me.message}</p>
            <button type="button" onClick={() => location.reload()}>
              Réessayer
            </button>
          </div>
        )}
      </main>
    </>
  );
}

/** A page for patients and verifiers: no professional session. */
function PublicPage({ title, audience = 'patient', children }: { title: string; audience?: BannerAudience; children: ReactNode }) {
  return (
    <>
      <Header title={title} />
      <IncidentBanner audience={audience} />
      <main className="container" id="contenu">
        {children}
      </main>
    </>
  );
}

export function App() {
  return (
    <Switch>
      <Route path="/app">
        <PublicPage title="Application StopCovid (simulation web)">
          <DeclarationPage />
        </PublicPage>
      </Route>
      <Route path="/patient">
        <PublicPage title="Portail patient">
          <PatientPortalPage />
        </PublicPage>
      </Route>
      <Route path="/connexion-secours">
        <PublicPage title="Connexion de secours" audience="pro">
          <FallbackSignInPage />
        </PublicPage>
      </Route>
      <Route path="/verifier">
        <PublicPage title="Vérification des certificats et attestations provisoires" audience="verifier">
          <Suspense
            fallback={
              <p role="status" aria-live="polite">
                Chargement du vérificateur…
              </p>
            }
          >
            <VerifierPage />
          </Suspense>
        </PublicPage>
      </Route>
      <Route>
        <ProPortal />
      </Route>
    </Switch>
  );
}
