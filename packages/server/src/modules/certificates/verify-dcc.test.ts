import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import base45 from 'base45';
import { describe, expect, it } from 'vitest';
import { DccError, STEP_ORDER } from './dcc-error.js';
import { decodeHc1 } from './hc1.js';
import { trustedSignerFromCertificate } from './trusted-signers.js';
import { verifyDcc } from './verify-dcc.js';

const vectorsDir = resolve(import.meta.dirname, '../../../../..', '../shared/data/dcc/testdata-common');

function vector(name: string) {
  const data = JSON.parse(readFileSync(resolve(vectorsDir, `${name}.json`), 'utf8')) as {
    PREFIX: string;
    TESTCTX: { CERTIFICATE: string; VALIDATIONCLOCK: string };
  };
  return {
    text: data.PREFIX,
    signer: trustedSignerFromCertificate(data.TESTCTX.CERTIFICATE),
    now: new Date(data.TESTCTX.VALIDATIONCLOCK),
  };
}

function verifyVector(name: string) {
  const { text, signer, now } = vector(name);
  return verifyDcc(text, { trustedSigners: [signer], now });
}

const anyClock = { trustedSigners: [], now: new Date('2021-05-03T18:00:00Z') };

describe('verifyDcc — French reasons, first failing step', () => {
  it('rejects a text without the HC1: prefix', () => {
    const result = verifyDcc('NCFOXN%TS3DH', anyClock);
    expect(result.valid).toBe(false);
    expect(result.reason).toEqual({ step: 'unprefix', message: 'Le préfixe HC1: est absent.' });
    expect(result.steps.unprefix).toBe('failed');
    for (const step of STEP_ORDER.slice(1)) expect(result.steps[step]).toBe('skipped');
  });

  it('rejects characters outside the Base45 alphabet', () => {
    expect(verifyDcc('HC1:ab=', anyClock).reason).toEqual({
      step: 'b45decode',
      message: 'Le contenu Base45 est invalide.',
    });
    // 'GGW' is 65535 + 1: out of range for a 3-character group.
    expect(verifyDcc('HC1:GGW', anyClock).reason?.step).toBe('b45decode');
  });

  it('rejects a payload that is not zlib-compressed', () => {
    const result = verifyDcc(`HC1:${base45.encode(Buffer.from('pas du zlib'))}`, anyClock);
    expect(result.reason).toEqual({ step: 'compression', message: 'La décompression a échoué.' });
    expect(result.steps).toMatchObject({ unprefix: 'passed', b45decode: 'passed', compression: 'failed' });
  });

  it('rejects a CBOR item that is not a COSE_Sign1', () => {
    const result = verifyDcc(`HC1:${base45.encode(deflateSync(Buffer.from([0x01])))}`, anyClock);
    expect(result.reason?.step).toBe('cose');
    expect(result.reason?.message).toMatch(/^La structure COSE est invalide/);
  });

  it('rejects an unknown signer (kid not in the trusted list)', () => {
    const { text, now } = vector('CO3');
    const result = verifyDcc(text, { trustedSigners: [], now });
    expect(result.reason).toEqual({ step: 'verify', message: 'La signature ne correspond à aucun signataire de confiance.' });
    expect(result.steps).toMatchObject({ decode: 'passed', verify: 'failed', schemaValidation: 'skipped' });
  });

  it('rejects a signature that does not verify with the signer of the same kid', () => {
    expect(verifyVector('CO5').reason).toEqual({
      step: 'verify',
      message: 'La signature ne correspond à aucun signataire de confiance.',
    });
  });

  it('rejects a signer whose key usage does not cover the certificate type', () => {
    expect(verifyVector('CO6').reason).toEqual({
      step: 'keyUsage',
      message: "Le signataire n'est pas autorisé pour ce type de certificat.",
    });
  });

  it('gives the expiry date, in French format', () => {
    expect(verifyVector('CO17').reason).toEqual({
      step: 'expirationCheck',
      message: 'Le certificat a expiré le 05/05/2018.',
    });
  });

  it('rejects a certificate issued after the validation clock', () => {
    expect(verifyVector('CO16').reason).toEqual({
      step: 'expirationCheck',
      message: "Le certificat n'est pas encore valide : il est émis le 03/05/2023.",
    });
  });

  it('tells a schema failure apart from a signature failure', () => {
    const result = verifyVector('DGC2');
    expect(result.valid).toBe(false);
    expect(result.steps).toMatchObject({ verify: 'passed', keyUsage: 'passed', schemaValidation: 'failed' });
    expect(result.reason?.step).toBe('schemaValidation');
    expect(result.reason?.message).toMatch(/^Le contenu ne respecte pas le schéma DCC : .*un et un seul groupe/);
    expect(result.certificate).toBeUndefined();
  });
});

describe('verifyDcc — valid certificate', () => {
  it('returns the certificate with its kind, issuer, dates and kid', () => {
    const result = verifyVector('CO28');
    expect(result.valid).toBe(true);
    expect(result.reason).toBeUndefined();
    expect(Object.values(result.steps).every((outcome) => outcome === 'passed')).toBe(true);
    expect(result.certificate).toMatchObject({
      kind: 'vaccination',
      issuer: 'SE',
      issuedAt: '2021-05-20T12:26:07.000Z',
      expiresAt: '2021-08-18T12:26:07.000Z',
      kid: Buffer.from('5f74910195c5cecb', 'hex').toString('base64'),
      dcc: { ver: '1.0.0', nam: { fnt: 'LOEVSTROEM' } },
    });
  });
});

describe('decodeHc1 and trusted signers', () => {
  it('throws a typed DccError naming the step', () => {
    const error = (() => {
      try {
        decodeHc1('HC1:ab=');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(DccError);
    expect(error).toMatchObject({ step: 'b45decode', message: 'Le contenu Base45 est invalide.' });
  });

  it('derives the kid from the DER certificate (first 8 bytes of its SHA-256)', () => {
    const { text, signer } = vector('CO3');
    expect(decodeHc1(text).cose.kid.equals(signer.kid)).toBe(true);
  });
});
