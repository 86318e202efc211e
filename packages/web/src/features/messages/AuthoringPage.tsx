import { useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'wouter';
import { kindLabels, statusLabels } from '@prostopcovid/contracts/messages';
import { isOperator } from '../../data/incidents';
import { listMessages, loadAuthoringContext, type AuthoringContext, type MessageSummary } from '../../data/messages';
import type { Me } from '../../data/store';
import { ErrorAlert, OperatorOnlyNotice } from '../../ui/form-feedback';
import { formatCell, PriorityBadge, targetsText } from './message-parts';
import { MessageEditor, type Notice } from './MessageEditor';

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : 'Erreur inconnue');

type ContextState = { status: 'loading' } | { status: 'loaded'; context: AuthoringContext } | { status: 'error'; message: string };
type ListState = { status: 'loading' } | { status: 'loaded'; messages: MessageSummary[] } | { status: 'error'; message: string };

/** Whom the operator writes as: "DGS-URGENT (national)", "ARS Nouvelle-Aquitaine (région Nouvelle-Aquitaine)". */
function scopeText(context: AuthoringContext): string {
  return context.scope.kind === 'national' ? `${context.scope.series} (national)` : `${context.scope.series} (région ${context.scope.regionName})`;
}

/**
 * Authority operators (DGS, ARS) write, publish, correct and withdraw urgent messages to
 * professionals (docs/domain.md §5); `?message=<id>` opens one.
 */
export function AuthoringPage({ me }: { me: Me }) {
  const operator = isOperator(me);
  const [params] = useSearchParams();
  const id = params.get('message');
  const [context, setContext] = useState<ContextState>({ status: 'loading' });
  const [list, setList] = useState<ListState>({ status: 'loading' });
  const [notice, setNotice] = useState<(Notice & { id: string | null }) | null>(null);

  // Never rejects: a failure is shown in place of the list.
  const reload = useCallback(
    () =>
      listMessages().then(
        (messages) => setList({ status: 'loaded', messages }),
        (e: unknown) => setList({ status: 'error', message: errorMessage(e) }),
      ),
    [],
  );

  useEffect(() => {
    if (!operator) return;
    let current = true;
    loadAuthoringContext().then(
      (loaded) => current && setContext({ status: 'loaded', context: loaded }),
      (e: unknown) => current && setContext({ status: 'error', message: errorMessage(e) }),
    );
    void reload();
    return () => {
      current = false;
    };
  }, [operator, reload]);

  if (!operator) {
    return <OperatorOnlyNotice title="Rédiger un message urgent" />;
  }

  return (
    <>
      <div className="header-row">
        <h1>Rédiger un message urgent</h1>
        {id && (
          <Link href="/messages-urgents" className="button secondary">
            Nouveau message
          </Link>
        )}
      </div>
      {context.status === 'loading' && (
        <p role="status" aria-live="polite">
          Chargement…
        </p>
      )}
      {context.status === 'error' && <ErrorAlert>{context.message}</ErrorAlert>}
      {context.status === 'loaded' && (
        <>
          <p className="hint">
            Vous écrivez au nom de : <strong>{scopeText(context.context)}</strong>. Messages courts, datés, ciblés : les courriels partent à un
            rythme réglé, jamais tous à la fois.
          </p>
          <MessageEditor
            key={id ?? 'nouveau'}
            context={context.context}
            id={id}
            notice={notice && notice.id === id ? notice : null}
            onNotice={(shown, forId = id ?? undefined) => setNotice(shown ? { ...shown, id: forId ?? null } : null)}
            onChanged={() => void reload()}
          />
        </>
      )}
      <MessageListCard list={list} current={id} onRefresh={() => void reload()} />
    </>
  );
}

function MessageListCard({ list, current, onRefresh }: { list: ListState; current: string | null; onRefresh: () => void }) {
  return (
    <section className="card" aria-labelledby="titre-liste-messages">
      <div className="header-row">
        <h2 id="titre-liste-messages">Messages</h2>
        <button type="button" className="button secondary" onClick={onRefresh}>
          Actualiser
        </button>
      </div>
      {list.status === 'loading' && <p role="status">Chargement…</p>}
      {list.status === 'error' && <ErrorAlert>{list.message}</ErrorAlert>}
      {list.status === 'loaded' && list.messages.length === 0 && <p>Aucun message pour l'instant : rédigez le premier ci-dessus.</p>}
      {list.status === 'loaded' && list.messages.length > 0 && (
        <div className="table-scroll">
          <table data-testid="authoring-list">
            <thead>
              <tr>
                <th scope="col">Statut</th>
                <th scope="col">Référence</th>
                <th scope="col">Titre</th>
                <th scope="col">Destinataires</th>
                <th scope="col">Dates</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.messages.map((message) => (
                <tr key={message.id} aria-current={message.id === current ? 'true' : undefined} className={`status-${message.status}`}>
                  <td>{statusLabels[message.status]}</td>
                  <td>{message.reference ?? '—'}</td>
                  <td>
                    {message.title}
                    <br />
                    <span className="hint">
                      {kindLabels[message.kind]}
                      {message.version > 1 && `, version ${message.version}`}
                    </span>{' '}
                    <PriorityBadge priority={message.priority} />
                  </td>
                  <td>{targetsText(message.targets)}</td>
                  <td>
                    Créé le {formatCell(message.createdAt)}
                    {message.publishedAt && (
                      <>
                        <br />
                        Publié le {formatCell(message.publishedAt)}
                      </>
                    )}
                    {message.withdrawnAt && (
                      <>
                        <br />
                        Retiré le {formatCell(message.withdrawnAt)}
                      </>
                    )}
                    {message.expiresAt && (
                      <>
                        <br />
                        Expire le {formatCell(message.expiresAt)}
                      </>
                    )}
                  </td>
                  <td>
                    <Link href={`/messages-urgents?message=${encodeURIComponent(message.id)}`}>
                      {message.status === 'draft' ? 'Modifier' : 'Ouvrir'}
                      <span className="visually-hidden"> : {message.reference ?? message.title}</span>
                    </Link>
                    {message.status !== 'draft' && (
                      <>
                        <br />
                        <Link href={`/messages-urgents/suivi?message=${encodeURIComponent(message.id)}`}>
                          Suivi<span className="visually-hidden"> : {message.reference ?? message.title}</span>
                        </Link>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
