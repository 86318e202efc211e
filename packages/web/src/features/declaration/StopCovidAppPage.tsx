import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { RISK_LEVEL } from '@prostopcovid/contracts/robert';
import { dateOfNtp, Phone, RobertApiError, toBase64 } from '@prostopcovid/phone';
import {
  BLUETOOTH_CHANNEL,
  forgetPhone,
  heardSummary,
  hearMessage,
  HELLO_PERIOD_SECONDS,
  isBluetoothMessage,
  loadPhone,
  nowNtp,
  replayHellos,
  robertApi,
  savePhone,
} from '../../data/phone';
import { ErrorAlert } from '../../ui/form-feedback';
import { DeclarationPage } from './DeclarationPage';

const MEETING_MINUTES = 20;
const STATUS_CHECK_EVERY_MS = 60_000;

const parisDay = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'long' });
const parisDateTime = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });

function failureMessage(error: unknown): string {
  if (error instanceof RobertApiError) {
    const retry = error.info.retryAfterSeconds;
    return retry === undefined ? error.message : `${error.message} (nouvel essai possible dans ${Math.ceil(retry / 60)} min)`;
  }
  return error instanceof Error ? error.message : 'Erreur inconnue';
}

/**
 * The StopCovid app as a web page: this tab is a phone (ROBERT registration, HELLOs, status),
 * other tabs of the browser are phones nearby (HELLOs through a BroadcastChannel), and the
 * declaration with a professional's code sends what this phone heard.
 */
export function StopCovidAppPage() {
  const [phone, setPhone] = useState<Phone | null>(loadPhone);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [busy, setBusy] = useState<'register' | 'status' | 'meet' | 'delete' | 'unregister' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const channel = useRef<BroadcastChannel | null>(null);
  const saveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const changed = useCallback((p: Phone) => {
    savePhone(p);
    rerender();
  }, []);

  async function run(kind: NonNullable<typeof busy>, action: () => Promise<void>) {
    setBusy(kind);
    setError(null);
    setNotice(null);
    try {
      await action();
    } catch (e) {
      setError(failureMessage(e));
    } finally {
      setBusy(null);
    }
  }

  const checkStatus = useCallback(async (p: Phone) => {
    await p.checkStatus(robertApi(), nowNtp());
    changed(p);
  }, [changed]);

  // Simulated Bluetooth: hear the other tabs, answer their replay requests, broadcast every 10 s.
  useEffect(() => {
    if (!phone) return;
    const bluetooth = new BroadcastChannel(BLUETOOTH_CHANNEL);
    channel.current = bluetooth;
    bluetooth.onmessage = (event: MessageEvent<unknown>) => {
      const message = event.data;
      if (!isBluetoothMessage(message)) return;
      if (message.type === 'meet') {
        void replayHellos(phone, message.minutes).then((hellos) => hellos.forEach((hello) => bluetooth.postMessage(hello)));
        return;
      }
      if (!hearMessage(phone, message)) return;
      clearTimeout(saveTimer.current);
      saveTimer.current = setTimeout(() => changed(phone), 200);
    };
    const beacon = setInterval(() => {
      const at = nowNtp();
      void phone.hello(at).then((hello) => hello && bluetooth.postMessage({ type: 'hello', hello: toBase64(hello), at }));
    }, HELLO_PERIOD_SECONDS * 1000);
    return () => {
      clearInterval(beacon);
      clearTimeout(saveTimer.current);
      bluetooth.close();
      channel.current = null;
    };
  }, [phone, changed]);

  // Status on the app's own schedule (about once a day), checked while the page is open.
  useEffect(() => {
    if (!phone) return;
    const check = () => {
      phone.prune(nowNtp());
      if (phone.isStatusDue(nowNtp())) checkStatus(phone).catch((e: unknown) => setError(failureMessage(e)));
    };
    check();
    const timer = setInterval(check, STATUS_CHECK_EVERY_MS);
    return () => clearInterval(timer);
  }, [phone, checkStatus]);

  const activate = () =>
    run('register', async () => {
      const registered = await Phone.register(robertApi(), nowNtp());
      savePhone(registered);
      setPhone(registered);
    });

  const meet = () =>
    run('meet', async () => {
      if (!phone || !channel.current) return;
      const before = phone.state.heard.length;
      channel.current.postMessage({ type: 'meet', minutes: MEETING_MINUTES });
      for (const hello of await replayHellos(phone, MEETING_MINUTES)) channel.current.postMessage(hello);
      // The other tabs answer within a moment.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      changed(phone);
      const heard = phone.state.heard.length - before;
      setNotice(
        heard > 0
          ? `Rencontre simulée : ${heard} message(s) Bluetooth entendu(s) des autres onglets pendant les ${MEETING_MINUTES} dernières minutes.`
          : "Aucun autre téléphone n'a répondu : ouvrez cette page dans un autre onglet et activez-y StopCovid.",
      );
    });

  const deleteHistory = () =>
    run('delete', async () => {
      if (!phone) return;
      await phone.deleteExposureHistory(robertApi(), nowNtp());
      phone.state.heard = [];
      changed(phone);
      setNotice("Votre historique d'exposition est effacé, sur le serveur et sur ce téléphone.");
    });

  const unregister = () =>
    run('unregister', async () => {
      if (!phone) return;
      await phone.unregister(robertApi(), nowNtp());
      forgetPhone();
      setPhone(null);
      setNotice('StopCovid est désactivé : votre enregistrement est supprimé du serveur.');
    });

  const status = phone?.state.status;
  const exposed = status !== undefined && status.riskLevel >= RISK_LEVEL.high;
  const summary = phone ? heardSummary(phone) : undefined;
  const lastTuple = phone?.state.tuples.at(-1);

  return (
    <div>
      <section className="card narrow" aria-labelledby="titre-app">
        <h1 id="titre-app">Application StopCovid</h1>
        <p className="hint">Chaque onglet de cette page simule un téléphone. Ouvrez-la dans deux onglets pour essayer toute la chaîne.</p>
        {!phone ? (
          <>
            <p>StopCovid n&apos;est pas activé sur ce téléphone.</p>
            <button type="button" onClick={() => void activate()} disabled={busy !== null}>
              {busy === 'register' ? 'Activation…' : 'Activer StopCovid'}
            </button>
          </>
        ) : (
          <p data-testid="phone-state">
            StopCovid est activé.
            {lastTuple && <> Identifiants Bluetooth valables jusqu&apos;au {parisDateTime.format(dateOfNtp(phone.state.timeStart + (lastTuple.epochId + 1) * 900))}.</>}{' '}
            {summary!.hellos} message(s) Bluetooth entendu(s) ces 14 derniers jours ({summary!.devices} identifiant(s)).
          </p>
        )}
        <ErrorAlert>{error}</ErrorAlert>
        {notice && (
          <p className="alert alert-info" role="status">
            {notice}
          </p>
        )}
      </section>

      {phone && status && (
        <section className="card narrow" aria-labelledby="titre-exposition">
          <h2 id="titre-exposition">Mon exposition</h2>
          {status.checkedAt === undefined ? (
            <p data-testid="exposure">Pas encore vérifiée.</p>
          ) : exposed ? (
            <div className="alert alert-warning" data-testid="exposure" role="status">
              <p>
                <strong>Vous avez été exposé(e) au COVID-19.</strong> Vous avez été en contact rapproché avec une personne testée positive
                {status.lastContactDate !== undefined && <>, vers le {parisDay.format(dateOfNtp(status.lastContactDate))}</>}.
              </p>
              <ul>
                <li>Isolez-vous dès maintenant et limitez vos contacts.</li>
                <li>Faites un test de dépistage (antigénique ou RT-PCR) sans attendre, et un second 7 jours après le dernier contact.</li>
                <li>Portez un masque, respectez les gestes barrières et prévenez votre médecin traitant.</li>
                <li>En cas de difficultés à respirer, appelez le 15.</li>
              </ul>
            </div>
          ) : (
            <p className="alert alert-success" data-testid="exposure" role="status">
              <strong>Aucun contact à risque</strong> à ce jour.
            </p>
          )}
          {status.checkedAt !== undefined && <p className="hint">Dernière vérification : {parisDateTime.format(dateOfNtp(status.checkedAt))}.</p>}
          <button type="button" onClick={() => void run('status', () => checkStatus(phone))} disabled={busy !== null}>
            {busy === 'status' ? 'Vérification…' : 'Vérifier maintenant'}
          </button>
        </section>
      )}

      {phone && (
        <section className="card narrow" aria-labelledby="titre-rencontres">
          <h2 id="titre-rencontres">Rencontres (démonstration)</h2>
          <p className="hint">
            Les onglets ouverts de ce navigateur s&apos;entendent comme des téléphones proches (moins d&apos;un mètre) : chacun diffuse un message toutes les{' '}
            {HELLO_PERIOD_SECONDS} secondes. Pour ne pas attendre, simulez les {MEETING_MINUTES} dernières minutes passées ensemble.
          </p>
          <button type="button" onClick={() => void meet()} disabled={busy !== null}>
            {busy === 'meet' ? 'Rencontre en cours…' : `Simuler ${MEETING_MINUTES} minutes passées ensemble`}
          </button>
        </section>
      )}

      <DeclarationPage phone={phone} onReported={() => phone && changed(phone)} />

      {phone && (
        <section className="card narrow" aria-labelledby="titre-donnees">
          <h2 id="titre-donnees">Mes données</h2>
          <div className="actions">
            <button type="button" className="button secondary" onClick={() => void deleteHistory()} disabled={busy !== null}>
              {busy === 'delete' ? 'Effacement…' : "Effacer mon historique d'exposition"}
            </button>
            <button type="button" className="button secondary" onClick={() => void unregister()} disabled={busy !== null}>
              {busy === 'unregister' ? 'Désactivation…' : 'Désactiver StopCovid'}
            </button>
          </div>
        </section>
      )}
    </div>
  );
}
