import type { Patient, RecordTestBody, RecordVaccinationBody } from '@prostopcovid/contracts/acts';
import { apiDownload } from './api';

export type PatientInput = Patient;
export type Sex = Patient['sex'];
export type RecordTestInput = RecordTestBody;
export type TestType = RecordTestBody['testType'];
export type TestResult = RecordTestBody['result'];
export type RecordVaccinationInput = RecordVaccinationBody;

// Acts leave through the outbox (outbox.ts, continuity's sendAct), never by a direct request.

const PLACE_KEY = 'prostopcovid:last-place';

/** The place of the last act: a professional usually works in one place. */
export function lastPlace(): string {
  try {
    return localStorage.getItem(PLACE_KEY) ?? '';
  } catch {
    return '';
  }
}

export function rememberPlace(place: string): void {
  try {
    localStorage.setItem(PLACE_KEY, place.trim());
  } catch {
    // Private browsing or storage full: only the prefill is lost.
  }
}

/**
 * The COVID+ document of a positive test, as a PDF to print (a new long code each time:
 * a reprint replaces the earlier one).
 */
export function downloadCovidPlusDocument(testId: string): Promise<Blob> {
  return apiDownload(`/api/tests/${encodeURIComponent(testId)}/covid-plus`);
}
