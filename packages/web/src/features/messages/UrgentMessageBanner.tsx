import { Link } from 'wouter';
import { useInbox } from '../../data/inbox';
import { formatDateTime } from './message-parts';

/**
 * The banner of "pour action" urgent messages (docs/domain.md §5), on every page of the pro
 * portal until the professional confirms having read each one. The last known list, flagged,
 * when the server cannot be reached.
 */
export function UrgentMessageBanner({ owner }: { owner: string }) {
  const inbox = useInbox();
  const pending = inbox.owner === owner ? inbox.messages.filter((m) => m.kind === 'action' && m.acknowledgedAt === null) : [];
  // role="status" stays in the page so that a message arriving is announced.
  return (
    <div role="status" aria-live="polite" data-testid="message-banner">
      {pending.length > 0 && (
        <section className="message-banner" aria-labelledby="titre-messages-pour-action">
          <div className="container">
            <h2 id="titre-messages-pour-action" className="visually-hidden">
              {pending.length === 1 ? 'Message urgent pour action' : `${pending.length} messages urgents pour action`}
            </h2>
            <ul>
              {pending.map((m) => (
                <li key={m.id}>
                  <span>
                    <strong>Message urgent pour action :</strong> {m.reference} — {m.title}
                  </span>{' '}
                  <Link href={`/messages?message=${encodeURIComponent(m.id)}`}>
                    Lire et confirmer<span className="visually-hidden"> : {m.reference}</span>
                  </Link>
                </li>
              ))}
            </ul>
            {inbox.stale && inbox.fetchedAt && <p className="hint">Serveur injoignable : liste connue {formatDateTime(inbox.fetchedAt)}.</p>}
          </div>
        </section>
      )}
    </div>
  );
}
