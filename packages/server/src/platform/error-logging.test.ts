import { professionals } from '@prostopcovid/psc-sandbox';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../testing/test-app.js';
import { serializeError } from './logger.js';

let t: TestApp;
let pharmacist: SignedIn;
const lines: string[] = [];

beforeAll(async () => {
  t = await createTestApp({ env: { LOG_LEVEL: 'debug' }, logStream: { write: (line: string) => void lines.push(line) } });
  pharmacist = await signIn(t, professionals.find((p) => p.exercices.length === 1 && p.exercices[0]!.codeProfession === '21')!);
});
afterAll(() => t?.close());

const patient = { familyName: 'Vérité-Cachée', givenName: 'Ophélie', birthDate: '1971-05-23', sex: 'F', email: 'ophelie.cachee@example.fr', phone: '+33612345678' };

describe('error logs', () => {
  it('keep no patient data when the database refuses a write', async () => {
    // A real database error on a real route: the constraint's failure quotes the whole row.
    await sql`ALTER TABLE test_results ADD CONSTRAINT log_probe CHECK (family_name <> ${sql.lit(patient.familyName)}) NOT VALID`.execute(t.database.db);
    const idempotencyKey = crypto.randomUUID();
    try {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/tests',
        headers: { ...pharmacist.headers, 'idempotency-key': idempotencyKey },
        payload: {
          patient,
          testType: 'antigen',
          sampledAt: new Date(t.clock.now().getTime() - 600_000).toISOString(),
          result: 'detected',
          deviceId: '1232',
          place: 'Pharmacie du Port, Sète',
        },
      });
      expect(response.statusCode).toBe(500);
    } finally {
      await sql`ALTER TABLE test_results DROP CONSTRAINT log_probe`.execute(t.database.db);
    }
    const unhandled = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'unhandled error');
    expect(unhandled.err).toMatchObject({ sqlState: '23514', constraint: 'log_probe', message: 'database error 23514' });
    const everything = lines.join('\n');
    for (const value of [patient.familyName, patient.givenName, patient.birthDate, patient.email, patient.phone, 'detected', idempotencyKey]) expect(everything).not.toContain(value);
    // The birth year alone, in any form, but not inside a request id or a timestamp.
    expect(everything).not.toMatch(/(?<![0-9a-f])1971(?![0-9a-f])/i);
  });
});

describe('serializeError', () => {
  it('keeps an application error’s message, drops a database error’s message, detail and parameters, and follows causes', () => {
    const database = Object.assign(new Error('invalid input syntax for type date: "0000-01-01"'), {
      code: '22007',
      detail: 'Failing row contains (Dupont)',
      params: ['Dupont', '1984-03-12'],
      query: 'insert into test_results …',
      table: 'test_results',
    });
    const wrapped = new Error('recording failed', { cause: database });
    const out = JSON.stringify(serializeError(wrapped));
    expect(out).toContain('recording failed');
    expect(out).toContain('"sqlState":"22007"');
    expect(out).toContain('"table":"test_results"');
    for (const leak of ['0000-01-01', 'Dupont', '1984', 'insert into']) expect(out).not.toContain(leak);
    expect(serializeError(Object.assign(new Error('socket closed'), { code: 'EPIPE' }))).toMatchObject({ message: 'socket closed', errorCode: 'EPIPE' });
  });
});
