import { useEffect, useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'wouter';
import { ATOM_FEED_PATH, listPublicMessages, loadPublicMessage, type PublicMessage, type WithdrawnMessage } from '../../data/messages';
import { ErrorAlert } from '../../ui/form-feedback';
import { AttachmentList, CorrectedBadge, formatCell, formatDateTime, KindBadge, MessageBody, PriorityBadge } from './message-parts';

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : 'Erreur inconnue');

type State<T> = { status: 'loading' } | { status: 'loaded'; value: T } | { status: 'error'; message: string };

function useLoaded<T>(load: () => Promise<T>, key: string): State<T> {
  const [state, setState] = useState<{ key: string; state: State<T> }>({ key, state: { status: 'loading' } });
  useEffect(() => {
    let current = true;
    load().then(
      (value) => current && setState({ key, state: { status: 'loaded', value } }),
      (e: unknown) => current && setState({ key, state: { status: 'error', message: errorMessage(e) } }),
    );
    return () => {
      current = false;
    };
    // The loader is the one for `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state.key === key ? state.state : { status: 'loading' };
}

/** The published urgent messages, for everyone (as the ministry publishes every DGS-Urgent); `?message=<id>` shows one. */
export function PublicMessagesPage() {
  const [params] = useSearchParams();
  const id = params.get('message');
  return (
    <>
      {/* React places it in the document's head: browsers and feed readers find the feed. */}
      <link rel="alternate" type="application/atom+xml" title="Messages DGS-Urgent" href={ATOM_FEED_PATH} />
      {id ? <OnePublicMessage id={id} /> : <PublicList />}
    </>
  );
}

function FeedLink() {
  return (
    <p className="hint">
      <a href={ATOM_FEED_PATH} type="application/atom+xml">
        S'abonner au flux Atom des messages DGS-Urgent
      </a>
    </p>
  );
}

function PublicList() {
  const state = useLoaded(listPublicMessages, 'list');
  return (
    <section className="card" aria-labelledby="titre-dgs-urgent">
      <h1 id="titre-dgs-urgent">Messages DGS-Urgent</h1>
      <p>
        Les messages d'alerte sanitaire adressés aux professionnels de santé par la Direction générale de la santé et les agences régionales de santé.
        Les professionnels concernés les reçoivent aussi par courriel et dans leur portail.
      </p>
      <FeedLink />
      {state.status === 'loading' && (
        <p role="status" aria-live="polite">
          Chargement des messages…
        </p>
      )}
      {state.status === 'error' && <ErrorAlert>{state.message}</ErrorAlert>}
      {state.status === 'loaded' && state.value.length === 0 && <p data-testid="public-empty">Aucun message publié pour l'instant.</p>}
      {state.status === 'loaded' && state.value.length > 0 && (
        <ul className="inbox-list" data-testid="public-list">
          {state.value.map((message) => (
            <li key={message.id} className="inbox-item">
              <p className="inbox-meta">
                <span className="mono">{message.reference}</span> · {formatCell(message.publishedAt)} <KindBadge kind={message.kind} />
                <PriorityBadge priority={message.priority} />
                {message.correctionNote && <CorrectedBadge />}
              </p>
              <h2 className="inbox-title">
                <Link href={`/dgs-urgent?message=${encodeURIComponent(message.id)}`}>{message.title}</Link>
              </h2>
              <p className="hint">
                {message.targets.professions.join(', ')} · {message.targets.zone.join(', ')}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** What the address of a withdrawn message shows: that it no longer applies, since when and why. */
function WithdrawnTrace({ trace, back }: { trace: WithdrawnMessage; back: ReactNode }) {
  return (
    <>
      {back}
      <section className="card" aria-labelledby="titre-message-retire" data-testid="public-message-withdrawn">
        <h1 id="titre-message-retire">{trace.reference ? `${trace.reference} : message retiré` : 'Message retiré'}</h1>
        <p role="status">
          Ce message a été retiré par son auteur{trace.withdrawnAt ? ` ${formatDateTime(trace.withdrawnAt)}` : ''} : il ne s’applique plus.
        </p>
        {trace.reason && (
          <p>
            <strong>Motif :</strong> {trace.reason}
          </p>
        )}
      </section>
    </>
  );
}

function OnePublicMessage({ id }: { id: string }) {
  const state = useLoaded(() => loadPublicMessage(id), id);
  const back = (
    <p className="no-print">
      <Link href="/dgs-urgent">← Tous les messages DGS-Urgent</Link>
    </p>
  );
  if (state.status !== 'loaded') {
    return (
      <>
        {back}
        <h1>Message DGS-Urgent</h1>
        {state.status === 'loading' ? (
          <p role="status" aria-live="polite">
            Chargement du message…
          </p>
        ) : (
          <ErrorAlert>{state.message}</ErrorAlert>
        )}
      </>
    );
  }
  if ('withdrawn' in state.value) return <WithdrawnTrace trace={state.value} back={back} />;
  const message: PublicMessage = state.value;
  return (
    <>
      {back}
      <article className="card message" aria-labelledby="titre-message-public" data-testid="public-message">
        <p className="message-reference">
          <span className="mono">{message.reference}</span> <KindBadge kind={message.kind} />
          <PriorityBadge priority={message.priority} />
          {message.correctionNote && <CorrectedBadge />}
        </p>
        <h1 id="titre-message-public">{message.title}</h1>
        <dl className="identity message-facts">
          <dt>Date</dt>
          <dd>{formatCell(message.publishedAt)}</dd>
          {message.updatedAt !== message.publishedAt && (
            <>
              <dt>Mis à jour</dt>
              <dd>{formatCell(message.updatedAt)}</dd>
            </>
          )}
          <dt>Professions</dt>
          <dd>{message.targets.professions.join(', ')}</dd>
          <dt>Zone</dt>
          <dd>{message.targets.zone.join(', ')}</dd>
        </dl>
        {message.correctionNote && (
          <p className="alert alert-info">
            <strong>Rectificatif :</strong> {message.correctionNote}
          </p>
        )}
        <MessageBody html={message.bodyHtml} />
        <AttachmentList attachments={message.attachments} headingId="titre-pieces-jointes-publiques" />
      </article>
      <FeedLink />
    </>
  );
}
