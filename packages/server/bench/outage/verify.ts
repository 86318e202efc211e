/** The database, read after the server has stopped: every client act stored exactly once. */
import type { ActKind } from '@prostopcovid/continuity';
import { openDatabase } from '../../src/db/database.js';
import type { ClientAct } from './professionals.js';
import type { Variant } from './settings.js';

export interface Verification {
  perVariant: Map<Variant, { clientActs: number; stored: number; lost: number; duplicates: number; kindMismatch: number }>;
  orphans: number;
  withoutKey: number;
  storedTotal: number;
}

export async function verify(dbOptions: { url?: string; dataDir?: string }, acts: Map<string, ClientAct>): Promise<Verification> {
  const database = await openDatabase(dbOptions);
  try {
    const { db } = database;
    const rows = [
      ...(await db
        .selectFrom('test_results as a')
        .leftJoin('professionals as p', 'p.id', 'a.professional_id')
        .select(['p.id_nat_ps', 'a.idempotency_key'])
        .execute()).map((r) => ({ ...r, kind: 'test' as const })),
      ...(await db
        .selectFrom('vaccinations as a')
        .innerJoin('professionals as p', 'p.id', 'a.professional_id')
        .select(['p.id_nat_ps', 'a.idempotency_key'])
        .execute()).map((r) => ({ ...r, kind: 'vaccination' as const })),
    ];
    // Keys are scoped to the professional on the server: count rows per (professional, key).
    const stored = new Map<string, { n: number; kind: ActKind }>();
    let withoutKey = 0;
    for (const r of rows) {
      if (!r.idempotency_key) {
        withoutKey++;
        continue;
      }
      const id = `${r.id_nat_ps}/${r.idempotency_key}`;
      const seen = stored.get(id);
      stored.set(id, { n: (seen?.n ?? 0) + 1, kind: r.kind });
    }
    const perVariant: Verification['perVariant'] = new Map();
    const known = new Set<string>();
    for (const act of acts.values()) {
      const id = `${act.idNatPs}/${act.key}`;
      known.add(id);
      const v = perVariant.get(act.variant) ?? { clientActs: 0, stored: 0, lost: 0, duplicates: 0, kindMismatch: 0 };
      v.clientActs++;
      const row = stored.get(id);
      if (!row) v.lost++;
      else {
        v.stored++;
        v.duplicates += row.n - 1;
        if (row.kind !== act.kind) v.kindMismatch++;
      }
      perVariant.set(act.variant, v);
    }
    let orphans = 0;
    for (const [id, row] of stored) if (!known.has(id)) orphans += row.n;
    return { perVariant, orphans, withoutKey, storedTotal: rows.length };
  } finally {
    await database.close();
  }
}
