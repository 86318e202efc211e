import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useSearchParams } from 'wouter';
import { statusLabels } from '@prostopcovid/contracts/messages';
import { isOperator } from '../../data/incidents';
import {
  followUpCsvUrl,
  listMessages,
  loadFollowUp,
  loadMessage,
  queueReminders,
  type FollowUp,
  type FollowUpRow,
  type MessageDetail,
  type MessageSummary,
} from '../../data/messages';
import { ApiError } from '../../data/api';
import type { Me } from '../../data/store';
import { ErrorAlert, OperatorOnlyNotice } from '../../ui/form-feedback';
import type { ChartSeries } from './follow-up-echarts';
import { formatCell, formatDateTime } from './message-parts';

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : 'Erreur inconnue');
const n = (value: number) => value.toLocaleString('fr-FR');

/** The columns of the follow-up, in the order of the table, the chart and the CSV. */
const COLUMNS: ChartSeries[] = [
  { key: 'reached', label: 'Atteints', color: '#000091' },
  { key: 'emailed', label: 'Courriels', color: '#6a6af4' },
  { key: 'delivered', label: 'Remis', color: '#18753c' },
  { key: 'failed', label: 'Échecs', color: '#ce0500' },
  { key: 'uncertain', label: 'Incertains', color: '#716043' },
  { key: 'read', label: 'Lus', color: '#b34000' },
  { key: 'acknowledged', label: 'Pris connaissance', color: '#3a3a3a' },
];
/** The chart shows the first rows only; the table gives them all. */
const CHART_MAX_ROWS = 15;

const columnsFor = (followUp: FollowUp) => COLUMNS.filter((column) => column.key !== 'acknowledged' || followUp.kind === 'action');

/** For operators: who a published message reached, by e-mail and in the portal, who read and acknowledged it. */
export function FollowUpPage({ me }: { me: Me }) {
  const operator = isOperator(me);
  const [params] = useSearchParams();
  const id = params.get('message');
  const versionParam = Number(params.get('version'));
  const version = Number.isInteger(versionParam) && versionParam > 0 ? versionParam : undefined;

  if (!operator) {
    return <OperatorOnlyNotice title="Suivi d'un message urgent" />;
  }
  return (
    <>
      <h1>Suivi d'un message urgent</h1>
      {id ? <MessageFollowUp key={`${id}/${version ?? ''}`} id={id} version={version} /> : <ChooseMessage />}
    </>
  );
}

type ListState = { status: 'loading' } | { status: 'loaded'; messages: MessageSummary[] } | { status: 'error'; message: string };

/** Without `?message=`: the published messages to follow. */
function ChooseMessage() {
  const [list, setList] = useState<ListState>({ status: 'loading' });
  useEffect(() => {
    let current = true;
    listMessages().then(
      (messages) => current && setList({ status: 'loaded', messages: messages.filter((m) => m.status !== 'draft') }),
      (e: unknown) => current && setList({ status: 'error', message: errorMessage(e) }),
    );
    return () => {
      current = false;
    };
  }, []);
  return (
    <section className="card" aria-labelledby="titre-choisir-message">
      <h2 id="titre-choisir-message">Choisissez un message publié</h2>
      {list.status === 'loading' && (
        <p role="status" aria-live="polite">
          Chargement…
        </p>
      )}
      {list.status === 'error' && <ErrorAlert>{list.message}</ErrorAlert>}
      {list.status === 'loaded' && list.messages.length === 0 && (
        <p>
          Aucun message publié pour l'instant. <Link href="/messages-urgents">Rédiger un message urgent</Link>
        </p>
      )}
      {list.status === 'loaded' && list.messages.length > 0 && (
        <ul>
          {list.messages.map((message) => (
            <li key={message.id}>
              <Link href={`/messages-urgents/suivi?message=${encodeURIComponent(message.id)}`}>
                {message.reference} — {message.title}
              </Link>{' '}
              <span className="hint">
                ({statusLabels[message.status]}
                {message.publishedAt && `, publié le ${formatCell(message.publishedAt)}`})
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

type Loaded = { status: 'loading' } | { status: 'loaded'; detail: MessageDetail; followUp: FollowUp } | { status: 'error'; message: string };

function MessageFollowUp({ id, version }: { id: string; version?: number }) {
  const [, navigate] = useLocation();
  const [state, setState] = useState<Loaded>({ status: 'loading' });
  const [refreshing, setRefreshing] = useState(false);
  const [reminding, setReminding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [grouping, setGrouping] = useState<'byProfession' | 'byZone'>('byProfession');

  // Never rejects: a failure is shown in place of the figures.
  const load = useCallback(
    () =>
      Promise.all([
        loadMessage(id),
        // A version the message does not have (a link edited by hand): the current one, said so.
        loadFollowUp(id, version).catch(async (e: unknown) => {
          if (version === undefined || !(e instanceof ApiError) || e.status !== 404) throw e;
          setNotice(`Ce message n'a pas de version ${version} : voici sa version actuelle.`);
          return loadFollowUp(id);
        }),
      ]).then(
        ([detail, followUp]) => setState({ status: 'loaded', detail, followUp }),
        (e: unknown) => setState({ status: 'error', message: errorMessage(e) }),
      ),
    [id, version],
  );

  useEffect(() => {
    void load();
  }, [load]);

  async function refresh() {
    setRefreshing(true);
    await load();
    setRefreshing(false);
  }

  async function remind(followUp: FollowUp) {
    if (!window.confirm('Envoyer un rappel par courriel aux professionnels qui n’ont pas encore confirmé avoir pris connaissance de ce message ?')) return;
    setReminding(true);
    setNotice(null);
    setActionError(null);
    try {
      const queued = await queueReminders(followUp.id);
      setNotice(queued === 0 ? 'Aucun rappel programmé : les rappels ont déjà été envoyés, ou tous ont confirmé.' : `${n(queued)} rappel${queued > 1 ? 's' : ''} programmé${queued > 1 ? 's' : ''}.`);
      await load();
    } catch (e) {
      setActionError(errorMessage(e));
    } finally {
      setReminding(false);
    }
  }

  if (state.status === 'loading') {
    return (
      <p role="status" aria-live="polite">
        Chargement du suivi…
      </p>
    );
  }
  if (state.status === 'error') {
    return (
      <>
        <ErrorAlert>{state.message}</ErrorAlert>
        <p>
          <Link href="/messages-urgents/suivi">Choisir un autre message</Link>
        </p>
      </>
    );
  }
  const { detail, followUp } = state;
  const published = detail.versions.filter((v) => v.publishedAt !== null);
  const columns = columnsFor(followUp);
  const rows = followUp[grouping];
  return (
    <>
      <section className="card" aria-labelledby="titre-suivi-message" data-testid="follow-up">
        <h2 id="titre-suivi-message">
          {followUp.reference ?? 'Brouillon'} — {detail.title}
        </h2>
        <p>
          {statusLabels[detail.status]}
          {followUp.publishedAt && <>, version {followUp.version} publiée {formatDateTime(followUp.publishedAt)}</>}.{' '}
          <Link href={`/messages-urgents?message=${encodeURIComponent(id)}`}>Ouvrir le message</Link>
        </p>
        {published.length > 1 && (
          <div className="field">
            <label htmlFor="follow-up-version">Version</label>
            <select
              id="follow-up-version"
              value={followUp.version}
              onChange={(e) => navigate(`/messages-urgents/suivi?message=${encodeURIComponent(id)}&version=${e.target.value}`)}
            >
              {published.map((v) => (
                <option key={v.version} value={v.version}>
                  Version {v.version}
                  {v.publishedAt && ` du ${formatCell(v.publishedAt)}`}
                  {v.correctionNote && ' (rectificatif)'}
                </option>
              ))}
            </select>
          </div>
        )}
        <p data-testid="emails-pending">
          {followUp.emailsPending > 0
            ? `${n(followUp.emailsPending)} courriel${followUp.emailsPending > 1 ? 's' : ''} encore en file d'attente (envoi étalé).`
            : 'Aucun courriel en attente : tous sont partis.'}
        </p>
        {notice && (
          <p className="alert alert-success" role="status" data-testid="follow-up-notice">
            {notice}
          </p>
        )}
        <ErrorAlert>{actionError}</ErrorAlert>
        <div className="button-row">
          <a className="button secondary" href={followUpCsvUrl(id, version)} download>
            Télécharger le CSV
          </a>
          <button type="button" className="button secondary" onClick={() => void refresh()} disabled={refreshing}>
            {refreshing ? 'Actualisation…' : 'Actualiser'}
          </button>
          {/* Reminders go to the current version's recipients: offered on its own figures only. */}
          {followUp.kind === 'action' && !followUp.remindersQueuedAt && followUp.version === detail.version && (
            <button type="button" onClick={() => void remind(followUp)} disabled={reminding}>
              {reminding ? 'Programmation des rappels…' : 'Relancer les non-confirmés'}
            </button>
          )}
        </div>
        {followUp.kind === 'action' && followUp.remindersQueuedAt && (
          <p className="hint" data-testid="reminders-queued">
            Rappels aux non-confirmés programmés {formatDateTime(followUp.remindersQueuedAt)}.
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="titre-chiffres">
        <h2 id="titre-chiffres">Chiffres</h2>
        <p className="hint">
          Atteints : professionnels visés à la publication, et ceux qui l'ont ouvert depuis. Courriels : ceux qui avaient une adresse (une seule
          copie par adresse partagée). Remis : acceptés par le serveur de messagerie. Échecs : refusés. Incertains : envoi interrompu par un arrêt
          du serveur, peut-être remis, jamais renvoyé de lui-même.
        </p>
        <FollowUpTable caption="Par profession" head="Profession" rows={followUp.byProfession} total={followUp.total} columns={columns} testId="follow-up-professions" />
        <FollowUpTable caption="Par département" head="Département" rows={followUp.byZone} total={followUp.total} columns={columns} testId="follow-up-zones" />
      </section>

      <section className="card" aria-labelledby="titre-graphique">
        <div className="header-row">
          <h2 id="titre-graphique">Graphique</h2>
          <div>
            <label htmlFor="follow-up-grouping">Répartition</label>
            <select id="follow-up-grouping" value={grouping} onChange={(e) => setGrouping(e.target.value as 'byProfession' | 'byZone')}>
              <option value="byProfession">Par profession</option>
              <option value="byZone">Par département</option>
            </select>
          </div>
        </div>
        {rows.length > CHART_MAX_ROWS && (
          <p className="hint">
            Le graphique montre les {CHART_MAX_ROWS} premières lignes sur {rows.length} ; le tableau ci-dessus les donne toutes.
          </p>
        )}
        {rows.length === 0 ? (
          <p>Aucun professionnel atteint.</p>
        ) : (
          <FollowUpChart followUp={followUp} grouping={grouping} />
        )}
      </section>
    </>
  );
}

function FollowUpTable({ caption, head, rows, total, columns, testId }: { caption: string; head: string; rows: FollowUpRow[]; total: FollowUpRow; columns: ChartSeries[]; testId: string }) {
  return (
    <div className="table-scroll">
      <table className="follow-up-table" data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            {columns.map((column) => (
              <th scope="col" key={column.key} className="number">
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length + 1}>Aucun professionnel atteint.</td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.label}</th>
              {columns.map((column) => (
                <td key={column.key} className="number">
                  {n(row[column.key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            {columns.map((column) => (
              <td key={column.key} className="number">
                {n(total[column.key])}
              </td>
            ))}
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/**
 * The same figures as bars (ECharts, loaded only here). The table stays the accessible data:
 * the chart is one image with a summary as its name.
 */
function FollowUpChart({ followUp, grouping }: { followUp: FollowUp; grouping: 'byProfession' | 'byZone' }) {
  const rows = useMemo(() => followUp[grouping].slice(0, CHART_MAX_ROWS), [followUp, grouping]);
  const columns = useMemo(() => columnsFor(followUp), [followUp]);
  const ref = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let remove: (() => void) | undefined;
    let current = true;
    import('./follow-up-echarts').then(
      ({ drawFollowUpChart }) => {
        if (current && ref.current) remove = drawFollowUpChart(ref.current, rows, columns);
      },
      () => current && setFailed(true),
    );
    return () => {
      current = false;
      remove?.();
    };
  }, [rows, columns]);
  const summary = columns.map((column) => `${column.label.toLowerCase()} : ${n(followUp.total[column.key])}`).join(', ');
  if (failed) return <p className="hint">Le graphique n'a pas pu être chargé : les chiffres sont dans le tableau ci-dessus.</p>;
  return (
    <div
      ref={ref}
      className="follow-up-chart"
      role="img"
      aria-label={`Graphique en barres du suivi ${grouping === 'byProfession' ? 'par profession' : 'par département'} : au total ${summary}. Le détail est dans le tableau ci-dessus.`}
      style={{ height: `${Math.max(220, 60 + rows.length * (columns.length * 12 + 16))}px` }}
      data-testid="follow-up-chart"
    />
  );
}
