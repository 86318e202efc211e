import { sql, type RawBuilder } from 'kysely';
import { findDepartment } from '../../platform/territories.js';

/**
 * Where and under which profession an act counts in the statistics, as SQL to put in the act's
 * INSERT: the recording professional's activity (recorded at sign-in, professional_zones) whose
 * profession may perform the act; among several, the first by department code. Fixed when the
 * act is recorded: a professional who moves later does not move past figures. Null when no
 * activity with a known address matches (the act then counts under an unknown department).
 */
export function actZone(professionalId: string, professions: readonly string[]): { department: RawBuilder<string | null>; profession: RawBuilder<string | null> } {
  const pick = (column: 'department' | 'profession') =>
    sql<string | null>`(select nullif(z.${sql.raw(column)}, '') from professional_zones z
      where z.professional_id = ${professionalId} and z.profession = any(${[...professions]}::text[])
      order by z.department = '', z.department, z.profession limit 1)`;
  return { department: pick('department'), profession: pick('profession') };
}

/**
 * A laboratory's department from its FINESS number, whose first two characters are the
 * department in metropolitan France (01–95, 2A, 2B). Overseas numbers (97…, 98…) do not say
 * which department in their first characters: the department is then given explicitly.
 */
export function departmentOfFiness(finess: string | null | undefined): string | null {
  const prefix = finess?.slice(0, 2).toUpperCase();
  if (!prefix || /^9[6-9]$/.test(prefix)) return null;
  return findDepartment(prefix) ? prefix : null;
}
