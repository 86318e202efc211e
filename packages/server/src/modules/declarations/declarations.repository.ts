import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

export async function insertDeclaration(
  db: Executor,
  row: { codeId: string; onsetKind: 'symptoms' | 'test' | 'unknown'; onsetDate: string | null; windowFrom: string; windowTo: string; tokenHash: string; tokenExpiresAt: Date; now: Date },
): Promise<string> {
  const inserted = await db
    .insertInto('declarations')
    .values({
      code_id: row.codeId,
      onset_kind: row.onsetKind,
      onset_date: row.onsetDate,
      window_from: row.windowFrom,
      window_to: row.windowTo,
      upload_token_hash: row.tokenHash,
      token_expires_at: row.tokenExpiresAt,
      declared_at: row.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

/** One upload per token: claims it in one statement (rolled back with the transaction on failure). */
export async function claimUpload(db: Executor, tokenHash: string, now: Date) {
  return db
    .updateTable('declarations')
    .set({ uploaded_at: now })
    .where('upload_token_hash', '=', tokenHash)
    .where('uploaded_at', 'is', null)
    .where('token_expires_at', '>', now)
    .returning(['id', 'window_from', 'window_to'])
    .executeTakeFirst();
}

export async function recordUploadCounts(db: Executor, id: string, accepted: number, rejected: number): Promise<void> {
  await db.updateTable('declarations').set({ contacts_accepted: accepted, contacts_rejected: rejected }).where('id', '=', id).execute();
}

const CHUNK = 1000;

export async function insertContacts(
  db: Executor,
  declarationId: string,
  contacts: Array<{ ephemeralId: Buffer; seenAt: Date; durationSeconds: number; rssi: number }>,
): Promise<void> {
  for (let i = 0; i < contacts.length; i += CHUNK) {
    await db
      .insertInto('contacts')
      .values(
        contacts.slice(i, i + CHUNK).map((c) => ({
          declaration_id: declarationId,
          ephemeral_id: c.ephemeralId,
          seen_at: c.seenAt,
          duration_seconds: c.durationSeconds,
          rssi: c.rssi,
        })),
      )
      .execute();
  }
}
