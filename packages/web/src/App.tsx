import { useStore } from './data/store';
import { SignInPage } from './features/auth/SignInPage';
import { HomePage } from './features/home/HomePage';

export function App() {
  const me = useStore((s) => s.me);
  return (
    <>
      <header className="site-header">
        <div className="container">
          <p className="brand">
            <span className="marianne">République française</span>
            <strong>ProStopCovid</strong> — Portail des professionnels de santé
          </p>
        </div>
      </header>
      <main className="container" id="contenu">
        {me.status === 'loading' && (
          <p role="status" aria-live="polite">
            Chargement de votre session…
          </p>
        )}
        {me.status === 'signed-out' && <SignInPage reason={me.reason} />}
        {me.status === 'signed-in' && <HomePage me={me.me} offline={me.offline} />}
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
