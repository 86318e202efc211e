import { createHash, createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '../../platform/clock.js';
import { addDays, parisDate, parisDayStart } from '../../platform/dates.js';
import { addTestLabKey, codesOf, createTestLab, labResult, requestLabLongCodes, sendLabResults, type TestLab } from '../../testing/lab-factories.js';
import { TEST_HMAC_KEYS, createProfessional, createTestApp, declare, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';
import { purgeReplayMaterial } from './labs.service.js';

const PER_DAY = 50_000;
let t: TestApp;
let operator: SignedIn;
/** Lab A (Gironde) takes the large requests and the quota; B and C the rest. */
let labA: TestLab;
let labB: TestLab;
let labC: TestLab;
/** A second API key of lab B. */
let labBOtherKey: Omit<TestLab, 'labId'>;
/** Lab D only races for its quota. */
let labD: TestLab;

beforeAll(async () => {
  const operatorAccount = { idNatPs: '899900000021' };
  t = await createTestApp({ env: { OPERATOR_ID_NAT_PS: operatorAccount.idNatPs, LAB_LONG_CODES_PER_DAY: String(PER_DAY), LAB_BATCH_MAX_RESULTS: '50' } });
  const account = createProfessional(t, { profession: '10', familyName: 'ARS-OPERATEUR' });
  account.idNatPs = operatorAccount.idNatPs;
  operator = await signIn(t, account);
  labA = await createTestLab(t, operator, { name: 'LBM Bordeaux', finess: '330000000' });
  labB = await createTestLab(t, operator, { name: 'LBM Lyon', department: '69' });
  labC = await createTestLab(t, operator, { name: 'LBM Nantes', department: '44' });
  labBOtherKey = await addTestLabKey(t, operator, labB.labId);
  labD = await createTestLab(t, operator, { name: 'LBM Lille', department: '59' });
});
afterAll(() => t?.close());

const LONG_CODE = /^[0-9A-HJKMNP-TV-Z]{12}$/;
const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(t.database.db)).rows[0]!.n;
const labCodes = (labId: string) => count(sql<{ n: number }>`select count(*)::int as n from declaration_codes c join lab_long_code_batches b on b.id = c.lab_batch_id where b.lab_id = ${labId}`);
const labResults = () => count(sql<{ n: number }>`select count(*)::int as n from test_results where lab_id is not null`);
const codeRow = async (hashOf: string) =>
  t.database.db.selectFrom('declaration_codes').selectAll().where('code_hash', '=', hashOf).executeTakeFirstOrThrow();
/** The stored HMAC of a code under the tests' CODE_HMAC_KEYS key k1, as the app computes it. */
const hmac = (code: string) => createHmac('sha256', Buffer.from(TEST_HMAC_KEYS.k1.split(':')[1]!, 'base64')).update(code).digest('base64url');

async function longCodes(lab: TestLab, n: number): Promise<string[]> {
  const response = await requestLabLongCodes(t, lab, n);
  expect(response.statusCode, response.body).toBe(200);
  return codesOf(response);
}

describe('long codes for laboratories: the request', () => {
  it('delivers one code as CSV with its SHA-256 (Content-Digest), stores only its HMAC, counts it in the lab department, and audits the batch', async () => {
    const response = await requestLabLongCodes(t, labA, 1, { csv: true });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(response.headers['cache-control']).toBe('no-store');
    const digest = `sha-256=:${createHash('sha256').update(response.rawPayload).digest('base64')}:`;
    expect(response.headers['content-digest']).toBe(digest);
    const lines = response.body.split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('qr_text,code,valid_from,valid_until');
    expect(lines[2]).toBe('');
    const [qrText, code, validFrom, validUntil] = lines[1]!.split(',');
    expect(code).toMatch(LONG_CODE);
    // The same QR text and validity as a COVID+ document's long code.
    expect(qrText).toBe(`http://app.test/app#code=${code}`);
    expect(validFrom).toBe(t.clock.now().toISOString());
    expect(Date.parse(validUntil!) - Date.parse(validFrom!)).toBe(15 * DAY);

    const row = await codeRow(hmac(code!));
    expect(row).toMatchObject({ kind: 'long', case_kind: 'confirmed', test_result_id: null, consumed_at: null, department: '33', professional_id: null, key_id: 'k1' });
    const { rows } = await sql<{ dump: string }>`select row_to_json(c)::text as dump from declaration_codes c`.execute(t.database.db);
    for (const r of rows) expect(r.dump).not.toContain(code);
    const audit = await t.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'labs.long_codes_issue').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ outcome: 'success', target_type: 'lab_long_code_batch', target_id: row.lab_batch_id, details: { labId: labA.labId, keyId: labA.keyId, count: 1 } });
    expect(JSON.stringify(audit)).not.toContain(code);
  });

  it('delivers 40,000 distinct codes in one request (JSON), and refuses 40,001 with a 413, storing nothing', async () => {
    const response = await requestLabLongCodes(t, labA, 40_000);
    expect(response.statusCode, response.body.slice(0, 300)).toBe(200);
    const body = response.json<{ batchId: string; count: number; validFrom: string; validUntil: string; remainingToday: number; codes: Array<{ code: string; qrText: string }> }>();
    expect(body.count).toBe(40_000);
    expect(body.codes).toHaveLength(40_000);
    expect(new Set(body.codes.map((c) => c.code)).size).toBe(40_000);
    expect(body.codes.every((c) => LONG_CODE.test(c.code) && c.qrText === `http://app.test/app#code=${c.code}`)).toBe(true);
    expect(body.remainingToday).toBe(PER_DAY - 40_001);
    expect(response.headers['content-digest']).toBe(`sha-256=:${createHash('sha256').update(response.rawPayload).digest('base64')}:`);
    expect(await labCodes(labA.labId)).toBe(40_001);

    const tooMany = await requestLabLongCodes(t, labA, 40_001);
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().error).toMatchObject({ code: 'LABS_LONG_CODES_TOO_MANY', details: { requested: 40_001, max: 40_000 } });
    expect(tooMany.json().error.message).toContain('40\u202f000 codes longs au plus');
    expect(await labCodes(labA.labId)).toBe(40_001);
  });

  it('refuses malformed requests with a 400 and a missing or unknown key with a 401', async () => {
    for (const payload of [{ count: 0 }, { count: -1 }, { count: 1.5 }, { count: '10' }, {}, { count: 1, extra: true }]) {
      const response = await t.app.inject({ method: 'POST', url: '/api/labs/v1/long-codes', headers: labB.headers, payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe('REQUEST_INVALID');
    }
    const badKey = await t.app.inject({ method: 'POST', url: '/api/labs/v1/long-codes', headers: { ...labB.headers, 'idempotency-key': 'x' }, payload: { count: 1 } });
    expect(badKey.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/labs/v1/long-codes', payload: { count: 1 } })).statusCode).toBe(401);
    expect((await requestLabLongCodes(t, { headers: { authorization: `Bearer lbk_${'A'.repeat(43)}` } }, 1)).statusCode).toBe(401);
    expect(await labCodes(labB.labId)).toBe(0);
  });

  it("keeps each lab to its daily quota (Paris day): 429 with what remains, nothing stored, renewed at midnight", async () => {
    // Lab A has 40,001 codes today: 9,999 remain.
    const over = await requestLabLongCodes(t, labA, 10_000);
    expect(over.statusCode).toBe(429);
    expect(over.json().error).toMatchObject({ code: 'LABS_LONG_CODES_QUOTA', details: { requested: 10_000, remainingToday: 9_999, perDay: PER_DAY } });
    expect(over.json().error.message).toContain('quota quotidien');
    const retryAfter = Number(over.headers['retry-after']);
    const midnight = parisDayStart(addDays(parisDate(t.clock.now()), 1));
    expect(retryAfter).toBe(Math.ceil((midnight.getTime() - t.clock.now().getTime()) / 1000));
    expect(over.json().error.details.resetsAt).toBe(midnight.toISOString());
    expect(await labCodes(labA.labId)).toBe(40_001);

    expect((await requestLabLongCodes(t, labA, 9_999)).json().remainingToday).toBe(0);
    const none = await requestLabLongCodes(t, labA, 1);
    expect(none.statusCode).toBe(429);
    expect(none.json().error.details.remainingToday).toBe(0);
    // Other labs have their own quota.
    expect((await requestLabLongCodes(t, labB, 1)).statusCode).toBe(200);
    const denied = await t.database.db.selectFrom('audit_log').select('details').where('action', '=', 'labs.long_codes_issue').where('outcome', '=', 'denied').execute();
    expect(denied).toHaveLength(2);

    t.clock.advance(retryAfter * 1000);
    const tomorrow = await requestLabLongCodes(t, labA, 1);
    expect(tomorrow.statusCode).toBe(200);
    expect(tomorrow.json().remainingToday).toBe(PER_DAY - 1);
  });

  it('answers the same Idempotency-Key with the same codes (same bytes), without counting them again', async () => {
    const first = await requestLabLongCodes(t, labB, 3, { csv: true, idempotencyKey: 'lot-2021-12-31-a' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await requestLabLongCodes(t, labB, 3, { csv: true, idempotencyKey: 'lot-2021-12-31-a' });
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(again.headers['content-digest']).toBe(first.headers['content-digest']);
    const asJson = await requestLabLongCodes(t, labB, 3, { idempotencyKey: 'lot-2021-12-31-a' });
    expect(codesOf(asJson)).toEqual(first.body.split('\r\n').slice(1, 4).map((line) => line.split(',')[1]));
    expect(await labCodes(labB.labId)).toBe(1 + 3);
    // The same key for another request: refused; the same key of another lab: its own.
    expect((await requestLabLongCodes(t, labB, 4, { idempotencyKey: 'lot-2021-12-31-a' })).statusCode).toBe(422);
    expect((await requestLabLongCodes(t, labC, 3, { idempotencyKey: 'lot-2021-12-31-a' })).headers['idempotent-replayed']).toBeUndefined();
    // Sealed under the API key that asked: another key of the lab cannot read it.
    const refused = await requestLabLongCodes(t, labBOtherKey, 3, { idempotencyKey: 'lot-2021-12-31-a' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('LABS_IDEMPOTENCY_EXPIRED');
    // No code in clear in the batch row.
    const batch = await t.database.db.selectFrom('lab_long_code_batches').selectAll().where('idempotency_key', '=', 'lot-2021-12-31-a').where('lab_id', '=', labB.labId).executeTakeFirstOrThrow();
    for (const code of codesOf(asJson)) expect(JSON.stringify(batch)).not.toContain(code);
  });
});

describe('long codes for laboratories: attached to a result, declared in the app', () => {
  it('attaches a code to a positive result in a batch; the patient declares with it once, an unattached code does not work', async () => {
    const [attached, spare] = await longCodes(labB, 2);
    // Not yet attached to a result: not usable.
    expect((await declare(t.app, spare!, { kind: 'unknown' })).statusCode).toBe(403);
    const response = await sendLabResults(t, labB, [labResult(t, 'B-POS-1', { longCode: attached! }), labResult(t, 'B-NEG-1', { result: 'not-detected' })]);
    expect(response.statusCode, response.body).toBe(200);
    const resultId = response.json().results[0].id;
    const row = await codeRow(hmac(attached!));
    expect(row.test_result_id).toBe(resultId);
    const audit = await t.database.db.selectFrom('audit_log').select('details').where('action', '=', 'labs.results_batch').orderBy('occurred_at', 'desc').executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ longCodesAttached: 1 });
    expect(JSON.stringify(audit)).not.toContain(attached);

    // Typed as printed: in groups of four, lower case.
    const typed = attached!.toLowerCase().replace(/(.{4})(?!$)/g, '$1 ');
    const declared = await declare(t.app, typed, { kind: 'unknown' });
    expect(declared.statusCode, declared.body).toBe(201);
    expect(declared.json().uploadToken).toBeTruthy();
    expect((await declare(t.app, attached!, { kind: 'unknown' })).statusCode).toBe(403);
  });

  it('stops a code working once a doctor issues a 6-character code for the same result', async () => {
    const [code] = await longCodes(labB, 1);
    const response = await sendLabResults(t, labB, [labResult(t, 'B-POS-2', { longCode: code! })]);
    expect(response.statusCode, response.body).toBe(200);
    const doctor = await signIn(t, createProfessional(t, { profession: '10' }));
    const short = await t.app.inject({
      method: 'POST',
      url: '/api/codes',
      headers: doctor.headers,
      payload: { caseKind: 'confirmed', qrCodeUnavailable: true, resultRetrievalCode: response.json().results[0].retrievalCode },
    });
    expect(short.statusCode, short.body).toBe(201);
    expect((await declare(t.app, code!, { kind: 'unknown' })).statusCode).toBe(403);
    expect((await declare(t.app, short.json().code, { kind: 'unknown' })).statusCode).toBe(201);
  });

  it("refuses the whole batch, naming each fault, for another lab's, used, attached, unknown, repeated or malformed codes and a code on a negative result", async () => {
    const [used] = await longCodes(labB, 1);
    expect((await sendLabResults(t, labB, [labResult(t, 'B-POS-3', { longCode: used! })])).statusCode).toBe(200);
    expect((await declare(t.app, used!, { kind: 'unknown' })).statusCode).toBe(201);
    const [attachedElsewhere] = await longCodes(labB, 1);
    expect((await sendLabResults(t, labB, [labResult(t, 'B-POS-4', { longCode: attachedElsewhere! })])).statusCode).toBe(200);
    const [ofLabC] = await longCodes(labC, 1);
    const [fresh, twice, onNegative] = await longCodes(labB, 3);
    const unknown = 'ABCDEFGHJKMN';

    const before = { results: await labResults(), attached: await count(sql<{ n: number }>`select count(*)::int as n from declaration_codes where lab_batch_id is not null and test_result_id is not null`) };
    const response = await sendLabResults(t, labB, [
      labResult(t, 'R-OK', { longCode: fresh! }),
      labResult(t, 'R-OTHER-LAB', { longCode: ofLabC! }),
      labResult(t, 'R-USED', { longCode: used! }),
      labResult(t, 'R-ATTACHED', { longCode: attachedElsewhere! }),
      labResult(t, 'R-UNKNOWN', { longCode: unknown }),
      labResult(t, 'R-TWICE-1', { longCode: twice! }),
      labResult(t, 'R-TWICE-2', { longCode: twice! }),
      labResult(t, 'R-MALFORMED', { longCode: 'ABC' }),
      labResult(t, 'R-NEGATIVE', { result: 'not-detected', longCode: onNegative! }),
      labResult(t, 'R-BAD-DATE', { sampledAt: 'hier', longCode: fresh! }),
    ]);
    expect(response.statusCode).toBe(400);
    const error = response.json().error;
    expect(error.code).toBe('LABS_BATCH_INVALID');
    const problems = Object.fromEntries(error.details.map((d: { sampleId: string; problems: string[] }) => [d.sampleId, d.problems.join(' ; ')]));
    expect(Object.keys(problems)).toEqual(['R-OTHER-LAB', 'R-USED', 'R-ATTACHED', 'R-UNKNOWN', 'R-TWICE-2', 'R-MALFORMED', 'R-NEGATIVE', 'R-BAD-DATE']);
    expect(problems['R-OTHER-LAB']).toContain('inconnu de ce laboratoire');
    expect(problems['R-USED']).toContain('déjà utilisé');
    expect(problems['R-ATTACHED']).toContain('déjà rattaché à un autre résultat');
    expect(problems['R-UNKNOWN']).toContain('inconnu de ce laboratoire');
    expect(problems['R-TWICE-2']).toContain('déjà donné dans ce lot au prélèvement R-TWICE-1');
    expect(problems['R-MALFORMED']).toContain('code long invalide');
    expect(problems['R-NEGATIVE']).toContain("qu'à un résultat positif");
    expect(problems['R-BAD-DATE']).toContain('/sampledAt');
    expect(await labResults()).toBe(before.results);
    expect(await count(sql<{ n: number }>`select count(*)::int as n from declaration_codes where lab_batch_id is not null and test_result_id is not null`)).toBe(before.attached);
    // Nothing was attached: the good code still attaches.
    expect((await sendLabResults(t, labB, [labResult(t, 'R-OK', { longCode: fresh! })])).statusCode).toBe(200);
  });
});

describe('replaying a batch', () => {
  it('answers a batch sent again with the same ids and retrieval codes, the long code included, and null for results kept without them', async () => {
    const [code] = await longCodes(labC, 1);
    const batch = [labResult(t, 'C-1', { longCode: code! }), labResult(t, 'C-2', { result: 'not-detected' }), labResult(t, 'C-3')];
    const first = await sendLabResults(t, labC, batch);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ created: 3, duplicates: 0 });
    const again = await sendLabResults(t, labC, [...batch, labResult(t, 'C-4'), labResult(t, 'C-4')]);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ created: 1, duplicates: 4 });
    const firstResults = first.json().results as Array<{ sampleId: string; id: string; retrievalCode: string }>;
    const againResults = again.json().results as Array<{ sampleId: string; status: string; id: string; retrievalCode: string }>;
    expect(againResults.slice(0, 3)).toEqual(firstResults.map((r) => ({ ...r, status: 'duplicate' })));
    // A sample twice in one batch: created once, the repeat answers the same code.
    expect(againResults[3]).toMatchObject({ status: 'created' });
    expect(againResults[4]).toEqual({ ...againResults[3], status: 'duplicate' });

    // Only sealed: neither the code nor its parts in the row.
    const stored = await t.database.db.selectFrom('test_results').select(['retrieval_sealed', 'retrieval_hash']).where('lab_sample_id', '=', 'C-1').executeTakeFirstOrThrow();
    expect(stored.retrieval_sealed).toMatch(/^[^.]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(stored.retrieval_sealed).not.toContain(firstResults[0]!.retrievalCode.replace(/-/g, ''));
    // A result from before replays existed (hash only): honest null.
    await t.database.db.updateTable('test_results').set({ retrieval_sealed: null }).where('lab_sample_id', '=', 'C-2').execute();
    const third = await sendLabResults(t, labC, batch);
    expect(third.json().results.map((r: { retrievalCode: string | null }) => r.retrievalCode)).toEqual([firstResults[0]!.retrievalCode, null, firstResults[2]!.retrievalCode]);
    // Another lab sending the same sample id records its own result.
    const otherLab = await sendLabResults(t, labA, [labResult(t, 'C-3')]);
    expect(otherLab.json().results[0]).toMatchObject({ status: 'created' });
    expect(otherLab.json().results[0].retrievalCode).not.toBe(firstResults[2]!.retrievalCode);
  });
});

describe('concurrent requests', () => {
  it('attaches a code to one result only when two batches race for it', async () => {
    const [code] = await longCodes(labB, 1);
    const [a, b] = await Promise.all([sendLabResults(t, labB, [labResult(t, 'RACE-A', { longCode: code! })]), sendLabResults(t, labB, [labResult(t, 'RACE-B', { longCode: code! })])]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 400]);
    const refused = a.statusCode === 400 ? a : b;
    expect(refused.json().error.details[0].problems.join()).toContain('déjà rattaché à un autre résultat');
    expect(await count(sql<{ n: number }>`select count(*)::int as n from test_results where lab_sample_id in ('RACE-A', 'RACE-B')`)).toBe(1);
  });

  it('answers the same batch sent twice at once (a retry after a timeout) created and duplicate, with the same retrieval code', async () => {
    const [code] = await longCodes(labB, 1);
    const batch = [labResult(t, 'RETRY-1', { longCode: code! })];
    const answers = await Promise.all([sendLabResults(t, labB, batch), sendLabResults(t, labB, batch)]);
    expect(answers.map((r) => r.statusCode), answers.map((r) => r.body).join('\n')).toEqual([200, 200]);
    const results = answers.map((r) => r.json().results[0]);
    expect(results.map((r) => r.status).sort()).toEqual(['created', 'duplicate']);
    expect(results[0].id).toBe(results[1].id);
    expect(results[0].retrievalCode).toBe(results[1].retrievalCode);
    expect(await count(sql<{ n: number }>`select count(*)::int as n from test_results where lab_sample_id = 'RETRY-1'`)).toBe(1);
  });

  it('makes one batch for two concurrent requests with the same Idempotency-Key', async () => {
    const before = await labCodes(labC.labId);
    const answers = await Promise.all([1, 2].map(() => requestLabLongCodes(t, labC, 5, { csv: true, idempotencyKey: 'lot-concurrent-0001' })));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(answers[0]!.body).toBe(answers[1]!.body);
    expect(answers.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(1);
    expect(await labCodes(labC.labId)).toBe(before + 5);
  });

  it('never lets two concurrent requests pass the quota together', async () => {
    const half = PER_DAY / 2 + 1;
    const answers = await Promise.all([requestLabLongCodes(t, labD, half), requestLabLongCodes(t, labD, half)]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 429]);
    expect(answers.find((r) => r.statusCode === 429)!.json().error.details.remainingToday).toBe(PER_DAY - half);
    expect(await labCodes(labD.labId)).toBe(half);
  });
});

describe('expiry', () => {
  it('lets an unused code expire at its validity end: it can no longer be attached nor used, and answers past the windows are deleted', async () => {
    const [late, attachedEarly] = await longCodes(labC, 2);
    const early = await sendLabResults(t, labC, [labResult(t, 'E-1', { longCode: attachedEarly! })]);
    expect(early.statusCode).toBe(200);
    await requestLabLongCodes(t, labC, 2, { idempotencyKey: 'lot-expiry-0001' });
    t.clock.advance(15 * DAY + MINUTE);

    const response = await sendLabResults(t, labC, [labResult(t, 'E-2', { longCode: late! })]);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.details[0].problems.join()).toContain('code long expiré');
    expect((await declare(t.app, attachedEarly!, { kind: 'unknown' })).statusCode).toBe(403);

    // Past the replay windows (24 hours for long codes, LAB_RETRIEVAL_REPLAY_DAYS for results): deleted.
    const purged = await purgeReplayMaterial({ db: t.database.db, retrievalReplayDays: t.config.labs.retrievalReplayDays }, t.clock.now());
    expect(purged.retrievalCodes).toBeGreaterThan(0);
    expect(purged.longCodeBatches).toBeGreaterThan(0);
    expect(await count(sql<{ n: number }>`select count(*)::int as n from test_results where retrieval_sealed is not null`)).toBe(0);
    expect(await count(sql<{ n: number }>`select count(*)::int as n from lab_long_code_batches where sealed_codes is not null`)).toBe(0);
    expect((await requestLabLongCodes(t, labC, 2, { idempotencyKey: 'lot-expiry-0001' })).statusCode).toBe(409);
    const replay = await sendLabResults(t, labC, [labResult(t, 'E-1', { longCode: attachedEarly! })]);
    expect(replay.json().results[0]).toMatchObject({ status: 'duplicate', retrievalCode: null });
  });
});
