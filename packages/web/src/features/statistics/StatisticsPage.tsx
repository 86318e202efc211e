import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { isOperator } from '../../data/incidents';
import { saveFile } from '../../data/save-file';
import {
  DEFAULT_PERIOD_DAYS,
  QUICK_PERIODS,
  filtersFromSearch,
  filtersToSearch,
  lastDays,
  loadStatistics,
  parisDay,
  type Statistics,
  type StatisticsFilters,
} from '../../data/statistics';
import type { Me } from '../../data/store';
import { ErrorAlert, OperatorOnlyNotice } from '../../ui/form-feedback';
import { FieldError, fieldProps, refreshShownErrors, type FieldErrors } from '../acts/field-errors';
import { MAX_PERIOD_DAYS } from '@prostopcovid/contracts/statistics';
import type { BarChart, TimeSeriesChart } from './chart-spec';
import {
  SERIES_GROUPS,
  SUPPRESSION_NOTE,
  cellText,
  csvFilename,
  delayChart,
  delayTable,
  departmentTable,
  describeView,
  groupChart,
  groupTable,
  hasFigures,
  incidentTable,
  incidentWindows,
  isEmptyDepartment,
  productChart,
  productTable,
  statisticsCsv,
  type DataTable,
  type TableRow,
} from './statistics-view';

const PATH = '/statistiques';
const errorMessage = (e: unknown) => (e instanceof Error ? e.message : 'Erreur inconnue');

type Loaded = { status: 'loading' } | { status: 'loaded'; stats: Statistics } | { status: 'error'; message: string };
type Choices = Pick<Statistics, 'scope' | 'options'>;

/**
 * For operators (DGS, ARS): the figures of tests, vaccinations, codes, declarations, exposure
 * notification and late entries, by day and by department, with the incidents; filters in the
 * address, charts with their tables, CSV, printable (docs/domain.md §8).
 */
export function StatisticsPage({ me }: { me: Me }) {
  if (!isOperator(me)) {
    return <OperatorOnlyNotice title="Statistiques" />;
  }
  return <OperatorStatistics />;
}

function OperatorStatistics() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const query = filtersToSearch(filters);
  // Each answer is kept with the request it answers: another address shows the loading state until
  // its own answer; "Actualiser" (the same address asked again) keeps the figures shown meanwhile.
  const [reloads, setReloads] = useState(0);
  const request = `${query}#${reloads}`;
  const [answer, setAnswer] = useState<{ request: string; query: string; state: Loaded } | null>(null);
  // "Réinitialiser" gives the filters' form its first values again, even on the address it had.
  const [resets, setResets] = useState(0);
  // The lists of the filters (regions, departments, professions) from the last answer: kept while another loads or fails.
  const [choices, setChoices] = useState<Choices | null>(null);

  useEffect(() => {
    let current = true;
    const request = `${query}#${reloads}`;
    loadStatistics(filtersFromSearch(query)).then(
      (stats) => {
        if (!current) return;
        setAnswer({ request, query, state: { status: 'loaded', stats } });
        setChoices({ scope: stats.scope, options: stats.options });
      },
      (e: unknown) => current && setAnswer({ request, query, state: { status: 'error', message: errorMessage(e) } }),
    );
    return () => {
      current = false;
    };
  }, [query, reloads]);
  const refreshing = answer !== null && answer.request !== request && answer.query === query && answer.state.status === 'loaded';
  const state: Loaded = answer?.request === request || refreshing ? answer.state : { status: 'loading' };
  const reload = () => setReloads((n) => n + 1);

  // Printing shows every data table, even those folded on the screen.
  useEffect(() => {
    let opened: HTMLDetailsElement[] = [];
    const before = () => {
      opened = [...document.querySelectorAll<HTMLDetailsElement>('details.stats-data:not([open])')];
      for (const details of opened) details.open = true;
    };
    const after = () => {
      for (const details of opened) details.open = false;
      opened = [];
    };
    window.addEventListener('beforeprint', before);
    window.addEventListener('afterprint', after);
    return () => {
      window.removeEventListener('beforeprint', before);
      window.removeEventListener('afterprint', after);
    };
  }, []);

  const apply = (next: StatisticsFilters) => {
    const nextQuery = filtersToSearch(next);
    if (nextQuery === query) reload();
    else navigate(nextQuery ? `${PATH}?${nextQuery}` : PATH);
  };

  const stats = state.status === 'loaded' ? state.stats : null;
  return (
    <>
      <h1>Statistiques</h1>
      <p className="hint no-print">
        Tests, vaccinations, codes et déclarations StopCovid, notification d’exposition et saisies en différé, jour par jour et par département, avec
        les incidents. {choices?.scope.kind === 'regional' && `Votre périmètre : la région ${choices.scope.regionName ?? choices.scope.region ?? ''}.`}
      </p>
      <FiltersForm
        key={`${query}|${stats?.from ?? ''}|${stats?.to ?? ''}|${resets}`}
        filters={filters}
        period={stats ? { from: stats.from, to: stats.to } : null}
        choices={choices}
        busy={state.status === 'loading' || refreshing}
        onApply={apply}
        onReset={() => {
          setResets((n) => n + 1);
          apply({ departments: [] });
        }}
      />
      <p role="status" aria-live="polite" data-testid="statistics-loading" className="no-print">
        {state.status === 'loading' && 'Chargement des statistiques…'}
        {refreshing && 'Actualisation des chiffres…'}
      </p>
      {state.status === 'error' && (
        <div data-testid="statistics-error">
          <ErrorAlert>{state.message}</ErrorAlert>
          <p className="no-print">
            <Link href={PATH}>Revenir aux filtres par défaut</Link>
          </p>
        </div>
      )}
      {stats && <StatisticsView key={query} stats={stats} filters={filters} refreshing={refreshing} onRefresh={reload} />}
    </>
  );
}

// ---------------------------------------------------------------------------------------------
// Filters

interface Draft {
  from: string;
  to: string;
  region: string;
  departments: string[];
  profession: string;
}

/** What is wrong with a period, by field: in the future, the wrong way round, too long. Days are YYYY-MM-DD (Paris). */
function periodErrors(next: { from: string; to: string }, today: string): FieldErrors {
  const errors: FieldErrors = {};
  if (next.from > today) errors['stats-from'] = 'La date de début ne peut pas être dans le futur.';
  if (next.to > today) errors['stats-to'] = 'La date de fin ne peut pas être dans le futur.';
  if (next.from && next.to && !errors['stats-to']) {
    const days = (Date.parse(`${next.to}T00:00:00Z`) - Date.parse(`${next.from}T00:00:00Z`)) / 86_400_000 + 1;
    if (next.from > next.to) errors['stats-to'] = 'La date de début doit précéder la date de fin.';
    else if (days > MAX_PERIOD_DAYS) errors['stats-to'] = `La période demandée est trop longue (${MAX_PERIOD_DAYS} jours au plus).`;
  }
  return errors;
}

function FiltersForm({
  filters,
  period,
  choices,
  busy,
  onApply,
  onReset,
}: {
  filters: StatisticsFilters;
  period: { from: string; to: string } | null;
  choices: Choices | null;
  busy: boolean;
  onApply: (filters: StatisticsFilters) => void;
  onReset: () => void;
}) {
  const [draft, setDraft] = useState<Draft>({
    from: filters.from ?? period?.from ?? '',
    to: filters.to ?? period?.to ?? '',
    region: filters.region ?? '',
    departments: filters.departments,
    profession: filters.profession ?? '',
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const change = (patch: Partial<Draft>) => {
    const next = { ...draft, ...patch };
    setDraft(next);
    setErrors((shown) => refreshShownErrors(shown, periodErrors(next, today)));
  };
  const national = choices?.scope.kind === 'national';
  const departments = (choices?.options.departments ?? []).filter((d) => !draft.region || d.region === draft.region);
  const today = parisDay(new Date());

  const submit = (next: Draft) => {
    const found = periodErrors(next, today);
    setErrors(found);
    const first = Object.keys(found)[0];
    if (first) {
      document.getElementById(first)?.focus();
      return;
    }
    onApply({ from: next.from || undefined, to: next.to || undefined, region: next.region || undefined, departments: next.departments, profession: next.profession || undefined });
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submit(draft);
  };
  const quick = (days: number) => {
    const next = { ...draft, ...lastDays(days, today) };
    setDraft(next);
    submit(next);
  };
  // The quick choice shown: the period the page shows, when it ends today.
  const shown = period ?? (filters.from && filters.to ? { from: filters.from, to: filters.to } : null);
  const isQuick = (days: number) => (shown ? shown.to === today && shown.from === lastDays(days, today).from : !filters.from && !filters.to && days === DEFAULT_PERIOD_DAYS);
  const toggleDepartment = (code: string, on: boolean) => change({ departments: on ? [...draft.departments, code].sort() : draft.departments.filter((c) => c !== code) });

  return (
    <form className="card no-print stats-filters" aria-labelledby="titre-filtres" onSubmit={onSubmit} data-testid="statistics-filters" noValidate>
      <h2 id="titre-filtres">Filtres</h2>
      <fieldset>
        <legend>Période</legend>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="stats-from">Du</label>
            <input type="date" value={draft.from} max={today} onChange={(e) => change({ from: e.target.value })} {...fieldProps('stats-from', errors)} />
            <FieldError id="stats-from" errors={errors} />
          </div>
          <div className="field">
            <label htmlFor="stats-to">Au (inclus)</label>
            <input type="date" value={draft.to} max={today} onChange={(e) => change({ to: e.target.value })} {...fieldProps('stats-to', errors)} />
            <FieldError id="stats-to" errors={errors} />
          </div>
        </div>
        <div className="button-row" role="group" aria-label="Choix rapides de période">
          {QUICK_PERIODS.map((days) => (
            <button key={days} type="button" className="button secondary small" aria-pressed={isQuick(days)} onClick={() => quick(days)} disabled={busy}>
              {days} derniers jours
            </button>
          ))}
        </div>
      </fieldset>

      <fieldset>
        <legend>Zone</legend>
        {national && (
          <div className="field">
            <label htmlFor="stats-region">Région</label>
            <select
              id="stats-region"
              value={draft.region}
              onChange={(e) => {
                const region = e.target.value;
                const inRegion = new Set((choices?.options.departments ?? []).filter((d) => !region || d.region === region).map((d) => d.code));
                change({ region, departments: draft.departments.filter((code) => inRegion.has(code)) });
              }}
            >
              <option value="">France entière</option>
              {choices.options.regions.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {choices && (
          <fieldset className="choice-group" aria-describedby="stats-departments-hint">
            <legend>Départements{draft.departments.length > 0 && ` (${draft.departments.length} choisi${draft.departments.length > 1 ? 's' : ''})`}</legend>
            <p className="hint" id="stats-departments-hint">
              Aucun coché : {draft.region ? 'toute la région' : national ? 'la France entière' : 'toute votre région'}.
            </p>
            <div className="zone-list stats-departments">
              <div className="choice-columns">
                {departments.map((d) => (
                  <label key={d.code} className="choice">
                    <input type="checkbox" checked={draft.departments.includes(d.code)} onChange={(e) => toggleDepartment(d.code, e.target.checked)} />
                    {d.name} ({d.code})
                  </label>
                ))}
              </div>
            </div>
          </fieldset>
        )}
        {!choices && <p className="hint">Les listes de régions et de départements s’afficheront avec les chiffres.</p>}
      </fieldset>

      {choices && (
        <div className="field">
          <label htmlFor="stats-profession">Profession</label>
          <select id="stats-profession" value={draft.profession} onChange={(e) => change({ profession: e.target.value })}>
            <option value="">Toutes les professions</option>
            {choices.options.professions.map((p) => (
              <option key={p.code} value={p.code}>
                {p.label}
              </option>
            ))}
          </select>
          <p className="hint">Les résultats de RT-PCR des laboratoires ne sont comptés que sans choix de profession.</p>
        </div>
      )}
      <ErrorAlert>{Object.values(errors).join(' ') || null}</ErrorAlert>
      <div className="button-row">
        <button type="submit" disabled={busy}>
          {busy ? 'Chargement…' : 'Afficher'}
        </button>
        <button type="button" className="button secondary" onClick={onReset} disabled={busy}>
          Réinitialiser
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------------------------------------
// The figures

function StatisticsView({ stats, filters, refreshing, onRefresh }: { stats: Statistics; filters: StatisticsFilters; refreshing: boolean; onRefresh: () => void }) {
  const view = describeView(stats, filters);
  const windows = useMemo(() => incidentWindows(stats), [stats]);
  const groups = useMemo(
    () => SERIES_GROUPS.map((group) => ({ group, table: groupTable(stats, group, windows), chart: groupChart(stats, group, windows) })).filter(({ table }) => table.columns.length > 1),
    [stats, windows],
  );
  const products = useMemo(() => ({ table: productTable(stats), chart: productChart(stats) }), [stats]);
  const delays = useMemo(() => ({ table: delayTable(stats), chart: delayChart(stats) }), [stats]);
  const empty = !hasFigures(stats);
  // Departments where nothing is counted: left out unless the operator chose departments (then each is shown).
  const emptyDepartments = stats.byDepartment.filter((line) => line.code !== 'total' && isEmptyDepartment(line)).length;
  const [withoutEmpty, setWithoutEmpty] = useState(filters.departments.length === 0);
  const hideEmpty = withoutEmpty && emptyDepartments > 0;

  return (
    <>
      <section className="card print-area" aria-labelledby="titre-vue" data-testid="statistics-view">
        <h2 id="titre-vue">Chiffres affichés</h2>
        <dl className="identity">
          <dt>Période</dt>
          <dd data-testid="view-period">{view.period}</dd>
          <dt>Zone</dt>
          <dd data-testid="view-zone">{view.zone}</dd>
          <dt>Profession</dt>
          <dd data-testid="view-profession">{view.profession}</dd>
          <dt>Mise à jour</dt>
          <dd data-testid="view-refreshed">Chiffres reconstruits {view.refreshed} (chaque minute)</dd>
        </dl>
        <div className="button-row no-print">
          {!empty && (
            <>
              <button type="button" className="button secondary" onClick={() => saveFile(statisticsCsv(stats, filters, { withoutEmptyDepartments: hideEmpty }), csvFilename(stats))}>
                Télécharger le CSV
              </button>
              <button type="button" className="button secondary" onClick={() => window.print()}>
                Imprimer
              </button>
            </>
          )}
          <button type="button" className="button secondary" onClick={onRefresh} disabled={refreshing}>
            {refreshing ? 'Actualisation…' : 'Actualiser'}
          </button>
        </div>
        <p className="hint" id="note-secret">
          {SUPPRESSION_NOTE}
        </p>
        {!empty && (
          <p className="hint no-print">
            Le fichier CSV (UTF-8, séparateur point-virgule) reprend les tableaux de la page : les filtres en lignes de commentaire (#), les séries jour par
            jour (une colonne par série, et les incidents du jour), puis les tableaux par département, par vaccin, par délai de saisie et des incidents.
          </p>
        )}
      </section>

      {empty ? (
        <section className="card print-area" aria-labelledby="titre-vide">
          <h2 id="titre-vide">Aucun chiffre</h2>
          <p data-testid="statistics-empty">
            Aucun acte, code ni déclaration n’est compté {view.period.replace(/ \(.*\)$/, '')} pour cette zone et cette profession. Les chiffres sont reconstruits
            chaque minute : un acte enregistré à l’instant y figure dans une minute au plus (dernière reconstruction : {view.refreshed}).
          </p>
        </section>
      ) : (
        <>
          {stats.incidents.length > 0 && (
            <section className="card print-area" aria-labelledby="titre-incidents">
              <h2 id="titre-incidents">Incidents</h2>
              <p className="hint">Chaque incident est une zone grisée, à son nom, sur les graphiques par jour ; la colonne « Incident » des tableaux le reprend.</p>
              <ul data-testid="statistics-incidents">
                {windows.map((w) => (
                  <li key={w.id}>{w.text}</li>
                ))}
              </ul>
              <StatTable table={incidentTable(stats)} />
            </section>
          )}
          {groups.map(({ group, table, chart }) => (
            <section key={group.group} className="card print-area stats-section" aria-labelledby={`titre-${table.id}`} data-testid={`section-${group.group}`}>
              <h2 id={`titre-${table.id}`}>{group.title}</h2>
              {group.note && (
                <p className="alert alert-info" data-testid={`note-${group.group}`}>
                  {group.note}
                </p>
              )}
              <TimeChart id={table.id} title={group.title} spec={chart} period={view.period} />
              <details className="stats-data">
                <summary>Tableau des données ({stats.days.length} jours)</summary>
                <StatTable table={table} />
              </details>
            </section>
          ))}
          <section className="card print-area" aria-labelledby="titre-departements">
            <h2 id="titre-departements">Par département</h2>
            {emptyDepartments > 0 && (
              <label className="choice no-print">
                <input type="checkbox" checked={withoutEmpty} onChange={(e) => setWithoutEmpty(e.target.checked)} />
                Masquer les départements où rien n’est compté sur la période ({emptyDepartments})
              </label>
            )}
            {hideEmpty && (
              <p className="hint" data-testid="departments-hidden">
                {emptyDepartments === 1 ? 'Un département où rien n’est compté n’est pas montré' : `${emptyDepartments} départements où rien n’est compté ne sont pas montrés`}, ni dans
                le fichier CSV ; le total les comprend.
              </p>
            )}
            <StatTable table={departmentTable(stats, hideEmpty)} />
          </section>
          <section className="card print-area" aria-labelledby="titre-vaccins">
            <h2 id="titre-vaccins">Vaccinations par vaccin</h2>
            {products.table.rows.length === 0 ? (
              <p>Aucune vaccination sur la période.</p>
            ) : (
              <>
                <BarChartFigure id={products.table.id} caption={products.table.caption} spec={products.chart} />
                <StatTable table={products.table} />
              </>
            )}
          </section>
          <section className="card print-area" aria-labelledby="titre-delais">
            <h2 id="titre-delais">Délais de saisie en différé</h2>
            <p className="hint">Un acte est saisi en différé quand il arrive plus de 5 minutes après avoir été enregistré sur l’appareil du professionnel (pendant un incident, par exemple).</p>
            <BarChartFigure id={delays.table.id} caption={delays.table.caption} spec={delays.chart} />
            <StatTable table={delays.table} />
          </section>
        </>
      )}
    </>
  );
}

/** A table of figures: suppressed counts "masqué" and rates not computable "—", explained by the note; scrollable with the keyboard. */
function StatTable({ table }: { table: DataTable }) {
  const first = table.rows[0] ?? table.total;
  const numeric = table.columns.map((_, i) => first?.cells[i]?.kind === 'count' || first?.cells[i]?.kind === 'rate');
  const row = (r: TableRow) => (
    <tr key={r.key} className={r.incident ? 'stats-incident-day' : undefined}>
      <th scope="row">{cellText(r.header)}</th>
      {r.cells.map((cell, i) => (
        <td key={i} className={cell.kind === 'count' || cell.kind === 'rate' ? 'number' : undefined} aria-describedby={cell.value === null ? 'note-secret' : undefined}>
          {cellText(cell)}
        </td>
      ))}
    </tr>
  );
  return (
    <div className="table-scroll" role="region" aria-labelledby={`${table.id}-caption`} tabIndex={0}>
      <table className="stats-table" data-testid={table.id}>
        <caption id={`${table.id}-caption`}>{table.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{table.head}</th>
            {table.columns.map((column, i) => (
              <th scope="col" key={column} className={numeric[i] ? 'number' : undefined}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{table.rows.map(row)}</tbody>
        {table.total && <tfoot>{row(table.total)}</tfoot>}
      </table>
    </div>
  );
}

type ChartModule = typeof import('./statistics-echarts');
let chartModule: Promise<ChartModule> | undefined;
/** The chart module (ECharts), loaded once for all the charts of the page; asked again after a failure. */
function loadChartModule(): Promise<ChartModule> {
  chartModule ??= import('./statistics-echarts').catch((error: unknown) => {
    chartModule = undefined;
    throw error;
  });
  return chartModule;
}

/** Loads the chart module at first use and draws in `element`; a failure is said, the table stays. */
function useChart(draw: (module: ChartModule, element: HTMLElement) => () => void) {
  const ref = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let remove: (() => void) | undefined;
    let current = true;
    loadChartModule().then(
      (module) => {
        if (current && ref.current) remove = draw(module, ref.current);
      },
      () => current && setFailed(true),
    );
    return () => {
      current = false;
      remove?.();
    };
  }, [draw]);
  return { ref, failed };
}

function TimeChart({ id, title, spec, period }: { id: string; title: string; spec: TimeSeriesChart; period: string }) {
  const draw = useCallback((module: ChartModule, element: HTMLElement) => module.drawTimeSeriesChart(element, spec), [spec]);
  const { ref, failed } = useChart(draw);
  const incidents = spec.incidents.length > 0 ? ` Zones grisées : ${spec.incidents.map((w) => w.text).join(' ; ')}.` : '';
  const caption = `${title}, par jour, ${period}.${incidents}`;
  return (
    <figure className="stats-figure">
      {failed ? (
        <p className="hint">Le graphique n'a pas pu être chargé : les chiffres sont dans le tableau des données.</p>
      ) : (
        <div ref={ref} className="stats-chart" role="img" aria-label={`Graphique : ${caption} Les chiffres sont dans le tableau des données qui suit.`} data-testid={`${id}-chart`} />
      )}
      <figcaption className="hint">
        {caption} Séries : {spec.series.map((s) => s.name).join(', ')}. Les effectifs masqués n’apparaissent pas sur le graphique.
      </figcaption>
    </figure>
  );
}

function BarChartFigure({ id, caption, spec }: { id: string; caption: string; spec: BarChart }) {
  const draw = useCallback((module: ChartModule, element: HTMLElement) => module.drawBarChart(element, spec), [spec]);
  const { ref, failed } = useChart(draw);
  return (
    <figure className="stats-figure">
      {failed ? (
        <p className="hint">Le graphique n'a pas pu être chargé : les chiffres sont dans le tableau qui suit.</p>
      ) : (
        <div
          ref={ref}
          className="stats-chart"
          role="img"
          aria-label={`Graphique en barres : ${caption}. Les chiffres sont dans le tableau qui suit.`}
          style={{ height: `${Math.max(200, 70 + spec.categories.length * (spec.series.length * 18 + 14))}px` }}
          data-testid={`${id}-chart`}
        />
      )}
      <figcaption className="hint">{caption}. Les effectifs masqués n’apparaissent pas sur le graphique.</figcaption>
    </figure>
  );
}
