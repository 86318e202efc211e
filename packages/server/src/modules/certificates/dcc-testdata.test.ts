/**
 * Official EU DCC test vectors (dcc-testdata "common" set, in ../shared beside the repository).
 * Every file, every flag present in EXPECTEDRESULTS is asserted; see the README of dcc-testdata:
 * true → the step succeeds, false → it fails. Pipeline flags are checked on `verifyDcc(PREFIX)`
 * with TESTCTX.CERTIFICATE as the only trusted signer and TESTCTX.VALIDATIONCLOCK as the clock;
 * where the vector also gives the step's own input/output fields (BASE45, COMPRESSED, COSE, CBOR,
 * JSON) the step is additionally run on them and its output compared.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { Encoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { cborToJson, decodeCbor } from './cbor.js';
import { parseCoseSign1, verifyCoseSign1 } from './cose.js';
import { decodeCwtClaims } from './cwt.js';
import { DccError, OFFICIAL_FLAG_STEPS, STEP_ORDER, type StepName } from './dcc-error.js';
import { decodeBase45, decodeHc1, inflateHc1, unprefixHc1 } from './hc1.js';
import { trustedSignerFromCertificate } from './trusted-signers.js';
import { checkDccSchema, verifyDcc } from './verify-dcc.js';

const repoRoot = resolve(import.meta.dirname, '../../../../..');
const vectorsDir = resolve(repoRoot, '../shared/data/dcc/testdata-common');
if (!existsSync(vectorsDir)) {
  // CI clones the repository with shared/ beside it: a missing folder is an error, never a skip.
  throw new Error(`DCC test vectors not found at ${vectorsDir} (expected ../shared beside the repository)`);
}

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

const hex = (value: string) => Buffer.from(value, 'hex');
const fails = (action: () => unknown) => {
  try {
    action();
    return false;
  } catch {
    return true;
  }
};

/** Minimal PNG check: signature, chunk CRCs, IHDR first, IEND last, IDAT inflates. */
function isDecodablePng(bytes: Buffer): boolean {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(signature)) return false;
  const idat: Buffer[] = [];
  const types: string[] = [];
  for (let offset = 8; offset < bytes.length; ) {
    if (offset + 12 > bytes.length) return false;
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > bytes.length) return false;
    const crc = bytes.readUInt32BE(offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== crc) return false;
    if (type === 'IDAT') idat.push(bytes.subarray(offset + 8, offset + 8 + length));
    types.push(type);
    offset = end;
  }
  if (types[0] !== 'IHDR' || types.at(-1) !== 'IEND' || idat.length === 0) return false;
  return !fails(() => inflateSync(Buffer.concat(idat)));
}

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('EU DCC official test vectors (testdata-common)', () => {
  it('finds the vectors', () => {
    expect(files.length).toBeGreaterThanOrEqual(38);
  });

  describe.each(files)('%s', (file) => {
    const vector = JSON.parse(readFileSync(resolve(vectorsDir, file), 'utf8')) as Vector;
    const signer = trustedSignerFromCertificate(vector.TESTCTX.CERTIFICATE);
    const now = new Date(vector.TESTCTX.VALIDATIONCLOCK);
    const verify = () => verifyDcc(vector.PREFIX ?? '', { trustedSigners: [signer], now });
    const flags = Object.entries(vector.EXPECTEDRESULTS);

    it.each(flags)(`${vector.TESTCTX.DESCRIPTION} — %s = %s`, (flag, expected) => {
      const step = (OFFICIAL_FLAG_STEPS as Record<string, StepName>)[flag];
      if (step) {
        expect(vector.PREFIX, 'pipeline flags need PREFIX').toBeTypeOf('string');
        const result = verify();
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
            if (vector.COMPRESSED !== undefined) expect(bytes.toString('hex')).toBe(vector.COMPRESSED);
          } else {
            expect(() => decodeBase45(vector.BASE45 ?? '')).toThrow(DccError);
          }
          break;
        case 'EXPECTEDCOMPRESSION':
          if (vector.COMPRESSED === undefined) break;
          if (expected) {
            const bytes = inflateHc1(hex(vector.COMPRESSED));
            if (vector.COSE !== undefined) expect(bytes.toString('hex')).toBe(vector.COSE);
          } else {
            expect(() => inflateHc1(hex(vector.COMPRESSED ?? ''))).toThrow(DccError);
          }
          break;
        case 'EXPECTEDDECODE':
          if (vector.COSE !== undefined && vector.CBOR !== undefined) {
            // CBOR maps are unordered: compare decoded values, not bytes.
            const fromCose = () => decodeCwtClaims(parseCoseSign1(hex(vector.COSE ?? '')).payload).dcc;
            const fromCbor = () => cborToJson(decodeCbor(hex(vector.CBOR ?? '')));
            if (expected) expect(fromCose()).toEqual(fromCbor());
            else expect(fails(fromCose) || fails(fromCbor)).toBe(true);
          }
          if (expected && vector.JSON !== undefined) expect(decodeHc1(vector.PREFIX ?? '').claims.dcc).toEqual(vector.JSON);
          break;
        case 'EXPECTEDVERIFY':
          if (vector.COSE === undefined) break;
          {
            const verifyCoseField = () => verifyCoseSign1(parseCoseSign1(hex(vector.COSE ?? '')), [signer]);
            if (expected) expect(verifyCoseField().kid).toEqual(signer.kid);
            else expect(verifyCoseField).toThrow(DccError);
          }
          break;
        case 'EXPECTEDVALIDJSON': {
          // Whole chain from PREFIX, contents equal to JSON.
          const decoded = () => decodeHc1(vector.PREFIX ?? '').claims.dcc;
          if (expected) expect(decoded()).toEqual(vector.JSON);
          else expect(fails(decoded) || JSON.stringify(decoded()) !== JSON.stringify(vector.JSON)).toBe(true);
          break;
        }
        case 'EXPECTEDSCHEMAVALIDATION':
          if (vector.JSON !== undefined) {
            if (expected) checkDccSchema(vector.JSON);
            else expect(() => checkDccSchema(vector.JSON)).toThrow(DccError);
          }
          break;
        case 'EXPECTEDVALIDOBJECT':
          if (expected) checkDccSchema(vector.JSON);
          else expect(() => checkDccSchema(vector.JSON)).toThrow(DccError);
          break;
        case 'EXPECTEDENCODE': {
          // Encoding is not part of this module (no issuing); check that JSON → CBOR round-trips to the CBOR field.
          const encoded = new Encoder({ useRecords: false, mapsAsObjects: true }).encode(vector.JSON);
          const same = JSON.stringify(cborToJson(decodeCbor(encoded))) === JSON.stringify(cborToJson(decodeCbor(hex(vector.CBOR ?? ''))));
          expect(same).toBe(expected);
          break;
        }
        case 'EXPECTEDPICTUREDECODE':
          // Partial: no QR decoder is available, so only the PNG layer of 2DCODE is checked
          // (signature, CRCs, IDAT inflates) — not that the QR symbol reads back as PREFIX.
          if (vector['2DCODE'] !== undefined) {
            expect(isDecodablePng(Buffer.from(vector['2DCODE'], 'base64'))).toBe(expected);
          }
          break;
        case 'EXPECTEDKEYUSAGE':
        case 'EXPECTEDEXPIRATIONCHECK':
          break; // decided by the pipeline above
        default:
          throw new Error(`unhandled flag ${flag}`);
      }
    });
  });
});
