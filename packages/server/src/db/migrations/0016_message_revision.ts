import { sql, type Kysely } from 'kysely';

/**
 * messages.revision: raised by every change of a message (draft saved, published, corrected,
 * withdrawn), so two operators editing the same message do not overwrite each other in silence:
 * the answers carry it as an ETag, and a change sent with an older one in If-Match gets a 412.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table messages add column revision integer not null default 1`.execute(db);
}
