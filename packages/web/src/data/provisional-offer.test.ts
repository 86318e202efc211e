import { describe, expect, it } from 'vitest';
import type { ActEntry, TestEntry, VaccinationEntry } from './outbox';
import { provisionalDocumentOffer, type IncidentSpan } from './provisional-offer';

const patient = { familyName: 'Martin', givenName: 'Léa', birthDate: '1990-01-02', sex: 'F' as const };
const now = new Date('2026-03-10T15:00:00Z');

function test(status: ActEntry['status'], sampledAt = '2026-03-10T14:00:00Z'): TestEntry {
  return {
    key: 'k1',
    kind: 'test',
    status,
    attempts: 0,
    capturedAt: sampledAt,
    display: {},
    body: { patient, testType: 'antigen', sampledAt, result: 'not-detected', deviceId: '1232', place: 'Pharmacie', retrievalCode: 'ABCD2345', capturedAt: sampledAt },
  };
}

function vaccination(status: ActEntry['status'], vaccinatedOn = '2026-03-10'): VaccinationEntry {
  return {
    key: 'k2',
    kind: 'vaccination',
    status,
    attempts: 0,
    capturedAt: '2026-03-10T14:00:00Z',
    display: {},
    body: { patient, product: 'EU/1/20/1528', doseNumber: 1, seriesTotal: 2, vaccinatedOn, lotNumber: 'FK5127', place: 'Centre', retrievalCode: 'ABCD2345', capturedAt: '2026-03-10T14:00:00Z' },
  };
}

const incident = (component: string, startedAt: string, endedAt: string | null = null): IncidentSpan => ({ component, startedAt, endedAt });

describe('when a provisional document is offered', () => {
  it('offers it for every act still waiting on the device, with or without an incident', () => {
    for (const status of ['pending', 'rejected', 'conflict'] as const) {
      expect(provisionalDocumentOffer(test(status), [], now)).toEqual({ offered: true, because: 'waiting' });
      expect(provisionalDocumentOffer(vaccination(status), [], now)).toEqual({ offered: true, because: 'waiting' });
    }
  });

  it('does not offer it for an act the server accepted, with no incident', () => {
    expect(provisionalDocumentOffer(test('sent'), [], now)).toEqual({ offered: false });
    expect(provisionalDocumentOffer(vaccination('sent'), [], now)).toEqual({ offered: false });
  });

  it('offers a test attestation when a PSC or tests-portal incident covers the sampling time, as the verifier requires', () => {
    for (const component of ['psc', 'tests-portal']) {
      expect(provisionalDocumentOffer(test('sent'), [incident(component, '2026-03-10T13:00:00Z')], now)).toEqual({ offered: true, because: 'incident' });
      expect(provisionalDocumentOffer(test('sent'), [incident(component, '2026-03-10T13:00:00Z', '2026-03-10T14:30:00Z')], now).offered).toBe(true);
    }
    // The vaccination portal's outage does not relax tests.
    expect(provisionalDocumentOffer(test('sent'), [incident('vaccination-portal', '2026-03-10T13:00:00Z')], now).offered).toBe(false);
    // An incident that began after the test, or ended before it, does not cover it.
    expect(provisionalDocumentOffer(test('sent'), [incident('tests-portal', '2026-03-10T14:30:00Z')], now).offered).toBe(false);
    expect(provisionalDocumentOffer(test('sent'), [incident('psc', '2026-03-10T12:00:00Z', '2026-03-10T13:59:00Z')], now).offered).toBe(false);
  });

  it('offers a vaccination note when a PSC or vaccination-portal incident overlaps the day of the vaccination', () => {
    for (const component of ['psc', 'vaccination-portal']) {
      expect(provisionalDocumentOffer(vaccination('sent'), [incident(component, '2026-03-10T13:00:00Z')], now)).toEqual({ offered: true, because: 'incident' });
    }
    expect(provisionalDocumentOffer(vaccination('sent'), [incident('tests-portal', '2026-03-10T13:00:00Z')], now).offered).toBe(false);
    // Vaccinated three days before an incident still open: not covered.
    expect(provisionalDocumentOffer(vaccination('sent', '2026-03-07'), [incident('vaccination-portal', '2026-03-10T13:00:00Z')], now).offered).toBe(false);
  });
});
