import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { syncAttestationKey } from './data/attestation-key';
import { startOutbox } from './data/outbox';
import { loadMe, readMe } from './data/store';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
// The public pages (StopCovid app, patient portal, verifier) need no professional session.
const PUBLIC_PAGES = ['/app', '/patient', '/verifier', '/connexion-secours'];
const isPublicPage = PUBLIC_PAGES.some((page) => location.pathname === page || location.pathname.startsWith(`${page}/`));
if (!isPublicPage) {
  void loadMe().then(() => {
    // Enrolled while online, so that attestations printed during an outage carry a signed QR code.
    const me = readMe();
    if (me.status === 'signed-in' && !me.offline && me.me.rights.includes('tests:record')) void syncAttestationKey(me.me.idNatPs);
  });
  // Acts saved while the server was unreachable leave as soon as it answers.
  startOutbox();
}
