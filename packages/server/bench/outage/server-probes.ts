/** What the server says about itself, for the report only. */
export async function openIncidents(baseUrl: string): Promise<string> {
  try {
    const response = await fetch(`${baseUrl}/api/incidents/current`, { signal: AbortSignal.timeout(5000) });
    const { incidents } = (await response.json()) as { incidents: Array<{ component: string }> };
    return incidents.length ? incidents.map((i) => i.component).join(', ') : 'none';
  } catch (error) {
    return `unknown (${(error as Error).message})`;
  }
}

/** POST counts by route and status from the server's own /metrics. */
export async function serverActCounts(baseUrl: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  for (const line of text.split('\n')) {
    const m = /^http_requests_total\{(.*)\} (\d+(?:\.\d+)?)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!] as const));
    if (labels.method !== 'POST' || (labels.route !== '/api/tests' && labels.route !== '/api/vaccinations')) continue;
    counts.set(labels.status!, (counts.get(labels.status!) ?? 0) + Number(m[2]));
  }
  return counts;
}
