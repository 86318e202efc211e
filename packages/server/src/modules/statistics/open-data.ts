import { createHash } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { addDays, type IsoDate } from '../../platform/dates.js';
import { departments } from '../../platform/territories.js';
import * as repo from './statistics.repository.js';
import { suppress, suppressParts } from './statistics.service.js';

/**
 * The daily positive tests and tests by department and age class, in the shape of Santé
 * publique France's published indicator "sp-pos-quot-dep" (SI-DEP data set "Données relatives
 * aux résultats des tests virologiques COVID-19"): `dep;jour;P;T;cl_age90`, one line per
 * department, day and age class (cl_age90: 9 for 0–9 years, 19, 29… 89, 90 for 90 and over,
 * 0 for all ages). Differences, stated in the README: the department is where the test was
 * recorded (the professional's activity or the laboratory), not the patient's residence; the
 * `pop` column is left out; counts from 1 to 10 are empty (suppressed).
 */
export const OPEN_DATA_HEADER = 'dep;jour;P;T;cl_age90';
const AGE_CLASSES = ['09', '19', '29', '39', '49', '59', '69', '79', '89', '90'] as const;

export interface OpenDataFile {
  /** The last day it covers: the last day closed by the statistics job. */
  through: string | null;
  body: string;
  etag: string;
  generatedAt: Date;
}

/** Builds the file from the rollup, over the closed days only (those no longer rebuilt). */
export async function buildPositiveTestsFile(db: Db, now: Date): Promise<OpenDataFile> {
  const state = await repo.readState(db);
  const lines = [OPEN_DATA_HEADER];
  const through = state?.day ?? null;
  if (through) {
    const rows = await repo.readTestsByAge(db, '2020-01-01', through);
    // `department/day/class` → [positives, tests]
    const counts = new Map<string, [number, number]>();
    let first: IsoDate | undefined;
    for (const row of rows) {
      const [ageClass, result] = row.dimension.split('/') as [string, string];
      if (!first || row.day < first) first = row.day;
      const key = `${row.department}/${row.day}/${ageClass}`;
      const cell = counts.get(key) ?? [0, 0];
      if (result === 'detected') cell[0] += row.count;
      cell[1] += row.count;
      counts.set(key, cell);
    }
    const cell = (value: number | null) => (value === null ? '' : String(value));
    if (first) {
      for (const department of departments) {
        for (let day = first; day <= through; day = addDays(day, 1)) {
          const found = AGE_CLASSES.map((c): [number, number] => counts.get(`${department.code}/${day}/${c}`) ?? [0, 0]);
          const positives = found.map(([p]) => p);
          const tests = found.map(([, t]) => t);
          const [shownPositives, shownTests] = [suppressParts(positives), suppressParts(tests)];
          const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
          lines.push(`${department.code};${day};${cell(suppress(sum(positives)))};${cell(suppress(sum(tests)))};0`);
          AGE_CLASSES.forEach((ageClass, i) => lines.push(`${department.code};${day};${cell(shownPositives[i]!)};${cell(shownTests[i]!)};${Number(ageClass)}`));
        }
      }
    }
  }
  const body = `${lines.join('\n')}\n`;
  return { through, body, etag: `"${createHash('sha256').update(body).digest('base64url')}"`, generatedAt: now };
}

/** One file per process, built again once the statistics job has closed another day. */
export class OpenDataCache {
  private file: OpenDataFile | undefined;
  private building: Promise<OpenDataFile> | undefined;

  constructor(private readonly db: Db) {}

  async get(now: Date): Promise<OpenDataFile> {
    const through = (await repo.readState(this.db))?.day ?? null;
    if (this.file && this.file.through === through) return this.file;
    this.building ??= buildPositiveTestsFile(this.db, now).finally(() => (this.building = undefined));
    this.file = await this.building;
    return this.file;
  }
}
