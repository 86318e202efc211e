import { syncAttestationKey } from './attestation-key';
import { startOutbox } from './outbox';
import { loadMe, readMe } from './store';

let started = false;

/**
 * Starts what the pro portal needs, once per page load and only when a pro page is shown: the
 * public pages (StopCovid app, patient portal, verifier) and the 404 page expect no session.
 */
export function startProSession(): void {
  if (started) return;
  started = true;
  void loadMe().then(() => {
    // Enrolled while online, so that attestations printed during an outage carry a signed QR code.
    const me = readMe();
    if (me.status === 'signed-in' && !me.offline && me.me.rights.includes('tests:record')) void syncAttestationKey(me.me.idNatPs);
  });
  // Acts saved while the server was unreachable leave as soon as it answers.
  startOutbox();
}
