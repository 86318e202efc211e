import { apiDownload, apiRequest } from './api';
import type { TestDevice } from './reference';

export type Sex = 'F' | 'M' | 'U';

export interface PatientInput {
  familyName: string;
  givenName: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: Sex;
  email?: string;
  phone?: string;
}

export type TestType = 'antigen' | 'supervised-self-test';
export type TestResult = 'detected' | 'not-detected';

export interface RecordTestInput {
  patient: PatientInput;
  testType: TestType;
  /** ISO 8601 date-time */
  sampledAt: string;
  result: TestResult;
  deviceId: string;
  place: string;
}

export interface RecordedTest {
  /** For the patient, shown once: with the date of birth it opens the certificate on /patient. */
  retrievalCode: string;
  id: string;
  recordedAt: string;
  device: TestDevice;
  warnings: string[];
}

export interface RecordVaccinationInput {
  patient: PatientInput;
  product: string;
  doseNumber: number;
  seriesTotal: number;
  /** YYYY-MM-DD */
  vaccinatedOn: string;
  lotNumber: string;
  place: string;
}

export interface RecordedVaccination {
  retrievalCode: string;
  id: string;
  recordedAt: string;
  product: { id: string; name: string; manufacturerName: string };
}

/** SI-DEP: a rapid antigen test or a supervised self-test. */
export function recordTest(input: RecordTestInput): Promise<RecordedTest> {
  return apiRequest<RecordedTest>('POST', '/api/tests', input);
}

/** Vaccin Covid: one dose. */
export function recordVaccination(input: RecordVaccinationInput): Promise<RecordedVaccination> {
  return apiRequest<RecordedVaccination>('POST', '/api/vaccinations', input);
}

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
