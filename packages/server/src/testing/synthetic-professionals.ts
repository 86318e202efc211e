import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/**
 * Inserts `count` synthetic professionals straight into the database, as if each had signed in
 * once: a national id in a test range, one exercice (profession, department, region) and an
 * address at the reserved .example domain. For fan-out tests and the benchmark, where signing in
 * hundreds of thousands through OIDC would measure the sign-in instead.
 */
export async function insertSyntheticProfessionals(
  db: Db,
  input: { count: number; profession: string; department: string; region: string; prefix: string; emailDomain?: string },
): Promise<void> {
  // 8 + 11 digits: '89' + a 4-digit prefix (one per batch) + a 6-digit serial, far from the sandbox's accounts.
  if (!/^\d{4}$/.test(input.prefix)) throw new Error('prefix: 4 digits');
  const domain = input.emailDomain ?? 'synthetic.example';
  await sql`with inserted as (
      insert into professionals (id_nat_ps, given_name, family_name, professions, exercices, email, updated_at)
      select '89' || ${input.prefix} || lpad(n::text, 6, '0'), 'Synthétique', 'TEST-' || n, array[${input.profession}::text], '[]'::jsonb,
        'pro' || ${input.prefix} || '-' || n || '@' || ${domain}, now()
      from generate_series(1, ${input.count}) as n
      returning id
    )
    insert into professional_zones (professional_id, profession, department, region)
    select id, ${input.profession}, ${input.department}, ${input.region} from inserted`.execute(db);
}
