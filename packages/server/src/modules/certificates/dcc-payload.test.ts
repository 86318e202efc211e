import { describe, expect, it } from 'vitest';
import { buildTestDcc, buildVaccinationDcc, vaccineCoding } from './dcc-payload.js';
import { validateCurrentSchema } from '@prostopcovid/dcc';

const uvci = 'URN:UVCI:01:NL:187/37512422923#Z';
const person = { familyName: 'Dupont-Lefèvre', givenName: 'Jean Noël', dateOfBirth: '1980-02-29' };

describe('buildTestDcc', () => {
  const sampledAt = new Date('2021-06-11T17:30:12.345Z');

  it('builds a schema-valid RAT certificate', () => {
    const dcc = buildTestDcc({ ...person, testType: 'rat', deviceId: '1232', sampledAt, result: 'not-detected', facility: 'Pharmacie du Centre, Lyon', uvci });
    expect(dcc).toEqual({
      ver: '1.3.0',
      nam: { fn: 'Dupont-Lefèvre', fnt: 'DUPONT<LEFEVRE', gn: 'Jean Noël', gnt: 'JEAN<NOEL' },
      dob: '1980-02-29',
      t: [
        {
          tg: '840539006',
          tt: 'LP217198-3',
          ma: '1232',
          sc: '2021-06-11T17:30:12Z',
          tr: '260415000',
          tc: 'Pharmacie du Centre, Lyon',
          co: 'FR',
          is: 'Ministère des Solidarités et de la Santé',
          ci: uvci,
        },
      ],
    });
    expect(validateCurrentSchema(dcc)).toEqual({ valid: true });
  });

  it('builds a schema-valid NAAT certificate, detected, without device', () => {
    const dcc = buildTestDcc({ ...person, testType: 'naat', sampledAt, result: 'detected', facility: 'Laboratoire X', uvci, testName: 'RT-PCR SARS-CoV-2' });
    expect(dcc.t[0]).toMatchObject({ tt: 'LP6464-4', tr: '260373001', nm: 'RT-PCR SARS-CoV-2' });
    expect(dcc.t[0]).not.toHaveProperty('ma');
    expect(validateCurrentSchema(dcc)).toEqual({ valid: true });
  });

  it('refuses a RAT without a listed device, a NAAT with one, bad dates of birth', () => {
    const base = { ...person, sampledAt, result: 'detected' as const, facility: 'X', uvci };
    expect(() => buildTestDcc({ ...base, testType: 'rat' })).toThrow(RangeError);
    expect(() => buildTestDcc({ ...base, testType: 'rat', deviceId: '999999' })).toThrow(RangeError);
    expect(() => buildTestDcc({ ...base, testType: 'naat', deviceId: '1232' })).toThrow(RangeError);
    expect(() => buildTestDcc({ ...base, testType: 'naat', dateOfBirth: '1981-02-29' })).toThrow(RangeError);
    expect(() => buildTestDcc({ ...base, testType: 'naat', dateOfBirth: '1880-01-01' })).toThrow(RangeError);
    expect(() => buildTestDcc({ ...base, testType: 'naat', familyName: '   ' })).toThrow(RangeError);
  });

  it('accepts partial dates of birth and a person without a given name', () => {
    const dcc = buildTestDcc({ familyName: 'Nguyen', givenName: '', dateOfBirth: '1975-04', testType: 'naat', sampledAt, result: 'detected', facility: 'X', uvci });
    expect(dcc.nam).toEqual({ fn: 'Nguyen', fnt: 'NGUYEN' });
    expect(dcc.dob).toBe('1975-04');
    expect(validateCurrentSchema(dcc)).toEqual({ valid: true });
  });
});

describe('buildVaccinationDcc', () => {
  it('derives vp / ma from the encoding instructions', () => {
    expect(vaccineCoding('EU/1/20/1528')).toEqual({ mp: 'EU/1/20/1528', ma: 'ORG-100030215', vp: '1119349007' });
    expect(vaccineCoding('EU/1/20/1507')).toEqual({ mp: 'EU/1/20/1507', ma: 'ORG-100031184', vp: '1119349007' });
    expect(vaccineCoding('EU/1/21/1529')).toEqual({ mp: 'EU/1/21/1529', ma: 'ORG-100001699', vp: '28531000087107' });
    expect(vaccineCoding('NVX-CoV2373')).toMatchObject({ ma: 'ORG-100032020' }); // "(deprecated)" in the instructions
    expect(() => vaccineCoding('Comirnaty')).toThrow(RangeError);
  });

  it('builds a schema-valid vaccination certificate', () => {
    const dcc = buildVaccinationDcc({ ...person, product: 'EU/1/20/1528', doseNumber: 2, seriesTotal: 2, date: '2021-06-01', uvci });
    expect(dcc.v[0]).toEqual({
      tg: '840539006',
      vp: '1119349007',
      mp: 'EU/1/20/1528',
      ma: 'ORG-100030215',
      dn: 2,
      sd: 2,
      dt: '2021-06-01',
      co: 'FR',
      is: 'Ministère des Solidarités et de la Santé',
      ci: uvci,
    });
    expect(validateCurrentSchema(dcc)).toEqual({ valid: true });
  });

  it('refuses bad doses, dates and products', () => {
    const base = { ...person, product: 'EU/1/20/1528', doseNumber: 1, seriesTotal: 2, date: '2021-06-01', uvci };
    expect(() => buildVaccinationDcc({ ...base, doseNumber: 0 })).toThrow(RangeError);
    expect(() => buildVaccinationDcc({ ...base, seriesTotal: 1.5 })).toThrow(RangeError);
    expect(() => buildVaccinationDcc({ ...base, date: '2021-02-30' })).toThrow(RangeError);
    expect(() => buildVaccinationDcc({ ...base, product: 'Inconnu' })).toThrow(RangeError);
  });
});
