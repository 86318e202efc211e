import { apiDownload, apiRequest } from './api';

export interface RetrievedCertificate {
  kind: 'test' | 'vaccination';
  /** The QR code content ("HC1:…"). */
  hc1: string;
  /** The QR code as an <svg> document. */
  qrSvg: string;
  uvci: string;
  expiresAt: string;
  summary: { name: string; birthDate: string; title: string; details: { label: string; value: string }[] };
}

export const VERIFY_STEPS = [
  'unprefix',
  'b45decode',
  'compression',
  'cose',
  'decode',
  'verify',
  'keyUsage',
  'expirationCheck',
  'schemaValidation',
] as const;
export type VerifyStep = (typeof VERIFY_STEPS)[number];
export type StepOutcome = 'passed' | 'failed' | 'skipped';

export interface VerifiedCertificate {
  kind: string;
  issuer: string;
  issuedAt: string;
  expiresAt: string;
  kid: string;
  dcc: unknown;
}

export interface VerifyAnswer {
  valid: boolean;
  steps: Partial<Record<VerifyStep, StepOutcome>> & Record<string, StepOutcome>;
  reason?: { step: string; message: string };
  certificate?: VerifiedCertificate;
}

/** The patient portal: the code printed on the act's document and the patient's date of birth (YYYY-MM-DD). */
export function retrieveCertificate(retrievalCode: string, birthDate: string): Promise<RetrievedCertificate> {
  return apiRequest<RetrievedCertificate>('POST', '/api/patient/v1/certificates', { retrievalCode: retrievalCode.trim(), birthDate });
}

/** The verifier: any "HC1:" text, checked step by step by the server. */
export function verifyCertificate(hc1: string): Promise<VerifyAnswer> {
  return apiRequest<VerifyAnswer>('POST', '/api/verifier/v1/verify', { hc1: hc1.trim() });
}

/** The QR code SVG as a data URL, for an <img> and for downloading (never injected as HTML). */
export function svgDataUrl(svg: string): string {
  return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
}

/** The opaque end of a UVCI, for a file name: `URN:UVCI:01:FR:PSC/ABC123#X` → `ABC123`. */
export function uvciSuffix(uvci: string): string {
  const last = uvci.replace(/#.*$/, '').split(/[:/]/).pop() ?? '';
  return last.replace(/[^A-Za-z0-9]/g, '') || 'qr';
}

/** "2021-06-01T12:00:00.000Z" → "01/06/2021 14:00" (Paris time). */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });
}

/** "1984-03-12" → "12/03/1984"; anything else unchanged. */
export function formatDay(day: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return match ? `${match[3]}/${match[2]}/${match[1]}` : day;
}

/** The certificate as a PDF to print (the same code and date of birth). */
export function downloadCertificatePdf(retrievalCode: string, birthDate: string): Promise<Blob> {
  return apiDownload('/api/patient/v1/certificates/pdf', { retrievalCode: retrievalCode.trim(), birthDate });
}
