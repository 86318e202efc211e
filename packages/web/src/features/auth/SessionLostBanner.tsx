import { useEffect, useState } from 'react';
import { SESSION_LOST_EVENT } from '../../data/api';

/**
 * Shown above any pro page once a request found the session gone (expired, or signed out in
 * another tab): the page stays as it is — what was typed can still be copied — with the way
 * back in: this page loaded again, which offers the sign-in (Pro Santé Connect, or the second
 * channel during an incident) and comes back here.
 */
export function SessionLostBanner() {
  const [lost, setLost] = useState(false);
  useEffect(() => {
    const onLost = () => setLost(true);
    window.addEventListener(SESSION_LOST_EVENT, onLost);
    return () => window.removeEventListener(SESSION_LOST_EVENT, onLost);
  }, []);
  if (!lost) return null;
  const returnTo = `${location.pathname}${location.search}`;
  return (
    <div className="container">
      <p className="alert alert-warning" role="alert" data-testid="session-lost">
        Votre session a pris fin : vos dernières actions n'ont pas été enregistrées. Copiez si besoin ce que vous avez saisi, puis{' '}
        <a href={returnTo}>reconnectez-vous</a>
        .
      </p>
    </div>
  );
}
