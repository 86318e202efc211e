/** The server's ROBERT KPIs as any operator reads them: GET /metrics (Prometheus text). */

export interface RobertFigures {
  reportsReceived: number;
  reportsProcessed: number;
  reportsQueued: number;
  hellosReceived: number;
  hellosChecked: number;
  hellosValid: number;
  dropped: Record<string, number>;
  users: Record<string, number>;
  /** Server-side time of the ROBERT routes (the HTTP duration histogram), by route. */
  routes: Record<string, { count: number; seconds: number }>;
}

const LINE = /^(robert_[a-z_]+)\{([a-z_]+)="([^"]*)"\} ([0-9.e+-]+)$/;
const DURATION = /^http_request_duration_seconds_(sum|count)\{method="[A-Z]+",route="\/api\/robert\/v1\/([a-zA-Z]+)"\} ([0-9.e+-]+)$/;

export async function robertFigures(baseUrl: string): Promise<RobertFigures> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(30_000) });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const figures: RobertFigures = { reportsReceived: 0, reportsProcessed: 0, reportsQueued: 0, hellosReceived: 0, hellosChecked: 0, hellosValid: 0, dropped: {}, users: {}, routes: {} };
  for (const line of (await response.text()).split('\n')) {
    const duration = DURATION.exec(line);
    if (duration) {
      const [, kind, route, raw] = duration;
      const entry = (figures.routes[route!] ??= { count: 0, seconds: 0 });
      if (kind === 'sum') entry.seconds = Number(raw);
      else entry.count = Number(raw);
      continue;
    }
    const match = LINE.exec(line);
    if (!match) continue;
    const [, name, , label, raw] = match;
    const value = Number(raw);
    if (name === 'robert_reports') {
      if (label === 'received') figures.reportsReceived = value;
      if (label === 'processed') figures.reportsProcessed = value;
      if (label === 'queued') figures.reportsQueued = value;
    } else if (name === 'robert_hellos') {
      if (label === 'received') figures.hellosReceived = value;
      if (label === 'checked') figures.hellosChecked = value;
      if (label === 'valid') figures.hellosValid = value;
    } else if (name === 'robert_hellos_dropped') {
      figures.dropped[label!] = value;
    } else if (name === 'robert_users') {
      figures.users[label!] = value;
    }
  }
  return figures;
}
