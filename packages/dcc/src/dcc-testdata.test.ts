/**
 * Official EU DCC test vectors (dcc-testdata "common" set, in ../shared beside the repository).
 * Every file, every flag present in EXPECTEDRESULTS is asserted; see the README of dcc-testdata:
 * true → the step succeeds, false → it fails. Pipeline flags are checked on `verifyDcc(PREFIX)`
 * with TESTCTX.CERTIFICATE as the only trusted signer and TESTCTX.VALIDATIONCLOCK as the clock;
 * where the vector also gives the step's own input/output fields (BASE45, COMPRESSED, COSE, CBOR,
 * JSON) the step is additionally run on them and its output compared. The QR pictures (2DCODE)
 * are read back with zxing-wasm, the decoder the verifier page uses.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { decodeBase45, encodeBase45 } from './base45.js';
import { base64ToBytes, bytesToHex } from './bytes.js';
import { cborToJson, decodeCbor } from './cbor.js';
import { parseCoseSign1, verifyCoseSign1 } from './cose.js';
import { decodeCwtClaims } from './cwt.js';
import { inflateHc1, unprefixHc1 } from './hc1.js';
import { checkDccSchema } from './schema.js';
import { trustedSignerFromDer } from './signers.js';
import { DccError, OFFICIAL_FLAG_STEPS, STEP_ORDER, type StepName } from './steps.js';
import { verifyDcc } from './verify.js';

const vectorsDir = resolve(import.meta.dirname, '../../../../shared/data/dcc/testdata-common');
if (!existsSync(vectorsDir)) {
  // CI clones the repository with shared/ beside it: a missing folder is an error, never a skip.
  throw new Error(`DCC test vectors not found at ${vectorsDir} (expected ../shared beside the repository)`);
}
prepareZXingModule({ overrides: { wasmBinary: readFileSync(resolve(import.meta.dirname, '../../../node_modules/zxing-wasm/dist/reader/zxing_reader.wasm')).buffer } });

interface Vector {
  JSON?: unknown;
  CBOR?: string;
  COSE?: string;
  COMPRESSED?: string;
  BASE45?: string;
  PREFIX?: string;
  '2DCODE'?: string;
  TESTCTX: { CERTIFICATE: string; VALIDATIONCLOCK: string; DESCRIPTION: string };
  EXPECTEDRESULTS: Record<string, boolean>;
}

const files = readdirSync(vectorsDir).filter((name) => name.endsWith('.json')).sort();

/**
 * Negative flags whose failure the pipeline reports at an earlier step, because the input is
 * broken before that step can even run. Each entry names the exact step that must fail instead.
 */
const FAILS_EARLIER: Record<string, { flag: string; step: StepName; why: string }> = {
  'CBO2.json': {
    flag: 'EXPECTEDVERIFY',
    step: 'cose',
    why: 'the inflated bytes (and the COSE field) are not a COSE_Sign1 at all: CBOR integer 0 followed by trailing data',
  },
};

const hex = (value: string) => Uint8Array.from(Buffer.from(value, 'hex'));
const rejects = async (action: () => unknown) => {
  try {
    await action();
    return false;
  } catch {
    return true;
  }
};

describe('EU DCC official test vectors (testdata-common)', () => {
  it('finds the vectors', () => {
    expect(files.length).toBeGreaterThanOrEqual(38);
  });

  describe.each(files)('%s', (file) => {
    const vector = JSON.parse(readFileSync(resolve(vectorsDir, file), 'utf8')) as Vector;
    const signer = trustedSignerFromDer(base64ToBytes(vector.TESTCTX.CERTIFICATE), { origin: 'imported' });
    const validationClock = new Date(vector.TESTCTX.VALIDATIONCLOCK);
    const verify = async () =>
      verifyDcc(vector.PREFIX ?? '', { lists: { signers: [await signer], rules: [], valueSets: {} }, validationClock, applyRules: false });
    const flags = Object.entries(vector.EXPECTEDRESULTS);

    it.each(flags)(`${vector.TESTCTX.DESCRIPTION} — %s = %s`, async (flag, expected) => {
      const step = (OFFICIAL_FLAG_STEPS as Record<string, StepName>)[flag];
      if (step) {
        expect(vector.PREFIX, 'pipeline flags need PREFIX').toBeTypeOf('string');
        const result = await verify();
        if (expected) {
          expect(result.steps[step], JSON.stringify(result.reason)).toBe('passed');
        } else {
          expect(result.valid).toBe(false);
          const earlier = FAILS_EARLIER[file];
          if (earlier && earlier.flag === flag) {
            expect(STEP_ORDER.indexOf(earlier.step)).toBeLessThan(STEP_ORDER.indexOf(step));
            expect(result.reason?.step).toBe(earlier.step);
          } else {
            expect(result.reason?.step).toBe(step);
            expect(result.steps[step]).toBe('failed');
          }
        }
      }

      // Field-level checks, from the dcc-testdata README's definition of each flag.
      switch (flag) {
        case 'EXPECTEDUNPREFIX':
          if (expected) {
            if (vector.BASE45 !== undefined) expect(unprefixHc1(vector.PREFIX ?? '')).toBe(vector.BASE45);
          } else {
            expect(() => unprefixHc1(vector.PREFIX ?? '')).toThrow(DccError);
          }
          break;
        case 'EXPECTEDB45DECODE':
          if (vector.BASE45 === undefined) break;
          if (expected) {
            const bytes = decodeBase45(vector.BASE45);
            if (vector.COMPRESSED !== undefined) expect(bytesToHex(bytes)).toBe(vector.COMPRESSED.toLowerCase());
            expect(encodeBase45(bytes)).toBe(vector.BASE45);
          } else {
            expect(() => decodeBase45(vector.BASE45 ?? '')).toThrow(DccError);
          }
          break;
        case 'EXPECTEDCOMPRESSION':
          if (vector.COMPRESSED === undefined) break;
          if (expected) {
            const bytes = await inflateHc1(hex(vector.COMPRESSED));
            if (vector.COSE !== undefined) expect(bytesToHex(bytes)).toBe(vector.COSE.toLowerCase());
          } else {
            await expect(inflateHc1(hex(vector.COMPRESSED ?? ''))).rejects.toThrow(DccError);
          }
          break;
        case 'EXPECTEDDECODE':
          if (vector.COSE !== undefined && vector.CBOR !== undefined) {
            // CBOR maps are unordered: compare decoded values, not bytes.
            const fromCose = () => decodeCwtClaims(parseCoseSign1(hex(vector.COSE ?? '')).payload).dcc;
            const fromCbor = () => cborToJson(decodeCbor(hex(vector.CBOR ?? '')));
            if (expected) expect(fromCose()).toEqual(fromCbor());
            else expect((await rejects(fromCose)) || (await rejects(fromCbor))).toBe(true);
          }
          if (expected && vector.JSON !== undefined) expect((await verify()).certificate?.dcc ?? decodedJson(vector)).toEqual(vector.JSON);
          break;
        case 'EXPECTEDVERIFY':
          if (vector.COSE === undefined) break;
          {
            const verifyCoseField = async () => verifyCoseSign1(parseCoseSign1(hex(vector.COSE ?? '')), [await signer]);
            if (expected) expect((await verifyCoseField()).kid).toEqual((await signer).kid);
            else await expect(verifyCoseField()).rejects.toThrow(DccError);
          }
          break;
        case 'EXPECTEDVALIDJSON': {
          // Whole chain from PREFIX, contents equal to JSON.
          const decoded = async () => decodedJson(vector, await inflateHc1(decodeBase45(unprefixHc1(vector.PREFIX ?? ''))));
          if (expected) expect(await decoded()).toEqual(vector.JSON);
          else expect((await rejects(decoded)) || JSON.stringify(await decoded()) !== JSON.stringify(vector.JSON)).toBe(true);
          break;
        }
        case 'EXPECTEDSCHEMAVALIDATION':
          if (vector.JSON !== undefined) {
            if (expected) checkDccSchema(vector.JSON as Record<string, unknown>);
            else expect(() => checkDccSchema(vector.JSON as Record<string, unknown>)).toThrow(DccError);
          }
          break;
        case 'EXPECTEDVALIDOBJECT':
          if (expected) checkDccSchema(vector.JSON as Record<string, unknown>);
          else expect(() => checkDccSchema(vector.JSON as Record<string, unknown>)).toThrow(DccError);
          break;
        case 'EXPECTEDENCODE': {
          // Encoding is not part of this package; check that JSON → CBOR round-trips to the CBOR field.
          const encoded = new Encoder({ useRecords: false, mapsAsObjects: true }).encode(vector.JSON);
          const same = JSON.stringify(cborToJson(decodeCbor(encoded))) === JSON.stringify(cborToJson(decodeCbor(hex(vector.CBOR ?? ''))));
          expect(same).toBe(expected);
          break;
        }
        case 'EXPECTEDPICTUREDECODE': {
          if (vector['2DCODE'] === undefined) break;
          // The QR picture read back as the verifier page reads one (zxing-wasm).
          const [symbol] = (await readBarcodes(Uint8Array.from(Buffer.from(vector['2DCODE'], 'base64')), { formats: ['QRCode'] })).filter((s) => s.isValid);
          if (expected) expect(symbol?.text).toBe(vector.PREFIX);
          else expect(symbol).toBeUndefined();
          break;
        }
        case 'EXPECTEDKEYUSAGE':
        case 'EXPECTEDEXPIRATIONCHECK':
          break; // decided by the pipeline above
        default:
          throw new Error(`unhandled flag ${flag}`);
      }
    });
  });
});

/** The DCC JSON of a vector's COSE bytes (given, or from its COSE field), without checking the signature. */
function decodedJson(vector: Vector, coseBytes: Uint8Array = hex(vector.COSE ?? '')): unknown {
  return decodeCwtClaims(parseCoseSign1(coseBytes).payload).dcc;
}
