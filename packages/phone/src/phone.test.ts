import { describe, expect, it } from 'vitest';
import { MAX_HELLOS_PER_CONTACT, MAX_REPORT_HELLOS, type ReportContact } from '@prostopcovid/contracts/robert';
import { fitReport } from './phone.js';

const contact = (i: number, hellos: number): ReportContact => ({
  ebid: `AAAAAAAAAA${String.fromCharCode(65 + (i % 26))}=`,
  ecc: 'AA==',
  ids: Array.from({ length: hellos }, (_, j) => ({ timeCollectedOnDevice: 3_900_000_000 + i * 900 + j, timeFromHelloMessage: j, mac: 'AAAAAAA=', rssiCalibrated: -50 })),
});
const total = (contacts: ReportContact[]) => contacts.reduce((n, c) => n + c.ids.length, 0);

describe('fitReport: a history within the server bounds', () => {
  it('leaves a history that fits as it is', () => {
    const contacts = [contact(0, 90), contact(1, 3)];
    expect(fitReport(contacts)).toEqual(contacts);
  });

  it('thins an over-heard contact to the per-contact bound, keeping its first and last HELLO', () => {
    const [fitted] = fitReport([contact(0, 2500)]);
    expect(fitted!.ids.length).toBeLessThanOrEqual(MAX_HELLOS_PER_CONTACT);
    expect(fitted!.ids.length).toBeGreaterThan(MAX_HELLOS_PER_CONTACT / 2);
    expect(fitted!.ids[0]!.timeCollectedOnDevice).toBe(3_900_000_000);
    expect(fitted!.ids.at(-1)!.timeCollectedOnDevice).toBe(3_900_000_000 + 2499);
  });

  it('thins every contact by the smallest factor that fits the report bound', () => {
    const contacts = Array.from({ length: 300 }, (_, i) => contact(i, 900));
    const fitted = fitReport(contacts);
    expect(total(fitted)).toBeLessThanOrEqual(MAX_REPORT_HELLOS);
    // Factor 2 (450 + the last) fits 300 × 451 = 135,300: not more thinning than needed.
    expect(fitted[0]!.ids).toHaveLength(451);
    expect(fitted.every((c, i) => c.ids.at(-1)!.timeCollectedOnDevice === contacts[i]!.ids.at(-1)!.timeCollectedOnDevice)).toBe(true);
  });
});
