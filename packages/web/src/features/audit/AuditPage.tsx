import { useEffect, useMemo, useRef, useState, type FormEvent, type MouseEvent, type RefObject } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import {
  AUDIT_EXPORT_MAX,
  DEFAULT_PAGE_SIZE,
  ID_NAT_PS_HINT,
  OUTCOMES,
  PAGE_SIZES,
  auditCsvPath,
  exportAudit,
  filtersFromSearch,
  filtersToSearch,
  firstPage,
  formatParisMinute,
  formatParisTime,
  parisInstant,
  parisLocalDateTime,
  searchAudit,
  validateFilters,
  type AuditEntry,
  type AuditFilters,
  type AuditOutcome,
  type AuditPage as AuditAnswer,
  type FilterErrors,
} from '../../data/audit';
import { ApiError } from '../../data/api';
import { isOperator } from '../../data/incidents';
import { saveFile } from '../../data/save-file';
import type { Me } from '../../data/store';
import { ErrorAlert, OperatorOnlyNotice } from '../../ui/form-feedback';
import { ACTION_SUGGESTIONS, TARGET_TYPE_SUGGESTIONS, actionLabel, actorTypeLabel, detailPairs, outcomeLabel, targetTypeLabel } from './audit-labels';

const PATH = '/journal';
const n = (value: number) => value.toLocaleString('fr-FR');

type Loaded = { status: 'loading' } | { status: 'loaded'; page: AuditAnswer } | { status: 'error'; message: string; fields: string[] };

/** The French names of the query parameters the server refused (REQUEST_INVALID details: `{ path: '/actor' }`). */
const FIELD_NAMES: Record<string, string> = {
  actor: `IdNat_PS (${ID_NAT_PS_HINT})`,
  action: 'action',
  outcome: 'résultat',
  targetType: 'type de cible',
  targetId: 'identifiant de cible',
  from: 'début de la période',
  to: 'fin de la période',
  limit: 'lignes par page',
  before: 'position de page',
};

function failure(e: unknown): { message: string; fields: string[] } {
  const message = e instanceof Error ? e.message : 'Erreur inconnue';
  if (!(e instanceof ApiError) || !Array.isArray(e.details)) return { message, fields: [] };
  const fields = (e.details as unknown[])
    .map((d) => (d !== null && typeof d === 'object' && 'path' in d && typeof d.path === 'string' ? d.path.replace(/^\//, '') : ''))
    .map((name) => FIELD_NAMES[name] ?? (name || 'requête'));
  return { message, fields: [...new Set(fields)] };
}

/**
 * For operators (DGS, ARS): who did what, when and from where, found in the audit log by
 * professional, action, outcome, target and period; page by page, newest first; as CSV.
 * The search itself is audited (README, "Audit search").
 */
export function AuditPage({ me }: { me: Me }) {
  if (!isOperator(me)) {
    return <OperatorOnlyNotice title="Journal d'audit" />;
  }
  return <OperatorAudit />;
}

function OperatorAudit() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const query = filtersToSearch(filters);
  // What the server would refuse is said at once, and not sent.
  const invalid = useMemo(() => validateFilters(filtersFromSearch(query)), [query]);
  const valid = Object.keys(invalid).length === 0;
  // "Rechercher" on the address shown asks again (new entries may have come).
  const [reloads, setReloads] = useState(0);
  const request = `${query}#${reloads}`;
  const [answer, setAnswer] = useState<{ request: string; state: Loaded } | null>(null);
  const [resets, setResets] = useState(0);
  // After "Page suivante" or "Revenir à la première page", the keyboard goes on from the new page's results (the link itself is gone).
  const focusResults = useRef(false);

  useEffect(() => {
    if (!valid) return;
    let current = true;
    const request = `${query}#${reloads}`;
    searchAudit(filtersFromSearch(query)).then(
      (page) => current && setAnswer({ request, state: { status: 'loaded', page } }),
      (e: unknown) => current && setAnswer({ request, state: { status: 'error', ...failure(e) } }),
    );
    return () => {
      current = false;
    };
  }, [query, reloads, valid]);
  const state: Loaded = answer?.request === request ? answer.state : { status: 'loading' };

  const apply = (next: AuditFilters) => {
    const nextQuery = filtersToSearch(next);
    if (nextQuery === query) setReloads((r) => r + 1);
    else navigate(pageHref(next));
  };

  return (
    <>
      <h1>Journal d'audit</h1>
      <p className="hint">
        Qui a fait quoi, quand et d'où : chaque acte, connexion, code, message et consultation du service est inscrit au journal, avec son résultat. Le journal ne
        contient jamais de données de santé ni d'identité de patient : seulement des identifiants, des motifs et des nombres.
      </p>
      <div className="alert alert-info" data-testid="audit-notice">
        <p>
          <strong>Votre consultation est enregistrée dans le journal</strong> : chaque recherche, chaque page et chaque export y sont inscrits à votre nom, avec les
          filtres utilisés.
        </p>
        <p>
          Un opérateur régional (ARS) ne voit que les actions des professionnels exerçant dans sa région ; celles des laboratoires, des patients et des tâches
          automatiques ne sont visibles que des opérateurs nationaux (DGS). Le serveur applique cette règle quels que soient les filtres.
        </p>
      </div>
      <SearchForm
        key={`${query}|${resets}`}
        filters={filters}
        urlErrors={invalid}
        busy={valid && state.status === 'loading'}
        onApply={apply}
        onReset={() => {
          setResets((r) => r + 1);
          apply({});
        }}
      />
      <p role="status" aria-live="polite" data-testid="audit-loading">
        {valid && state.status === 'loading' && 'Recherche dans le journal…'}
      </p>
      {!valid && (
        <div data-testid="audit-invalid">
          <ErrorAlert>Les filtres de l'adresse sont invalides : corrigez-les dans le formulaire ci-dessus. Aucune recherche n'a été envoyée.</ErrorAlert>
        </div>
      )}
      {valid && state.status === 'error' && (
        <div data-testid="audit-error">
          <ErrorAlert>
            {state.message}
            {state.fields.length > 0 && ` Valeur refusée : ${state.fields.join(', ')}.`}
          </ErrorAlert>
          <p>
            <Link href={PATH}>Effacer les filtres</Link>
          </p>
        </div>
      )}
      {valid && state.status === 'loaded' && <Results key={query} page={state.page} filters={filters} focusRef={focusResults} />}
    </>
  );
}

// ---------------------------------------------------------------------------------------------
// The search form

interface Draft {
  actor: string;
  action: string;
  outcome: string;
  targetType: string;
  targetId: string;
  from: string;
  to: string;
  limit: string;
}

function draftOf(filters: AuditFilters): Draft {
  return {
    actor: filters.actor ?? '',
    action: filters.action ?? '',
    outcome: filters.outcome ?? '',
    targetType: filters.targetType ?? '',
    targetId: filters.targetId ?? '',
    // An instant of the address as the Paris time the field shows; what is not one stays as written, and is said invalid.
    from: filters.from ? parisLocalDateTime(filters.from) || filters.from : '',
    to: filters.to ? parisLocalDateTime(filters.to) || filters.to : '',
    limit: filters.limit === undefined || Number.isNaN(filters.limit) ? String(DEFAULT_PAGE_SIZE) : String(filters.limit),
  };
}

/** The draft as filters: trimmed, Paris times as instants (an unreadable time kept as typed, so that it is refused). */
function filtersOf(draft: Draft): AuditFilters {
  const text = (value: string) => value.trim() || undefined;
  const instant = (value: string) => (value.trim() ? (parisInstant(value.trim()) ?? value.trim()) : undefined);
  const limit = Number(draft.limit);
  return {
    actor: text(draft.actor.replace(/\s+/g, '')),
    action: text(draft.action),
    outcome: text(draft.outcome) as AuditOutcome | undefined,
    targetType: text(draft.targetType),
    targetId: text(draft.targetId),
    from: instant(draft.from),
    to: instant(draft.to),
    limit: limit === DEFAULT_PAGE_SIZE ? undefined : limit,
  };
}

function SearchForm({ filters, urlErrors, busy, onApply, onReset }: { filters: AuditFilters; urlErrors: FilterErrors; busy: boolean; onApply: (filters: AuditFilters) => void; onReset: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(filters));
  const [errors, setErrors] = useState<FilterErrors>(urlErrors);
  const change = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const sizes = useMemo(() => [...new Set<number>([...PAGE_SIZES, ...(filters.limit && Number.isInteger(filters.limit) ? [filters.limit] : [])])].sort((a, b) => a - b), [filters.limit]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const next = filtersOf(draft);
    const found = validateFilters(next);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      const first = (['actor', 'action', 'outcome', 'targetType', 'targetId', 'from', 'to', 'limit'] as const).find((name) => found[name]);
      if (first) document.getElementById(`audit-${first}`)?.focus();
      return;
    }
    // A new search starts on its first page.
    onApply(next);
  };

  const described = (name: keyof FilterErrors, hint?: string) => [hint, errors[name] ? `audit-${name}-error` : undefined].filter(Boolean).join(' ') || undefined;
  const fieldError = (name: keyof FilterErrors) =>
    errors[name] ? (
      <p className="field-error" id={`audit-${name}-error`}>
        {errors[name]}
      </p>
    ) : null;

  return (
    <form className="card stats-filters" aria-labelledby="titre-recherche" onSubmit={onSubmit} noValidate data-testid="audit-filters">
      <h2 id="titre-recherche">Rechercher</h2>
      <p className="hint">Tous les champs sont facultatifs : sans filtre, les dernières entrées du journal.</p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="audit-actor">IdNat_PS du professionnel</label>
          <input
            id="audit-actor"
            type="text"
            inputMode="numeric"
            autoComplete="off"
            spellCheck={false}
            value={draft.actor}
            aria-invalid={errors.actor ? true : undefined}
            aria-describedby={described('actor', 'audit-actor-hint')}
            onChange={(e) => change({ actor: e.target.value })}
          />
          <p className="hint" id="audit-actor-hint">
            {ID_NAT_PS_HINT}, par exemple 810000000001.
          </p>
          {fieldError('actor')}
        </div>
        <div className="field">
          <label htmlFor="audit-action">Action</label>
          <input
            id="audit-action"
            type="text"
            list="audit-actions"
            autoComplete="off"
            spellCheck={false}
            value={draft.action}
            aria-invalid={errors.action ? true : undefined}
            aria-describedby={described('action', 'audit-action-hint')}
            onChange={(e) => change({ action: e.target.value })}
          />
          <datalist id="audit-actions">
            {ACTION_SUGGESTIONS.map((a) => (
              <option key={a.value} value={a.value} label={a.label} />
            ))}
          </datalist>
          <p className="hint" id="audit-action-hint">
            Une action (« tests.record ») ou une famille terminée par « .* » (« tests.* »).
          </p>
          {fieldError('action')}
        </div>
        <div className="field">
          <label htmlFor="audit-outcome">Résultat</label>
          <select id="audit-outcome" value={draft.outcome} aria-invalid={errors.outcome ? true : undefined} aria-describedby={described('outcome')} onChange={(e) => change({ outcome: e.target.value })}>
            <option value="">Tous</option>
            {OUTCOMES.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          {fieldError('outcome')}
        </div>
      </div>
      <fieldset>
        <legend>Cible de l'action</legend>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="audit-targetType">Type de cible</label>
            <input
              id="audit-targetType"
              type="text"
              list="audit-target-types"
              autoComplete="off"
              spellCheck={false}
              value={draft.targetType}
              aria-invalid={errors.targetType ? true : undefined}
              aria-describedby={described('targetType', 'audit-targetType-hint')}
              onChange={(e) => change({ targetType: e.target.value })}
            />
            <datalist id="audit-target-types">
              {TARGET_TYPE_SUGGESTIONS.map((t) => (
                <option key={t.value} value={t.value} label={t.label} />
              ))}
            </datalist>
            <p className="hint" id="audit-targetType-hint">
              Par exemple « test_result », « message », « operator_api_key ».
            </p>
            {fieldError('targetType')}
          </div>
          <div className="field">
            <label htmlFor="audit-targetId">Identifiant de la cible</label>
            <input
              id="audit-targetId"
              type="text"
              autoComplete="off"
              spellCheck={false}
              value={draft.targetId}
              aria-invalid={errors.targetId ? true : undefined}
              aria-describedby={described('targetId')}
              onChange={(e) => change({ targetId: e.target.value })}
            />
            {fieldError('targetId')}
          </div>
        </div>
      </fieldset>
      <fieldset aria-describedby="audit-period-hint">
        <legend>Période (heure de Paris)</legend>
        <p className="hint" id="audit-period-hint">
          Du début inclus à la fin exclue ; l'une ou l'autre peut rester vide.
        </p>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="audit-from">Du</label>
            <input
              id="audit-from"
              type="datetime-local"
              value={draft.from}
              aria-invalid={errors.from ? true : undefined}
              aria-describedby={described('from')}
              onChange={(e) => change({ from: e.target.value })}
            />
            {fieldError('from')}
          </div>
          <div className="field">
            <label htmlFor="audit-to">Au (exclu)</label>
            <input id="audit-to" type="datetime-local" value={draft.to} aria-invalid={errors.to ? true : undefined} aria-describedby={described('to')} onChange={(e) => change({ to: e.target.value })} />
            {fieldError('to')}
          </div>
        </div>
      </fieldset>
      <div className="field audit-page-size">
        <label htmlFor="audit-limit">Lignes par page</label>
        <select id="audit-limit" value={draft.limit} aria-invalid={errors.limit ? true : undefined} aria-describedby={described('limit')} onChange={(e) => change({ limit: e.target.value })}>
          {sizes.map((size) => (
            <option key={size} value={String(size)}>
              {size}
            </option>
          ))}
        </select>
        {fieldError('limit')}
      </div>
      {errors.before && <ErrorAlert>{errors.before}</ErrorAlert>}
      <div className="button-row">
        <button type="submit" disabled={busy}>
          {busy ? 'Recherche…' : 'Rechercher'}
        </button>
        <button type="button" className="button secondary" onClick={onReset} disabled={busy}>
          Effacer les filtres
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------------------------------------
// The results

/** The filters of the search shown, in words. */
function describeFilters(filters: AuditFilters): string {
  const parts = [
    filters.actor && `professionnel ${filters.actor}`,
    filters.action && `action ${filters.action}`,
    filters.outcome && `résultat « ${outcomeLabel(filters.outcome)} »`,
    filters.targetType && `cible de type ${filters.targetType}`,
    filters.targetId && `cible ${filters.targetId}`,
    filters.from && `depuis le ${formatParisMinute(filters.from)}`,
    filters.to && `avant le ${formatParisMinute(filters.to)}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'aucun filtre : tout le journal de votre périmètre';
}

type Exported = { status: 'idle' } | { status: 'busy' } | { status: 'done'; lines: number | null; truncated: boolean; filename: string } | { status: 'error'; message: string };

/** The page's address for these filters. */
function pageHref(filters: AuditFilters): string {
  const search = filtersToSearch(filters);
  return search ? `${PATH}?${search}` : PATH;
}

function Results({ page, filters, focusRef }: { page: AuditAnswer; filters: AuditFilters; focusRef: RefObject<boolean> }) {
  const [exported, setExported] = useState<Exported>({ status: 'idle' });
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!focusRef.current) return;
    focusRef.current = false;
    heading.current?.focus();
  }, [focusRef]);
  const paging = () => {
    focusRef.current = true;
  };
  const later = filters.before !== undefined;
  const csvPath = auditCsvPath(filters);

  const download = async (e: MouseEvent<HTMLAnchorElement>) => {
    e.preventDefault();
    if (exported.status === 'busy') return;
    setExported({ status: 'busy' });
    try {
      const file = await exportAudit(filters);
      saveFile(file.blob, file.filename);
      setExported({ status: 'done', lines: file.lines, truncated: file.truncated, filename: file.filename });
    } catch (error) {
      setExported({ status: 'error', message: error instanceof Error ? error.message : 'Erreur inconnue' });
    }
  };

  const count = page.entries.length;
  return (
    <section className="card" aria-labelledby="titre-resultats" data-testid="audit-results">
      <h2 id="titre-resultats" ref={heading} tabIndex={-1}>
        Résultats
      </h2>
      <p data-testid="audit-summary">
        Filtres : {describeFilters(filters)}.{' '}
        {count === 0
          ? later
            ? 'Aucune entrée plus ancienne.'
            : 'Aucune entrée ne correspond à ces filtres.'
          : `${n(count)} entrée${count > 1 ? 's' : ''} ${later ? 'sur cette page suivante' : 'sur la première page'}, de la plus récente à la plus ancienne${page.next ? ' ; il y en a d’autres, plus anciennes' : ''}.`}
      </p>
      {count === 0 && !later && (
        <p className="hint" data-testid="audit-empty">
          Vérifiez l'IdNat_PS, l'orthographe de l'action et la période. Un opérateur régional ne voit pas les actions des professionnels d'autres régions.
        </p>
      )}
      <div className="button-row">
        <a className="button secondary" href={csvPath} download onClick={(e) => void download(e)} aria-describedby="audit-csv-hint" data-testid="audit-csv">
          {exported.status === 'busy' ? 'Préparation du CSV…' : 'Télécharger le CSV'}
        </a>
      </div>
      <p className="hint" id="audit-csv-hint">
        Le fichier CSV (UTF-8) reprend toutes les entrées qui correspondent aux filtres, pas seulement cette page, des plus récentes aux plus
        anciennes, jusqu'à {n(AUDIT_EXPORT_MAX)} lignes. L'export est lui aussi inscrit au journal.
      </p>
      <div role="status" aria-live="polite" data-testid="audit-export-status">
        {exported.status === 'done' && !exported.truncated && (
          <p className="alert alert-success">
            {exported.filename} téléchargé{exported.lines !== null && ` : ${n(exported.lines)} entrée${exported.lines > 1 ? 's' : ''}`}.
          </p>
        )}
        {exported.status === 'done' && exported.truncated && (
          <p className="alert alert-warning">
            Export tronqué : {exported.filename} s'arrête aux {n(exported.lines ?? AUDIT_EXPORT_MAX)} entrées les plus récentes, la limite d'un export. Resserrez les
            filtres (la période, par exemple) pour obtenir les plus anciennes.
          </p>
        )}
      </div>
      {exported.status === 'error' && <ErrorAlert>{exported.message}</ErrorAlert>}

      {count > 0 && <EntriesTable entries={page.entries} />}

      {(page.next || later) && (
        <nav className="button-row" aria-label="Pages de résultats">
          {later && (
            <Link href={pageHref(firstPage(filters))} className="button secondary" onClick={paging} data-testid="audit-first">
              Revenir à la première page
            </Link>
          )}
          {page.next && (
            <Link href={pageHref({ ...filters, before: page.next })} className="button" onClick={paging} data-testid="audit-next">
              Page suivante
            </Link>
          )}
        </nav>
      )}
    </section>
  );
}

function EntriesTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <div className="table-scroll" role="region" aria-labelledby="audit-caption" tabIndex={0}>
      <table className="stats-table audit-table" data-testid="audit-table">
        <caption id="audit-caption">Entrées du journal, heure de Paris, de la plus récente à la plus ancienne</caption>
        <thead>
          <tr>
            <th scope="col">Date et heure</th>
            <th scope="col">Acteur</th>
            <th scope="col">Action</th>
            <th scope="col">Résultat</th>
            <th scope="col">Cible</th>
            <th scope="col">Détails</th>
            <th scope="col">Origine</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <EntryRow key={entry.id} entry={entry} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function EntryRow({ entry }: { entry: AuditEntry }) {
  const label = actionLabel(entry.action);
  const details = detailPairs(entry.details);
  return (
    <tr data-testid="audit-entry" data-action={entry.action}>
      <th scope="row">
        <time dateTime={entry.occurredAt}>{formatParisTime(entry.occurredAt)}</time>
      </th>
      <td>
        {entry.actor ? (
          <>
            {entry.actor.name}
            <br />
            <span className="mono">{entry.actor.idNatPs}</span>
          </>
        ) : (
          actorTypeLabel(entry.actorType)
        )}
      </td>
      <td>
        <code>{entry.action}</code>
        {label && (
          <>
            <br />
            <span className="hint">{label}</span>
          </>
        )}
      </td>
      <td className={`audit-outcome audit-outcome-${entry.outcome}`}>{outcomeLabel(entry.outcome)}</td>
      <td>
        {entry.targetType ? targetTypeLabel(entry.targetType) : '—'}
        {entry.targetId && (
          <>
            <br />
            <span className="mono audit-id">{entry.targetId}</span>
          </>
        )}
      </td>
      <td>
        {details.length === 0 ? (
          '—'
        ) : (
          <ul className="audit-details">
            {details.map(({ key, label, value }) => (
              <li key={key}>
                <span className="audit-detail-key" title={key}>
                  {label}
                </span>{' '}
                : {value}
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className="audit-origin">
        {entry.ip ?? '—'}
        {entry.requestId && (
          <>
            <br />
            <span className="hint">requête {entry.requestId}</span>
          </>
        )}
      </td>
    </tr>
  );
}
