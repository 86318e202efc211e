import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'wouter';
import { ApiError } from '../../data/api';
import { acknowledgeMessage, markRead, openMessage, refreshInbox, useInbox, type InboxEntry, type OpenedMessage } from '../../data/inbox';
import { BROKEN_MESSAGE_LINK, isMessageId } from '../../data/messages';
import type { Me } from '../../data/store';
import { ErrorAlert } from '../../ui/form-feedback';
import { AttachmentList, CorrectedBadge, formatCell, formatDateTime, KindBadge, MessageBody, PriorityBadge } from './message-parts';

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : 'Erreur inconnue');

/** The professional's urgent messages (DGS-Urgent, ARS): the list, or one message with `?message=<id>`. */
export function InboxPage({ me }: { me: Me }) {
  const [params] = useSearchParams();
  const id = params.get('message');
  if (!id) return <InboxList owner={me.idNatPs} />;
  if (!isMessageId(id)) return <BrokenLink />;
  return <InboxMessageView key={id} owner={me.idNatPs} id={id} />;
}

function BackToInbox() {
  return (
    <p className="no-print">
      <Link href="/messages">← Tous les messages urgents</Link>
    </p>
  );
}

/** A link cut by a mail client or mistyped: said so, with the way back to the list. */
function BrokenLink() {
  return (
    <>
      <BackToInbox />
      <h1>Message urgent</h1>
      <ErrorAlert>{BROKEN_MESSAGE_LINK}</ErrorAlert>
    </>
  );
}

/** Where one message stands for this professional. */
function ReceiptState({ entry }: { entry: InboxEntry }) {
  if (entry.readAt === null) return <strong className="inbox-unread">Non lu</strong>;
  if (entry.kind !== 'action') return <span>Lu</span>;
  if (entry.acknowledgedAt) return <span className="inbox-acknowledged">Pris connaissance {formatDateTime(entry.acknowledgedAt)}</span>;
  return <strong className="inbox-to-confirm">Lu, à confirmer</strong>;
}

function InboxList({ owner }: { owner: string }) {
  const inbox = useInbox();
  const [refreshing, setRefreshing] = useState(false);
  const mine = inbox.owner === owner;

  useEffect(() => {
    void refreshInbox(owner);
  }, [owner]);

  async function refresh() {
    setRefreshing(true);
    try {
      await refreshInbox(owner);
    } finally {
      setRefreshing(false);
    }
  }

  return (
    <section className="card" aria-labelledby="titre-messages">
      <div className="header-row">
        <h1 id="titre-messages">Messages urgents</h1>
        <button type="button" className="button secondary" onClick={() => void refresh()} disabled={refreshing}>
          {refreshing ? 'Actualisation…' : 'Actualiser'}
        </button>
      </div>
      <p className="hint">
        Les messages DGS-Urgent et ceux de votre agence régionale de santé qui vous sont adressés. Un message « pour action » demande de confirmer
        que vous en avez pris connaissance.
      </p>
      {mine && inbox.stale && inbox.fetchedAt && (
        <p className="alert alert-warning" role="status" data-testid="inbox-stale">
          Serveur injoignable : dernière version connue de vos messages, reçue {formatDateTime(inbox.fetchedAt)}.
        </p>
      )}
      {mine && <ErrorAlert>{inbox.error}</ErrorAlert>}
      {(!mine || inbox.status === 'loading') && (
        <p role="status" aria-live="polite">
          Chargement des messages…
        </p>
      )}
      {mine && inbox.status === 'unavailable' && !inbox.error && (
        <ErrorAlert>Serveur injoignable : vos messages urgents n'ont pas encore été enregistrés sur cet appareil. Réessayez dans un instant.</ErrorAlert>
      )}
      {mine && inbox.status === 'ready' && inbox.messages.length === 0 && <p data-testid="inbox-empty">Aucun message urgent ne vous est adressé.</p>}
      {mine && inbox.status === 'ready' && inbox.messages.length > 0 && (
        <>
          <p>
            {inbox.unread === 0 ? 'Tous vos messages sont lus.' : inbox.unread === 1 ? '1 message non lu.' : `${inbox.unread} messages non lus.`}
            {inbox.actionsPending > 0 && (
              <> {inbox.actionsPending === 1 ? '1 message pour action attend votre confirmation.' : `${inbox.actionsPending} messages pour action attendent votre confirmation.`}</>
            )}
          </p>
          <ul className="inbox-list" data-testid="inbox-list">
            {inbox.messages.map((entry) => (
              <li key={entry.id} className={entry.readAt === null ? 'inbox-item unread' : 'inbox-item'} data-message-id={entry.id}>
                <p className="inbox-meta">
                  <span className="mono">{entry.reference}</span> · {formatCell(entry.publishedAt)} <KindBadge kind={entry.kind} />
                  <PriorityBadge priority={entry.priority} />
                  {entry.corrected && <CorrectedBadge />}
                </p>
                <h2 className="inbox-title">
                  <Link href={`/messages?message=${encodeURIComponent(entry.id)}`}>{entry.title}</Link>
                </h2>
                <p className="inbox-state">
                  <ReceiptState entry={entry} />
                </p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

type ViewState = { status: 'loading' } | { status: 'loaded'; opened: OpenedMessage } | { status: 'error'; message: string };

function InboxMessageView({ owner, id }: { owner: string; id: string }) {
  const [state, setState] = useState<ViewState>({ status: 'loading' });
  const [acknowledging, setAcknowledging] = useState(false);
  const [ackError, setAckError] = useState<string | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const acknowledgedRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    let current = true;
    openMessage(owner, id).then(
      (opened) => {
        if (!current) return;
        setState({ status: 'loaded', opened });
        // Opened online: read. Offline, the copy kept is shown and nothing is recorded.
        if (!opened.stale && opened.message.readAt === null) {
          markRead(owner, opened).then(
            (read) => current && setState({ status: 'loaded', opened: read }),
            () => undefined,
          );
        }
      },
      (e: unknown) => current && setState({ status: 'error', message: errorMessage(e) }),
    );
    return () => {
      current = false;
    };
  }, [owner, id, reloadKey]);

  async function acknowledge(opened: OpenedMessage) {
    setAcknowledging(true);
    setAckError(null);
    try {
      setState({ status: 'loaded', opened: await acknowledgeMessage(owner, opened) });
      // The button is gone: focus goes to its outcome, once shown, not to the page's body.
      setTimeout(() => acknowledgedRef.current?.focus(), 0);
    } catch (e) {
      setAckError(errorMessage(e));
      // A correction came meanwhile: the new version is shown, to be read before confirming.
      if (e instanceof ApiError && e.code === 'MESSAGES_VERSION_STALE') setReloadKey((k) => k + 1);
    } finally {
      setAcknowledging(false);
    }
  }

  const back = <BackToInbox />;

  if (state.status === 'loading') {
    return (
      <>
        {back}
        <h1>Message urgent</h1>
        <p role="status" aria-live="polite">
          Chargement du message…
        </p>
      </>
    );
  }
  if (state.status === 'error') {
    return (
      <>
        {back}
        <h1>Message urgent</h1>
        <ErrorAlert>{state.message}</ErrorAlert>
      </>
    );
  }
  const { message, stale, fetchedAt } = state.opened;
  return (
    <>
      {back}
      <article className="card message" aria-labelledby="titre-message" data-testid="inbox-message">
        {stale && (
          <p className="alert alert-warning" role="status">
            Serveur injoignable : dernière version connue de ce message, enregistrée sur cet appareil {formatDateTime(fetchedAt)}.
          </p>
        )}
        <p className="message-reference">
          <span className="mono" data-testid="message-reference">
            {message.reference}
          </span>{' '}
          <KindBadge kind={message.kind} />
          <PriorityBadge priority={message.priority} />
          {message.corrected && <CorrectedBadge />}
        </p>
        <h1 id="titre-message">{message.title}</h1>
        <dl className="identity message-facts">
          <dt>Date</dt>
          <dd>{formatCell(message.publishedAt)}</dd>
          <dt>Professions</dt>
          <dd>{message.targets.professions.join(', ')}</dd>
          <dt>Zone</dt>
          <dd>{message.targets.zone.join(', ')}</dd>
          {message.expiresAt && (
            <>
              <dt>En ligne jusqu'au</dt>
              <dd>{formatCell(message.expiresAt)}</dd>
            </>
          )}
        </dl>
        {message.correctionNote && (
          <p className="alert alert-info" data-testid="correction-note">
            <strong>Rectificatif :</strong> {message.correctionNote}
          </p>
        )}
        <MessageBody html={message.bodyHtml} />
        <AttachmentList attachments={message.attachments} headingId="titre-pieces-jointes" />
        {message.kind === 'action' && (
          <div className="message-acknowledge">
            {message.acknowledgedAt ? (
              <p className="alert alert-success action-outcome" role="status" data-testid="acknowledged" ref={acknowledgedRef} tabIndex={-1}>
                Pris connaissance {formatDateTime(message.acknowledgedAt)}.
              </p>
            ) : (
              <>
                <p className="hint">Ce message appelle une action : confirmez que vous en avez pris connaissance.</p>
                <ErrorAlert>{ackError}</ErrorAlert>
                <button type="button" onClick={() => void acknowledge(state.opened)} disabled={acknowledging}>
                  {acknowledging ? 'Enregistrement…' : "J'ai pris connaissance"}
                </button>
              </>
            )}
          </div>
        )}
      </article>
    </>
  );
}
