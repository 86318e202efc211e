import type { LabResult } from '@prostopcovid/contracts/labs';
import type { SignedIn, TestApp } from './test-app.js';

/** A laboratory with one API key, created by an operator through the admin API. */
export interface TestLab {
  labId: string;
  keyId: string;
  apiKey: string;
  /** The Authorization header of its key. */
  headers: { authorization: string };
}

export async function createTestLab(t: TestApp, operator: SignedIn, input: { name?: string; finess?: string; department?: string } = {}): Promise<TestLab> {
  const created = await t.app.inject({ method: 'POST', url: '/api/admin/labs', headers: operator.headers, payload: { name: input.name ?? 'Laboratoire de biologie médicale de test', ...input } });
  if (created.statusCode !== 201) throw new Error(`lab creation answered ${created.statusCode}: ${created.body}`);
  const labId = created.json<{ id: string }>().id;
  return { labId, ...(await addTestLabKey(t, operator, labId)) };
}

/** Another API key of the same lab. */
export async function addTestLabKey(t: TestApp, operator: SignedIn, labId: string): Promise<Omit<TestLab, 'labId'>> {
  const key = await t.app.inject({ method: 'POST', url: `/api/admin/labs/${labId}/keys`, headers: operator.headers });
  if (key.statusCode !== 201) throw new Error(`key creation answered ${key.statusCode}: ${key.body}`);
  const { keyId, apiKey } = key.json<{ keyId: string; apiKey: string }>();
  return { keyId, apiKey, headers: { authorization: `Bearer ${apiKey}` } };
}

/** One RT-PCR result as a lab sends it, sampled a day before the test clock's now. */
export function labResult(t: TestApp, sampleId: string, overrides: Partial<LabResult> = {}): LabResult {
  return {
    sampleId,
    patient: { familyName: 'Martin', givenName: 'Léo', birthDate: '1990-05-01', sex: 'M', phone: '+33 6 12 34 56 78' },
    sampledAt: new Date(t.clock.now().getTime() - 86_400_000).toISOString(),
    result: 'detected',
    ...overrides,
  };
}

/** POST /api/labs/v1/results with the lab's key. */
export function sendLabResults(t: TestApp, lab: Pick<TestLab, 'headers'>, results: unknown) {
  return t.app.inject({ method: 'POST', url: '/api/labs/v1/results', headers: lab.headers, payload: { results } });
}

/** POST /api/labs/v1/long-codes with the lab's key, as JSON (default) or CSV. */
export function requestLabLongCodes(t: TestApp, lab: Pick<TestLab, 'headers'>, count: unknown, options: { csv?: boolean; idempotencyKey?: string } = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/labs/v1/long-codes',
    headers: { ...lab.headers, ...(options.csv ? { accept: 'text/csv' } : {}), ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}) },
    payload: { count },
  });
}

/** The codes of a JSON answer of POST /api/labs/v1/long-codes. */
export function codesOf(response: { json: <T>() => T }): string[] {
  return response.json<{ codes: Array<{ code: string }> }>().codes.map((c) => c.code);
}
