import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * French administrative divisions from `@etalab/decoupage-administratif` (the INSEE
 * geographic code, maintained by Etalab): regions, departments, and the communes with their
 * postcodes. A postcode can serve communes of two departments (01200: Ain and Haute-Savoie);
 * it then stands for both. Corsica's postcodes start with 20 but its departments are 2A and
 * 2B, and overseas postcodes start with the three-digit department (97200: Martinique): both
 * come right from the communes' own department, not from the digits.
 */
interface Division {
  code: string;
  nom: string;
  region?: string;
  zone?: string;
}
interface Commune {
  code: string;
  type: string;
  departement?: string;
  codesPostaux?: string[];
  chefLieu?: string;
}

const require = createRequire(import.meta.url);
const dataFile = (name: string) => require.resolve(`@etalab/decoupage-administratif/data/${name}.json`);
const readJson = <T>(name: string): T => JSON.parse(readFileSync(dataFile(name), 'utf8')) as T;

export interface Region {
  code: string;
  name: string;
}
export interface Department {
  code: string;
  name: string;
  region: string;
}

export const regions: readonly Region[] = readJson<Division[]>('regions').map((r) => ({ code: r.code, name: r.nom }));
/**
 * Overseas collectivities are their own "region" in the INSEE code, but an ARS covers them:
 * Saint-Barthélemy (977) and Saint-Martin (978) are the Guadeloupe ARS's territory (region 01).
 * The one place where the health map departs from the administrative one.
 */
const HEALTH_REGION_OF_COLLECTIVITY: Readonly<Record<string, string>> = { '977': '01', '978': '01' };

export const departments: readonly Department[] = readJson<Division[]>('departements').map((d) => ({
  code: d.code,
  name: d.nom,
  region: HEALTH_REGION_OF_COLLECTIVITY[d.code] ?? d.region ?? d.code,
}));
const regionByCode = new Map(regions.map((r) => [r.code, r]));
const departmentByCode = new Map(departments.map((d) => [d.code, d]));

export const findRegion = (code: string): Region | undefined => regionByCode.get(code);
export const findDepartment = (code: string): Department | undefined => departmentByCode.get(code);

/** "Gironde (33)". */
export const departmentLabel = (code: string): string => {
  const department = departmentByCode.get(code);
  return department ? `${department.name} (${department.code})` : code;
};

interface CommuneIndex {
  byPostcode: Map<string, string[]>;
  byCommune: Map<string, string>;
}

let communeIndex: CommuneIndex | undefined;

/**
 * The communes file is 8 MB of JSON: it is read at the first need (a sign-in), reduced to two
 * maps (postcode → departments, commune code → department) and dropped.
 */
function communes(): CommuneIndex {
  if (communeIndex) return communeIndex;
  const byPostcode = new Map<string, Set<string>>();
  const byCommune = new Map<string, string>();
  const all = readJson<Commune[]>('communes');
  const departmentOf = new Map(all.filter((c) => c.departement).map((c) => [c.code, c.departement!]));
  for (const commune of all) {
    // A former commune (déléguée, associée) carries the department of the one it joined.
    const department = commune.departement ?? (commune.chefLieu ? departmentOf.get(commune.chefLieu) : undefined);
    if (!department) continue;
    if (!byCommune.has(commune.code)) byCommune.set(commune.code, department);
    for (const postcode of commune.codesPostaux ?? []) {
      const set = byPostcode.get(postcode) ?? new Set<string>();
      set.add(department);
      byPostcode.set(postcode, set);
    }
  }
  communeIndex = { byPostcode: new Map([...byPostcode].map(([postcode, set]) => [postcode, [...set].sort()])), byCommune };
  return communeIndex;
}

/**
 * The departments of an address: from the INSEE commune code when there is one (exact), else
 * from the postcode. A CEDEX postcode (a business's own, 33076) is in no commune's list: its
 * department is then read from its digits, as La Poste assigns them, and checked against the list.
 */
export function departmentsOf(address: { postcode?: string | null; communeCode?: string | null }): string[] {
  const index = communes();
  const commune = address.communeCode?.trim().toUpperCase();
  if (commune && index.byCommune.has(commune)) return [index.byCommune.get(commune)!];
  const postcode = address.postcode?.trim();
  if (!postcode || !/^[0-9]{5}$/.test(postcode)) return [];
  const known = index.byPostcode.get(postcode);
  if (known) return known;
  const prefix = postcode.startsWith('97') || postcode.startsWith('98') ? postcode.slice(0, 3) : postcode.slice(0, 2);
  if (prefix === '20') return [Number(postcode.slice(2, 3)) < 2 ? '2A' : '2B'];
  return departmentByCode.has(prefix) ? [prefix] : [];
}

/** A department's region ('33' → '75'). */
export const regionOf = (department: string): string | undefined => departmentByCode.get(department)?.region;
