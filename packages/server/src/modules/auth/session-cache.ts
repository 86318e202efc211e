type SessionRow = NonNullable<Awaited<ReturnType<typeof import('./auth.repository.js').findSessionWithProfessional>>>;

/**
 * A short-lived, per-process copy of session rows: most requests of a signed-in professional
 * then cost no database round trip to authenticate. Sign-out evicts here at once; another
 * server process may honour a signed-out session for at most `ttlMs`.
 */
export class SessionCache {
  private readonly entries = new Map<string, { row: SessionRow; cachedAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(id: string, now: Date): SessionRow | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (now.getTime() - entry.cachedAt >= this.ttlMs || now.getTime() < entry.cachedAt) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.row;
  }

  set(id: string, row: SessionRow, now: Date): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, { row, cachedAt: now.getTime() });
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
