import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openTestDatabase } from '../testing/database.js';
import { migrateToLatest } from './migrate.js';

describe('migrations', () => {
  it('apply once, even when two starts race, and are idempotent afterwards', async () => {
    const handle = await openTestDatabase();
    try {
      const [a, b] = await Promise.all([migrateToLatest(handle), migrateToLatest(handle)]);
      expect([...a, ...b]).toEqual(['0001_foundation', '0002_declaration_codes', '0003_tests_vaccinations', '0004_labs', '0005_certificates', '0006_long_codes', '0007_continuity', '0008_fallback_pending', '0009_recovery_certificates', '0010_session_secrets', '0011_robert', '0012_cheaper_writes', '0013_messages', '0014_statistics', '0015_lab_long_codes', '0016_message_revision']);
      expect(await migrateToLatest(handle)).toEqual([]);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from professionals`.execute(handle.db);
      expect(rows[0]!.n).toBe(0);
    } finally {
      await handle.close();
    }
  });
});
