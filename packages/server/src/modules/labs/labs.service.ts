import { normalizePersonName } from '@prostopcovid/dcc';
import { Compile } from 'typebox/compile';
import '../../platform/formats.js';
import { recordAudit } from '../../platform/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { instantOf, isPlausibleBirthDate, parisDate, parseInstant } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { generateToken, hashToken } from '../../platform/secrets.js';
import { generateRetrievalCode } from '../../platform/retrieval-code.js';
import { generateUvci } from '../../platform/uvci.js';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import * as repo from './labs.repository.js';
import { findDepartment } from '../../platform/territories.js';
import type { SealingKeys } from '../../platform/sealing-keys.js';
import { DAY } from '../../platform/clock.js';
import { departmentOfFiness } from '../statistics/attribution.js';
import { LabResult } from '@prostopcovid/contracts/labs';
import { attachLongCodes, planLongCodeAttachments, purgeSealedLongCodes, type CodeToAttach, type LongCodesDeps } from './long-codes.service.js';

export interface LabsDeps extends LongCodesDeps {
  batchMaxResults: number;
  /** Requests per minute of each API key, across processes. */
  keyRequestsPerMinute: number;
  /** Seals each lab result's retrieval code for a replay of its batch. */
  retrievalKeys: SealingKeys;
  /** How long a replayed batch still gets its retrieval codes back. */
  retrievalReplayDays: number;
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
  // The key itself stays with the request: it seals what only its holder may read again.
  return { ...lab, apiKey: key! };
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
 * Where a sealed retrieval code belongs: it opens only for the same lab and sample id.
 *
 * Why sealed (AES-256-GCM, LAB_RETRIEVAL_KEYS) rather than derived (HMAC of lab and sample id under
 * a server key): a derived code can be recomputed by whoever holds that one key, for every lab
 * result ever recorded, from sample ids that labs number in sequence; a sealed one needs the key
 * and the database row, and the row is deleted after LAB_RETRIEVAL_REPLAY_DAYS, so a later leak
 * exposes only recent codes. Keys rotate like the code HMAC keys (newest first, older ones still
 * open what they sealed). Results recorded before this existed, or past the window, answer null.
 */
const retrievalContext = (labId: string, sampleId: string) => `lab-result:${labId}:${sampleId}`;

/**
 * A batch of RT-PCR results. All or nothing: one faulty result refuses the batch, with
 * each fault named; a result already received (same lab and sample id) is not recorded again,
 * and answers `duplicate` with the retrieval code it was given the first time (while kept).
 * A positive result may carry one of the lab's long codes (`longCode`), attached to it in the
 * same transaction: the patient then declares with it in the app.
 */
export async function ingestLabResults(deps: LabsDeps, ctx: RequestContext, lab: { labId: string; labName: string; keyId: string }, items: unknown[]) {
  if (items.length > deps.batchMaxResults) {
    throw new AppError('LABS_BATCH_TOO_LARGE', { publicDetails: { received: items.length, max: deps.batchMaxResults } });
  }
  const today = parisDate(ctx.now);
  const faults = new Map<number, string[]>();
  items.forEach((item, index) => {
    const problems = resultProblems(item, ctx.now, today);
    if (problems.length) faults.set(index, problems);
  });

  const valid = items as LabResult[];
  const firstIndexOfSample = new Map<string, number>();
  const withCodes: CodeToAttach[] = [];
  valid.forEach((item, index) => {
    if (faults.has(index)) return;
    if (!firstIndexOfSample.has(item.sampleId)) firstIndexOfSample.set(item.sampleId, index);
    if (item.longCode === undefined) return;
    if (item.result !== 'detected') faults.set(index, ["/longCode : un code long ne s'attache qu'à un résultat positif (detected)"]);
    else withCodes.push({ index, sampleId: item.sampleId, longCode: item.longCode });
  });

  const refuse = (more: Map<number, string[]> = new Map()) => {
    const indexes = [...new Set([...faults.keys(), ...more.keys()])].sort((a, b) => a - b);
    const details = indexes.map((index) => {
      const sampleId = (items[index] as { sampleId?: unknown } | null)?.sampleId;
      return { index, sampleId: typeof sampleId === 'string' ? sampleId : null, problems: [...(faults.get(index) ?? []), ...(more.get(index) ?? [])] };
    });
    return new AppError('LABS_BATCH_INVALID', { publicDetails: details.slice(0, 100) });
  };
  const sealedSince = new Date(ctx.now.getTime() - deps.retrievalReplayDays * DAY);
  const planAttachments = async (trx: Transaction<Database>) => {
    if (withCodes.length === 0) return { faults: new Map<number, string[]>(), codeIdBySample: new Map<string, string>() };
    const readKnown = async () => {
      const known = await repo.findLabResults(trx, lab.labId, [...new Set(withCodes.map((item) => item.sampleId))], sealedSince);
      return new Map(known.map((r) => [r.lab_sample_id, r.id]));
    };
    return planLongCodeAttachments(deps, trx, lab.labId, withCodes, readKnown, firstIndexOfSample, ctx.now);
  };
  if (faults.size > 0) {
    // Every fault at once: the long codes of the otherwise valid results are checked too.
    const plan = withCodes.length > 0 ? await deps.db.transaction().execute(planAttachments) : undefined;
    throw refuse(plan?.faults);
  }

  const rows = valid.map((item) => {
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
      retrievalSealed: deps.retrievalKeys.seal(retrievalCode, retrievalContext(lab.labId, item.sampleId)),
    };
  });
  const { created, stored } = await deps.db.transaction().execute(async (trx) => {
    const plan = await planAttachments(trx);
    if (plan.faults.size > 0) throw refuse(plan.faults);
    const inserted = await repo.insertLabResults(trx, { id: lab.labId, name: lab.labName }, rows, ctx.now);
    const idBySample = new Map(inserted.map((row) => [row.lab_sample_id, row.id]));
    const pairs: Array<{ codeId: string; resultId: string }> = [];
    for (const [sampleId, codeId] of plan.codeIdBySample) {
      const resultId = idBySample.get(sampleId);
      // Recorded by a concurrent request between the check and the insert: refused, to be sent again.
      if (!resultId) throw refuse(new Map([[firstIndexOfSample.get(sampleId)!, ['/longCode : ce résultat vient d’être reçu par une autre requête : renvoyez le lot']]]));
      pairs.push({ codeId, resultId });
    }
    await attachLongCodes(trx, pairs);
    // Results sent before (or twice in this batch): their id, and their retrieval code while kept.
    const repeated = rows.filter((row, index) => !idBySample.has(row.sampleId) || firstIndexOfSample.get(row.sampleId) !== index).map((row) => row.sampleId);
    const earlier = await repo.findLabResults(trx, lab.labId, [...new Set(repeated)], sealedSince);
    await recordAudit(trx, ctx, {
      action: 'labs.results_batch',
      outcome: 'success',
      targetType: 'lab',
      targetId: lab.labId,
      details: { keyId: lab.keyId, received: rows.length, created: inserted.length, longCodesAttached: pairs.length },
    });
    return { created: idBySample, stored: new Map(earlier.map((row) => [row.lab_sample_id, row])) };
  });
  const results = rows.map((row, index) => {
    // The first occurrence of a new sample is created; any other is a duplicate.
    if (created.has(row.sampleId) && firstIndexOfSample.get(row.sampleId) === index) {
      // The retrieval code goes back to the lab, to print on the patient's result.
      return { sampleId: row.sampleId, status: 'created' as const, id: created.get(row.sampleId)!, retrievalCode: row.retrievalCode };
    }
    const earlier = stored.get(row.sampleId);
    const retrievalCode = earlier?.retrieval_sealed ? (deps.retrievalKeys.open(earlier.retrieval_sealed, retrievalContext(lab.labId, row.sampleId)) ?? null) : null;
    return { sampleId: row.sampleId, status: 'duplicate' as const, id: earlier?.id ?? null, retrievalCode };
  });
  return { created: created.size, duplicates: rows.length - created.size, results };
}

/** Replay material past its time: sealed retrieval codes, answers to Idempotency-Keys. */
export async function purgeReplayMaterial(deps: Pick<LabsDeps, 'db' | 'retrievalReplayDays'>, now: Date): Promise<{ retrievalCodes: number; longCodeBatches: number }> {
  const before = new Date(now.getTime() - deps.retrievalReplayDays * DAY);
  let retrievalCodes = 0;
  for (let cleared = -1; cleared !== 0; ) {
    cleared = await repo.clearSealedRetrievalCodes(deps.db, before, 10_000);
    retrievalCodes += cleared;
  }
  return { retrievalCodes, longCodeBatches: await purgeSealedLongCodes(deps.db, now) };
}
