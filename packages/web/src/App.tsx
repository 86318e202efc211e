import { SessionLostBanner } from './features/auth/SessionLostBanner';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { countToCorrect, countWaiting, useOutbox } from './data/outbox';
import { startProSession } from './data/pro-session';
import { useStore, type Me } from './data/store';
import { isOperator } from './data/incidents';
import { startInboxPolling, useInbox } from './data/inbox';
import { FallbackAccountPage } from './features/account/FallbackAccountPage';
import { FallbackSignInPage } from './features/auth/FallbackSignInPage';
import { IncidentBanner, type BannerAudience } from './features/incidents/IncidentBanner';
import { IncidentsPage } from './features/incidents/IncidentsPage';
import { AuthoringPage } from './features/messages/AuthoringPage';
import { FollowUpPage } from './features/messages/FollowUpPage';
import { InboxPage } from './features/messages/InboxPage';
import { PublicMessagesPage } from './features/messages/PublicMessagesPage';
import { UrgentMessageBanner } from './features/messages/UrgentMessageBanner';
import { ExposureKpisPage } from './features/exposure/ExposureKpisPage';
import { OutboxPage } from './features/outbox/OutboxPage';
import { StatisticsPage } from './features/statistics/StatisticsPage';
import { AuditPage } from './features/audit/AuditPage';
import { ApiKeysPage } from './features/operator-keys/ApiKeysPage';
import { SignInPage } from './features/auth/SignInPage';
import { CodesPage } from './features/codes/CodesPage';
import { StopCovidAppPage } from './features/declaration/StopCovidAppPage';
import { HomePage } from './features/home/HomePage';
import { NotFoundPage } from './features/home/NotFoundPage';
import { PatientPortalPage } from './features/patient/PatientPortalPage';
import { TestPage } from './features/tests/TestPage';
import { VaccinationPage } from './features/vaccinations/VaccinationPage';
import { documentTitle, findPageRoute, NOT_FOUND_TITLE, SIGN_IN_TITLE, type PAGE_ROUTES } from './routes';
// The verifier (certificate decoding, rules, QR decoder) is only loaded by its own page; the service
// worker still keeps its files for offline use.
const VerifierPage = lazy(() => import('./features/verifier/VerifierPage').then((module) => ({ default: module.VerifierPage })));

type AnyRoute = (typeof PAGE_ROUTES)[number];
type ProPath = Extract<AnyRoute, { access: 'pro' }>['path'];
type PublicPath = Extract<AnyRoute, { access: 'public' }>['path'];

/** The tab's title: each page names itself, so history, tabs and screen readers tell them apart. */
function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = documentTitle(title);
  }, [title]);
}

/** A link of the menu; the page shown is marked for assistive technologies and visibly. */
function NavLink({ href, children, testId }: { href: ProPath; children: ReactNode; testId?: string }) {
  const [location] = useLocation();
  const current = findPageRoute(location)?.path === href;
  return (
    <Link href={href} aria-current={current ? 'page' : undefined} data-testid={testId}>
      {children}
    </Link>
  );
}

function Header({ title, me }: { title: string; me?: Me }) {
  return (
    <header className="site-header">
      {/* First on the page: a keyboard user skips the menu (up to 14 links) in one step. */}
      <a className="skip-link" href="#contenu">
        Aller au contenu
      </a>
      <div className="container header-row">
        <p className="brand">
          <span className="marianne">République française</span>
          <strong>ProStopCovid</strong> — {title}
        </p>
        {me && (
          <nav aria-label="Menu principal">
            <NavLink href="/">Accueil</NavLink>
            {me.rights.includes('codes:issue') && <NavLink href="/codes">Codes StopCovid</NavLink>}
            {me.rights.includes('tests:record') && <NavLink href="/tests">Tests</NavLink>}
            {me.rights.includes('vaccinations:record') && <NavLink href="/vaccinations">Vaccinations</NavLink>}
            {(me.rights.includes('tests:record') || me.rights.includes('vaccinations:record')) && <OutboxLink />}
            {isOperator(me) && <NavLink href="/incidents">Incidents</NavLink>}
            {isOperator(me) && <NavLink href="/exposition">Exposition</NavLink>}
            <InboxLink />
            {isOperator(me) && <NavLink href="/messages-urgents">Messages urgents (rédaction)</NavLink>}
            {isOperator(me) && <NavLink href="/messages-urgents/suivi">Suivi des messages</NavLink>}
            {isOperator(me) && <NavLink href="/statistiques">Statistiques</NavLink>}
            {isOperator(me) && <NavLink href="/journal">Journal d'audit</NavLink>}
            {isOperator(me) && <NavLink href="/cles-api">Clés d'API</NavLink>}
            <NavLink href="/compte">Accès de secours</NavLink>
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
    <NavLink href="/envois" testId="outbox-link">
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
    </NavLink>
  );
}

/** The urgent messages, with the number unread: visible on every page of the portal. */
function InboxLink() {
  const unread = useInbox((s) => s.unread);
  return (
    <NavLink href="/messages" testId="inbox-link">
      Messages<span className="visually-hidden"> urgents</span>
      {unread > 0 && (
        <>
          <span className="visually-hidden">,</span>{' '}
          <span className="badge badge-unread" data-testid="inbox-unread">
            {unread}
          </span>
          <span className="visually-hidden"> non {unread > 1 ? 'lus' : 'lu'}</span>
        </>
      )}
    </NavLink>
  );
}

/** The pages of the pro portal, by path: a page added to PAGE_ROUTES must be given here. */
const proPages: Record<ProPath, (me: Me, offline: boolean) => ReactNode> = {
  '/': (me, offline) => <HomePage me={me} offline={offline} />,
  '/codes': (me) => <CodesPage me={me} />,
  '/tests': (me) => <TestPage me={me} />,
  '/vaccinations': (me) => <VaccinationPage me={me} />,
  '/envois': (me) => <OutboxPage me={me} />,
  '/incidents': (me) => <IncidentsPage me={me} />,
  '/exposition': (me) => <ExposureKpisPage me={me} />,
  '/messages': (me) => <InboxPage me={me} />,
  '/messages-urgents': (me) => <AuthoringPage me={me} />,
  '/messages-urgents/suivi': (me) => <FollowUpPage me={me} />,
  '/statistiques': (me) => <StatisticsPage me={me} />,
  '/journal': (me) => <AuditPage me={me} />,
  '/cles-api': (me) => <ApiKeysPage me={me} />,
  '/compte': (me) => <FallbackAccountPage me={me} />,
};

/** The pro portal: everything behind a PSC session. One shell for all its pages, kept across them. */
function ProPortal({ route }: { route: Extract<AnyRoute, { access: 'pro' }> }) {
  const me = useStore((s) => s.me);
  // The session is asked for only here: the public pages and the 404 page expect none.
  useEffect(() => startProSession(), []);
  usePageTitle(me.status === 'signed-out' ? SIGN_IN_TITLE : route.title);
  // The urgent messages' counter and banner: asked at page load, then every few minutes (data/inbox.ts).
  const owner = me.status === 'signed-in' ? me.me.idNatPs : null;
  useEffect(() => (owner ? startInboxPolling(owner) : undefined), [owner]);
  return (
    <>
      <Header title="Portail des professionnels de santé" me={me.status === 'signed-in' ? me.me : undefined} />
      <IncidentBanner />
      {me.status === 'signed-in' && <SessionLostBanner />}
      {owner && <UrgentMessageBanner owner={owner} />}
      <main className="container" id="contenu">
        {me.status === 'loading' && (
          <p role="status" aria-live="polite">
            Chargement de votre session…
          </p>
        )}
        {me.status === 'signed-out' && <SignInPage reason={me.reason} />}
        {me.status === 'signed-in' && proPages[route.path](me.me, me.offline)}
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

/** The pages for patients and verifiers (no professional session), by path. */
const publicPages: Record<PublicPath, { header: string; audience: BannerAudience; render: () => ReactNode }> = {
  '/app': { header: 'Application StopCovid (simulation web)', audience: 'patient', render: () => <StopCovidAppPage /> },
  '/patient': { header: 'Portail patient', audience: 'patient', render: () => <PatientPortalPage /> },
  '/connexion-secours': { header: 'Connexion de secours', audience: 'pro', render: () => <FallbackSignInPage /> },
  '/dgs-urgent': { header: 'Messages DGS-Urgent', audience: 'patient', render: () => <PublicMessagesPage /> },
  '/verifier': {
    header: 'Vérification des certificats et attestations provisoires',
    audience: 'verifier',
    render: () => (
      <Suspense
        fallback={
          <p role="status" aria-live="polite">
            Chargement du vérificateur…
          </p>
        }
      >
        <VerifierPage />
      </Suspense>
    ),
  },
};

/** A page for patients and verifiers: no professional session. */
function PublicPage({ route }: { route: Extract<AnyRoute, { access: 'public' }> }) {
  const page = publicPages[route.path];
  usePageTitle(route.title);
  return (
    <>
      <Header title={page.header} />
      <IncidentBanner audience={page.audience} />
      <main className="container" id="contenu">
        {page.render()}
      </main>
    </>
  );
}

/** An address no page has: said so, with the ways in (not the sign-in page). */
function UnknownPage() {
  usePageTitle(NOT_FOUND_TITLE);
  return (
    <>
      <Header title={NOT_FOUND_TITLE} />
      <main className="container" id="contenu">
        <NotFoundPage />
      </main>
    </>
  );
}

/** Pages are matched from the one list of routes, as the server does for its 404 status. */
export function App() {
  const [location] = useLocation();
  const route = findPageRoute(location);
  if (!route) return <UnknownPage />;
  if (route.access === 'public') return <PublicPage key={route.path} route={route} />;
  return <ProPortal route={route} />;
}
