import { normalizePersonName } from '@prostopcovid/dcc';
import { Compile } from 'typebox/compile';
import '../../platform/formats.js';
import type { Db } from '../../db/database.js';
import { recordAudit } from '../../platform/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { instantOf, isPlausibleBirthDate, parisDate, parseInstant } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { generateToken, hashToken } from '../../platform/secrets.js';
import { generateRetrievalCode } from '../../platform/retrieval-code.js';
import { generateUvci } from '../../platform/uvci.js';
import * as repo from './labs.repository.js';
import { findDepartment } from '../../platform/territories.js';
import { departmentOfFiness } from '../statistics/attribution.js';
import { LabResult } from '@prostopcovid/contracts/labs';

export interface LabsDeps {
  db: Db;
  batchMaxResults: number;
  /** Requests per minute of each API key, across processes. */
  keyRequestsPerMinute: number;
}

export async function createLab(deps: LabsDeps, ctx: RequestContext, input: { name: string; finess?: string; department?: string }) {
  if (input.department !== undefined && !findDepartment(input.department)) throw new AppError('LABS_DEPARTMENT_UNKNOWN', { details: { department: input.department } });
  const department = input.department ?? departmentOfFiness(input.finess);
  return deps.db.transaction().execute(async (trx) => {
    const lab = await repo.insertLab(trx, { name: input.name.trim(), finess: input.finess ?? null, department, now: ctx.now });
    await recordAudit(trx, ctx, { action: 'labs.create', outcome: 'success', targetType: 'lab', targetId: lab.id });
    return lab;
  });
}

/** A new API key for a laboratory, returned once: only its SHA-256 is stored. */
export async function createLabKey(deps: LabsDeps, ctx: RequestContext, labId: string) {
  const apiKey = `lbk_${generateToken()}`;
  const keyId = await deps.db.transaction().execute(async (trx) => {
    if (!(await repo.labExists(trx, labId))) throw new AppError('LABS_NOT_FOUND');
    const id = await repo.insertLabKey(trx, { labId, keyHash: hashToken(apiKey), now: ctx.now });
    await recordAudit(trx, ctx, { action: 'labs.key_create', outcome: 'success', targetType: 'lab_api_key', targetId: id, details: { labId } });
    return id;
  });
  return { keyId, apiKey };
}

export async function revokeLabKey(deps: LabsDeps, ctx: RequestContext, labId: string, keyId: string): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    if (!(await repo.revokeLabKey(trx, labId, keyId, ctx.now))) throw new AppError('LABS_NOT_FOUND');
    await recordAudit(trx, ctx, { action: 'labs.key_revoke', outcome: 'success', targetType: 'lab_api_key', targetId: keyId, details: { labId } });
  });
}

export async function listLabs(deps: LabsDeps) {
  const { labs, keys } = await repo.listLabsWithKeys(deps.db);
  return {
    labs: labs.map((lab) => ({
      ...lab,
      keys: keys
        .filter((key) => key.lab_id === lab.id)
        .map((key) => ({ id: key.id, createdAt: key.created_at.toISOString(), revokedAt: key.revoked_at?.toISOString() ?? null })),
    })),
  };
}

/** Machine-to-machine: the laboratory's key, never PSC, so results keep flowing when PSC is down. */
export async function authenticateLab(deps: LabsDeps, authorization: string | undefined) {
  const key = /^Bearer (lbk_[A-Za-z0-9_-]{43})$/.exec(authorization ?? '')?.[1];
  const lab = key ? await repo.findActiveKey(deps.db, hashToken(key)) : undefined;
  if (!lab) throw new AppError('LABS_KEY_INVALID');
  return lab;
}

/** No SARS-CoV-2 test predates the pandemic. */
const EARLIEST_SAMPLE = Date.parse('2020-01-01T00:00:00Z');

// Compiled once: batches of thousands of results are checked item by item.
const labResultValidator = Compile(LabResult);

/** What is wrong with one result, or nothing. */
function resultProblems(item: unknown, now: Date, today: string): string[] {
  if (!labResultValidator.Check(item)) {
    return labResultValidator
      .Errors(item)
      .slice(0, 5)
      .map((error) => `${error.instancePath || '/'} : ${error.message}`);
  }
  // The check above typed it: a LabResult.
  const problems: string[] = [];
  if (!isPlausibleBirthDate(item.patient.birthDate, today)) {
    problems.push('/patient/birthDate : date de naissance invalide');
  }
  const sampled = parseInstant(item.sampledAt)?.getTime();
  if (sampled === undefined || sampled < EARLIEST_SAMPLE) problems.push('/sampledAt : date de prélèvement invalide');
  else if (sampled > now.getTime() + 5 * 60_000) problems.push('/sampledAt : prélèvement dans le futur');
  return problems;
}

/**
 * A batch of RT-PCR results. All or nothing: one faulty result refuses the batch, with
 * each fault named; a result already received (same lab and sample id) is not recorded again.
 */
export async function ingestLabResults(deps: LabsDeps, ctx: RequestContext, lab: { labId: string; labName: string; keyId: string }, items: unknown[]) {
  if (items.length > deps.batchMaxResults) {
    throw new AppError('LABS_BATCH_TOO_LARGE', { publicDetails: { received: items.length, max: deps.batchMaxResults } });
  }
  const today = parisDate(ctx.now);
  const faults = items.flatMap((item, index) => {
    const problems = resultProblems(item, ctx.now, today);
    const sampleId = (item as { sampleId?: unknown } | null)?.sampleId;
    return problems.length ? [{ index, sampleId: typeof sampleId === 'string' ? sampleId : null, problems }] : [];
  });
  if (faults.length > 0) throw new AppError('LABS_BATCH_INVALID', { publicDetails: faults.slice(0, 100) });

  const rows = (items as LabResult[]).map((item) => {
    const retrievalCode = generateRetrievalCode();
    return {
    retrievalCode,
    sampleId: item.sampleId,
    familyName: normalizePersonName(item.patient.familyName),
    givenName: normalizePersonName(item.patient.givenName),
    birthDate: item.patient.birthDate,
    sex: item.patient.sex,
    email: item.patient.email ?? null,
    phone: item.patient.phone ?? null,
    sampledAt: instantOf(item.sampledAt),
    result: item.result,
    uvci: generateUvci({ country: 'FR' }),
    retrievalHash: hashToken(retrievalCode),
    };
  });
  const inserted = await deps.db.transaction().execute(async (trx) => {
    const created = await repo.insertLabResults(trx, { id: lab.labId, name: lab.labName }, rows, ctx.now);
    await recordAudit(trx, ctx, {
      action: 'labs.results_batch',
      outcome: 'success',
      targetType: 'lab',
      targetId: lab.labId,
      details: { keyId: lab.keyId, received: rows.length, created: created.length },
    });
    return created;
  });
  const idBySample = new Map(inserted.map((row) => [row.lab_sample_id, row.id]));
  const results = rows.map((row) => {
    const id = idBySample.get(row.sampleId) ?? null;
    // The same sample twice in one batch: the first is created, the second a duplicate.
    if (id) idBySample.delete(row.sampleId);
    // The retrieval code goes back to the lab once, to print on the patient's result.
    return id
      ? { sampleId: row.sampleId, status: 'created' as const, id, retrievalCode: row.retrievalCode }
      : { sampleId: row.sampleId, status: 'duplicate' as const, id: null, retrievalCode: null };
  });
  return { created: inserted.length, duplicates: rows.length - inserted.length, results };
}
