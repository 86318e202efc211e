// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, pharmacist, stubNetwork, type SentRequest } from '../../testing/browser';
import type { Statistics, StatisticsSeries } from '../../data/statistics';
import type { BarChart, TimeSeriesChart } from './chart-spec';

// The charts themselves (ECharts) are drawn by a real browser (packages/server/e2e); here, what they are given.
const drawn = vi.hoisted(() => ({ time: [] as TimeSeriesChart[], bars: [] as BarChart[] }));
vi.mock('./statistics-echarts', () => ({
  drawTimeSeriesChart: (_element: HTMLElement, spec: TimeSeriesChart) => {
    drawn.time.push(spec);
    return () => undefined;
  },
  drawBarChart: (_element: HTMLElement, spec: BarChart) => {
    drawn.bars.push(spec);
    return () => undefined;
  },
}));
// The CSV handed to the browser as a download.
const saved = vi.hoisted(() => [] as Array<{ blob: Blob; filename: string }>);
vi.mock('../../data/save-file', () => ({ saveFile: (blob: Blob, filename: string) => saved.push({ blob, filename }) }));

const operator = { ...pharmacist, rights: [...pharmacist.rights, 'operator' as const] };
const DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'];

const series = (group: StatisticsSeries['group'], key: string, label: string, values: Array<number | null>, unit: StatisticsSeries['unit'] = 'count'): StatisticsSeries => ({
  key,
  group,
  label,
  unit,
  national: group === 'robert',
  values,
});
const zeros = () => DAYS.map(() => 0);

/** An answer of GET /api/statistics as the server builds it (statistics.service.ts), for three days. */
function statistics(overrides: Partial<Statistics> = {}): Statistics {
  return {
    scope: { kind: 'national', region: null, regionName: null },
    from: DAYS[0]!,
    to: DAYS.at(-1)!,
    departments: ['33', '40'],
    profession: null,
    threshold: 11,
    refreshedAt: '2026-03-03T09:15:00.000Z',
    days: DAYS,
    series: [
      series('codes', 'codes.issued.all', 'Codes émis', [0, 12, 0]),
      series('codes', 'codes.issued.short', 'Codes courts (6 caractères) émis', [0, 12, 0]),
      series('codes', 'codes.issued.long', 'Codes longs (QR code SI-DEP) émis', zeros()),
      series('declarations', 'declarations', 'Déclarations dans l’application', [0, null, 0]),
      series('robert', 'robert.notified', "Notifications d'exposition remises (ROBERT, national)", [0, 0, 25]),
      series('tests', 'tests.all', 'Tests, tous types', [1234, 40, null]),
      series('tests', 'tests.antigen', 'Tests, test antigénique', [1200, null, null]),
      series('tests', 'tests.supervised-self-test', 'Tests, autotest supervisé', [34, null, 0]),
      series('tests', 'positives.all', 'Tests positifs, tous types', [123, 0, null]),
      series('tests', 'positivity', 'Taux de positivité (%)', [10, 0, null], 'percent'),
      series('vaccinations', 'vaccinations.all', 'Vaccinations, toutes doses', [0, 15, 0]),
      series('vaccinations', 'vaccinations.dose1', 'Vaccinations, 1re dose', [0, 15, 0]),
      series('late', 'late.all', 'Actes saisis en différé', [0, 0, 14]),
      series('late', 'late.1-6h', 'Actes saisis en différé, 1 à 6 heures', [0, 0, 14]),
    ],
    byDepartment: [
      { code: '33', name: 'Gironde (33)', tests: 1270, positives: 123, positivity: 9.7, vaccinations: 15, codesIssued: 12, codesUsed: 0, declarations: null, lateActs: 14 },
      { code: '40', name: 'Landes (40)', tests: null, positives: 0, positivity: null, vaccinations: 0, codesIssued: 0, codesUsed: 0, declarations: 0, lateActs: 0 },
      { code: '24', name: 'Dordogne (24)', tests: 0, positives: 0, positivity: null, vaccinations: 0, codesIssued: 0, codesUsed: 0, declarations: 0, lateActs: 0 },
      { code: 'total', name: 'Total', tests: 1278, positives: 123, positivity: 9.6, vaccinations: 15, codesIssued: 12, codesUsed: 0, declarations: null, lateActs: 14 },
    ],
    vaccinationsByProduct: [{ product: 'EU/1/20/1528', label: 'Comirnaty', count: 15 }],
    lateDelays: [
      { bucket: '<1h', label: 'moins d’une heure', tests: 0, vaccinations: 0 },
      { bucket: '1-6h', label: '1 à 6 heures', tests: 14, vaccinations: 0 },
    ],
    incidents: [{ id: 'inc-1', component: 'psc', label: 'Pro Santé Connect indisponible', startedAt: '2026-03-02T08:00:00.000Z', endedAt: '2026-03-02T12:30:00.000Z' }],
    options: {
      regions: [
        { code: '75', name: 'Nouvelle-Aquitaine' },
        { code: '84', name: 'Auvergne-Rhône-Alpes' },
      ],
      departments: [
        { code: '33', name: 'Gironde', region: '75' },
        { code: '40', name: 'Landes', region: '75' },
        { code: '69', name: 'Rhône', region: '84' },
      ],
      professions: [
        { code: '10', label: 'Médecin' },
        { code: '21', label: 'Pharmacien' },
      ],
    },
    ...overrides,
  };
}

let requests: SentRequest[];
let answer: (path: string) => Response | Promise<Response>;

beforeEach(async () => {
  await freshProfile();
  drawn.time.length = 0;
  drawn.bars.length = 0;
  saved.length = 0;
  answer = () => json(200, statistics());
  requests = stubNetwork((r) => (r.path.startsWith('/api/statistics') ? answer(r.path) : errorAnswer(404, 'NOT_FOUND', "Cette ressource n'existe pas.")));
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.history.replaceState(null, '', '/');
});

async function openPage(address: string, me = operator) {
  window.history.replaceState(null, '', address);
  const { StatisticsPage } = await import('./StatisticsPage');
  render(<StatisticsPage me={me} />);
}

const shown = () => screen.findByTestId('statistics-view');
const statisticsRequests = () => requests.filter((r) => r.path.startsWith('/api/statistics')).map((r) => r.path);
const rowsOf = (table: HTMLElement) => within(table).getAllByRole('row').map((tr) => [...tr.children].map((cell) => cell.textContent));

/** The CSV as lines of fields (no field here holds a `;` or a quote). */
async function downloadedCsv(): Promise<{ text: string; lines: string[][] }> {
  fireEvent.click(screen.getByRole('button', { name: 'Télécharger le CSV' }));
  expect(saved).toHaveLength(1);
  const bytes = new Uint8Array(await saved[0]!.blob.arrayBuffer());
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = new TextDecoder().decode(bytes.slice(3));
  expect(text.endsWith('\r\n')).toBe(true);
  return { text, lines: text.slice(0, -2).split('\r\n').map((line) => line.split(';')) };
}

/** A cell of a table on the page, as the CSV writes it: suppressed and not computable empty, numbers without separators, days ISO. */
function asCsv(text: string): string {
  if (text === 'masqué' || text === '—') return '';
  const day = /^(\d\d)\/(\d\d)\/(\d{4})$/.exec(text);
  if (day) return `${day[3]}-${day[2]}-${day[1]}`;
  return /^[\d\s\u202f,]+$/.test(text) ? text.replace(/[\s\u202f]/g, '') : text;
}

describe('the statistics page', () => {
  it('asks the server with the filters of the address, and puts the filters chosen in the address', async () => {
    await openPage('/statistiques?from=2026-03-01&to=2026-03-03&departments=33');
    await shown();
    expect(statisticsRequests()).toEqual(['/api/statistics?from=2026-03-01&to=2026-03-03&departments=33']);
    expect(screen.getByLabelText<HTMLInputElement>('Du').value).toBe('2026-03-01');
    expect(screen.getByLabelText<HTMLInputElement>('Au (inclus)').value).toBe('2026-03-03');
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: 'Gironde (33)' }).checked).toBe(true);
    expect(screen.getByTestId('view-zone').textContent).toBe('Gironde (33)');

    // Region, departments, profession, period: into the address, then the request.
    fireEvent.change(screen.getByLabelText('Région'), { target: { value: '75' } });
    expect(screen.queryByRole('checkbox', { name: 'Rhône (69)' })).toBeNull();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Landes (40)' }));
    fireEvent.change(screen.getByLabelText('Profession'), { target: { value: '21' } });
    fireEvent.change(screen.getByLabelText('Du'), { target: { value: '2026-02-20' } });
    fireEvent.click(screen.getByRole('button', { name: 'Afficher' }));
    const expected = '?from=2026-02-20&to=2026-03-03&region=75&departments=33,40&profession=21';
    await vi.waitFor(() => expect(window.location.search).toBe(expected));
    await vi.waitFor(() => expect(statisticsRequests().at(-1)).toBe(`/api/statistics${expected}`));
    await shown();

    // A quick choice: the last 7 days, ending today (Paris), the other filters kept.
    fireEvent.click(screen.getByRole('button', { name: '7 derniers jours' }));
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
    const weekAgo = new Date(Date.parse(`${today}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
    await vi.waitFor(() => expect(window.location.search).toBe(`?from=${weekAgo}&to=${today}&region=75&departments=33,40&profession=21`));
    await shown();

    // A start after the end is not sent.
    const before = statisticsRequests().length;
    fireEvent.change(screen.getByLabelText('Du'), { target: { value: '2026-03-10' } });
    fireEvent.change(screen.getByLabelText('Au (inclus)'), { target: { value: '2026-03-01' } });
    fireEvent.click(screen.getByRole('button', { name: 'Afficher' }));
    expect(screen.getByRole('alert').textContent).toBe('La date de début doit précéder la date de fin.');
    expect(screen.getByLabelText('Au (inclus)').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(screen.getByLabelText('Au (inclus)'));
    // Too long a period, or a day to come: said at the field, not sent either.
    fireEvent.change(screen.getByLabelText('Du'), { target: { value: '2024-01-01' } });
    fireEvent.click(screen.getByRole('button', { name: 'Afficher' }));
    expect(document.getElementById('stats-to-error')!.textContent).toBe('La période demandée est trop longue (366 jours au plus).');
    fireEvent.change(screen.getByLabelText('Du'), { target: { value: '2999-01-01' } });
    fireEvent.change(screen.getByLabelText('Au (inclus)'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Afficher' }));
    expect(document.getElementById('stats-from-error')!.textContent).toBe('La date de début ne peut pas être dans le futur.');
    expect(screen.getByLabelText('Au (inclus)').getAttribute('aria-invalid')).toBeNull();
    expect(statisticsRequests()).toHaveLength(before);
  });

  it('asks again for the same view, the figures kept meanwhile, and goes back to the default filters', async () => {
    let release: (() => void) | undefined;
    await openPage('/statistiques?departments=33&profession=21');
    await shown();
    answer = () => {
      const later = statistics({ refreshedAt: '2026-03-03T09:16:00.000Z' });
      return new Promise<Response>((done) => (release = () => done(json(200, later))));
    };
    fireEvent.click(screen.getByRole('button', { name: 'Actualiser' }));
    await vi.waitFor(() => expect(screen.getByTestId('statistics-loading').textContent).toBe('Actualisation des chiffres…'));
    expect(screen.getByTestId('statistiques-tests')).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Actualisation…' }).disabled).toBe(true);
    release!();
    await vi.waitFor(() => expect(screen.getByTestId('view-refreshed').textContent).toMatch(/:16 \(chaque minute\)$/));
    expect(statisticsRequests()).toEqual(['/api/statistics?departments=33&profession=21', '/api/statistics?departments=33&profession=21']);

    answer = () => json(200, statistics());
    fireEvent.click(screen.getByRole('checkbox', { name: 'Landes (40)' }));
    fireEvent.click(screen.getByRole('button', { name: 'Réinitialiser' }));
    await vi.waitFor(() => expect(window.location.search).toBe(''));
    await vi.waitFor(() => expect(statisticsRequests().at(-1)).toBe('/api/statistics'));
    await shown();
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: 'Landes (40)' }).checked).toBe(false);
    expect(screen.getByRole<HTMLInputElement>('checkbox', { name: 'Gironde (33)' }).checked).toBe(false);
    expect(screen.getByLabelText<HTMLSelectElement>('Profession').value).toBe('');
  });

  it('without filters, leaves the period to the server (the last 28 days) and shows it', async () => {
    await openPage('/statistiques');
    await shown();
    expect(statisticsRequests()).toEqual(['/api/statistics']);
    expect(screen.getByLabelText<HTMLInputElement>('Du').value).toBe('2026-03-01');
    expect(screen.getByTestId('view-period').textContent).toBe('du 01/03/2026 au 03/03/2026 (3 jours)');
    expect(screen.getByTestId('view-zone').textContent).toBe('France entière');
    expect(screen.getByTestId('view-refreshed').textContent).toMatch(/^Chiffres reconstruits le 03\/03\/2026 \d\d:15 \(chaque minute\)$/);
  });

  it('writes suppressed counts "masqué" and rates not computable "—", explained by the note', async () => {
    await openPage('/statistiques');
    await shown();
    const tests = screen.getByTestId('statistiques-tests');
    expect(rowsOf(tests)).toEqual([
      ['Jour', 'Tests, tous types', 'Tests, test antigénique', 'Tests, autotest supervisé', 'Tests positifs, tous types', 'Taux de positivité (%)', 'Incident'],
      ['01/03/2026', '1\u202f234', '1\u202f200', '34', '123', '10,0', ''],
      ['02/03/2026', '40', 'masqué', 'masqué', '0', '0,0', 'Pro Santé Connect indisponible'],
      ['03/03/2026', 'masqué', 'masqué', '0', 'masqué', '—', ''],
    ]);
    const suppressed = within(tests).getAllByText('masqué')[0]!;
    expect(suppressed.getAttribute('aria-describedby')).toBe('note-secret');
    expect(document.getElementById('note-secret')!.textContent).toContain('aucun effectif de 1 à 10 n’est publié');
    // The day of the incident is marked in the table as on the chart.
    expect(within(tests).getAllByRole('row')[2]!.className).toBe('stats-incident-day');

    const departments = screen.getByTestId('statistiques-departements');
    expect(rowsOf(departments).slice(1)).toEqual([
      ['Gironde (33)', '1\u202f270', '123', '9,7', '15', '12', '0', 'masqué', '14'],
      ['Landes (40)', 'masqué', '0', '—', '0', '0', '0', '0', '0'],
      ['Total', '1\u202f278', '123', '9,6', '15', '12', '0', 'masqué', '14'],
    ]);
    expect(within(departments).getAllByRole('row')[3]!.parentElement!.tagName).toBe('TFOOT');
    // Departments where nothing is counted are left out (all of France: a long list), unless asked for.
    expect(screen.getByTestId('departments-hidden').textContent).toMatch(/^Un département où rien n’est compté n’est pas montré/);
    // The CSV likewise.
    const { lines } = await downloadedCsv();
    const start = lines.findIndex((line) => line[0] === '# Par département, sur la période (sans les départements où rien n’est compté)');
    expect(lines.slice(start + 1, start + 5).map((line) => line[0])).toEqual(['Code', '33', '40', 'total']);
    fireEvent.click(screen.getByRole('checkbox', { name: /Masquer les départements où rien n’est compté/ }));
    expect(rowsOf(departments).map((row) => row[0])).toEqual(['Département', 'Gironde (33)', 'Landes (40)', 'Dordogne (24)', 'Total']);
  });

  it('gives every chart its caption, its data and the incidents to shade; ROBERT said national', async () => {
    await openPage('/statistiques');
    await shown();
    await vi.waitFor(() => expect(drawn.time).toHaveLength(6));
    const tests = drawn.time[0]!;
    expect(tests.series.map((s) => [s.name, s.kind, s.stacked ?? false, s.percent ?? false])).toEqual([
      ['test antigénique', 'bar', true, false],
      ['autotest supervisé', 'bar', true, false],
      ['Tests, tous types', 'line', false, false],
      ['Tests positifs, tous types', 'line', false, false],
      ['Taux de positivité (%)', 'line', false, true],
    ]);
    expect(tests.incidents).toEqual([{ id: 'inc-1', label: 'Pro Santé Connect indisponible', fromDay: '2026-03-02', toDay: '2026-03-02', text: expect.stringMatching(/^Pro Santé Connect indisponible, du 02\/03\/2026 \d\d:00 au 02\/03\/2026 \d\d:30$/) }]);
    expect(drawn.time.every((chart) => chart.incidents.length === 1)).toBe(true);
    await vi.waitFor(() => expect(drawn.bars.map((b) => b.categories)).toEqual([['Comirnaty'], ['moins d’une heure', '1 à 6 heures']]));

    const chart = screen.getByTestId('statistiques-tests-chart');
    expect(chart.getAttribute('role')).toBe('img');
    expect(chart.getAttribute('aria-label')).toMatch(/^Graphique : Tests, résultats positifs et taux de positivité, par jour, du 01\/03\/2026 au 03\/03\/2026 \(3 jours\)\. Zones grisées : Pro Santé Connect indisponible/);
    expect(chart.closest('figure')!.querySelector('figcaption')!.textContent).toContain('Séries : test antigénique, autotest supervisé, Tests, tous types');
    expect(screen.getByTestId('note-robert').textContent).toContain('nationaux, quels que soient la zone et la profession');
    expect(screen.getByTestId('statistics-incidents').textContent).toMatch(/^Pro Santé Connect indisponible, du 02\/03\/2026/);
    // The data table of a chart: behind a summary reached with the keyboard, opened for printing.
    const details = screen.getByTestId('statistiques-tests').closest('details')!;
    expect(details.querySelector('summary')!.textContent).toBe('Tableau des données (3 jours)');
    expect(details.open).toBe(false);
    window.dispatchEvent(new Event('beforeprint'));
    expect(details.open).toBe(true);
    window.dispatchEvent(new Event('afterprint'));
    expect(details.open).toBe(false);
  });

  it('downloads as CSV exactly the tables shown, suppressed cells empty and explained', async () => {
    await openPage('/statistiques?departments=33,40');
    await shown();
    const { text, lines } = await downloadedCsv();
    expect(saved[0]!.filename).toBe('statistiques_2026-03-01_2026-03-03.csv');
    expect(text.split('\r\n').slice(0, 4)).toEqual([
      '# Statistiques ProStopCovid, du 01/03/2026 au 03/03/2026 (3 jours)',
      '# Zone : Gironde (33), Landes (40) ; profession : toutes',
      expect.stringMatching(/^# Chiffres reconstruits le 03\/03\/2026 \d\d:15 ; fichier créé le /),
      '# Cellule vide : effectif de 1 à 10, masqué (secret statistique), ou taux non calculable ; 0 : aucun. Les séries ROBERT sont nationales.',
    ]);

    // The sections, each after its comment line.
    const section = (title: string) => {
      const start = lines.findIndex((line) => line[0] === `# ${title}`);
      expect(start, title).toBeGreaterThan(0);
      const end = lines.findIndex((line, i) => i > start && line.length === 1 && line[0] === '');
      return lines.slice(start + 1, end < 0 ? undefined : end);
    };
    const days = section('Par jour');
    const header = days[0]!;
    expect(header.slice(0, 2)).toEqual(['Jour', 'Incident']);
    expect(days[2]).toContain('Pro Santé Connect indisponible');

    // Every group's table: each cell, under its column, on its day.
    for (const group of ['tests', 'vaccinations', 'codes', 'declarations', 'robert', 'late']) {
      const rows = rowsOf(screen.getByTestId(`statistiques-${group}`));
      const columns = rows[0]!.slice(1);
      for (const [r, row] of rows.slice(1).entries()) {
        expect(days[r + 1]![0]).toBe(asCsv(row[0]!));
        columns.forEach((column, c) => expect(days[r + 1]![header.indexOf(column)], `${group} ${row[0]} ${column}`).toBe(asCsv(row[c + 1]!)));
      }
    }
    expect(days.slice(1).map((line) => line.slice(2, 6))).toEqual([
      ['1234', '1200', '34', '123'],
      ['40', '', '', '0'],
      ['', '', '0', ''],
    ]);

    // The other tables, line for line (the department's code first).
    const same = (title: string, testId: string, withCode: boolean) => {
      const csv = section(title).map((line) => (withCode ? line.slice(1) : line));
      expect(csv, title).toEqual(rowsOf(screen.getByTestId(testId)).map((row) => row.map((cell) => asCsv(cell))));
    };
    same('Par département, sur la période', 'statistiques-departements', true);
    same('Vaccinations par vaccin', 'statistiques-vaccins', true);
    same('Actes saisis en différé, par délai de saisie', 'statistiques-delais', false);
    same('Incidents (heure de Paris)', 'statistiques-incidents', false);
    // Departments chosen are all shown, even where nothing is counted.
    expect(section('Par département, sur la période').map((line) => line[0])).toEqual(['Code', '33', '40', '24', 'total']);
    expect(section('Par département, sur la période')[2]).toEqual(['40', 'Landes (40)', '', '0', '', '0', '0', '0', '0', '0']);
  });

  it('says when nothing is counted over the period, and when the figures were last rebuilt', async () => {
    const empty = statistics();
    answer = () =>
      json(200, {
        ...empty,
        series: empty.series.map((s) => ({ ...s, values: s.unit === 'percent' ? DAYS.map(() => null) : zeros() })),
        vaccinationsByProduct: [],
        incidents: [],
      });
    await openPage('/statistiques');
    const message = await screen.findByTestId('statistics-empty');
    expect(message.textContent).toMatch(/^Aucun acte, code ni déclaration n’est compté du 01\/03\/2026 au 03\/03\/2026 pour cette zone et cette profession\. Les chiffres sont reconstruits chaque minute .*\(dernière reconstruction : le 03\/03\/2026 \d\d:15\)\.$/);
    expect(screen.queryByRole('button', { name: 'Télécharger le CSV' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Actualiser' })).toBeTruthy();
    expect(screen.queryByTestId('statistiques-tests')).toBeNull();
  });

  it('shows the server’s French message when it refuses, the filters still there', async () => {
    answer = (path) => (path.includes('region=84') ? errorAnswer(403, 'STATS_OUT_OF_SCOPE', 'Vous ne pouvez consulter que les statistiques de votre région.') : json(200, statistics({ scope: { kind: 'regional', region: '75', regionName: 'Nouvelle-Aquitaine' } })));
    await openPage('/statistiques');
    await shown();
    // A regional operator chooses no region: the departments of theirs only.
    expect(screen.queryByLabelText('Région')).toBeNull();
    expect(screen.getByTestId('view-zone').textContent).toBe('région Nouvelle-Aquitaine (votre périmètre)');

    window.history.pushState(null, '', '/statistiques?region=84');
    window.dispatchEvent(new PopStateEvent('popstate'));
    const error = await screen.findByTestId('statistics-error');
    expect(within(error).getByRole('alert').textContent).toBe('Vous ne pouvez consulter que les statistiques de votre région.');
    expect(screen.getByTestId('statistics-filters')).toBeTruthy();
    expect(screen.queryByTestId('statistics-view')).toBeNull();
  });

  it('is for operators only', async () => {
    await openPage('/statistiques', pharmacist);
    expect(screen.getByRole('alert').textContent).toContain('réservée aux opérateurs');
    expect(statisticsRequests()).toEqual([]);
  });
});
