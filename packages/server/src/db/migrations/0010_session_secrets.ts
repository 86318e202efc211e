import { sql, type Kysely } from 'kysely';

/**
 * Sessions keep no secret in clear: the CSRF token is derived from the cookie
 * value, and the PSC id_token is sealed with a key derived from it. Existing sessions stay
 * open (a deployment during a PSC incident must not sign everybody out); their plain
 * id_tokens are dropped, so their sign-out reaches PSC without a hint.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sessions drop column csrf_token`.execute(db);
  await sql`alter table sessions rename column id_token to id_token_sealed`.execute(db);
  await sql`update sessions set id_token_sealed = null`.execute(db);
}
