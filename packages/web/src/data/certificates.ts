import QRCode from 'qrcode';
import { RetrievedCertificate } from '@prostopcovid/contracts/certificates';
import { apiDownload, apiRequest } from './api';

export type { RetrievedCertificate };
export type CertificateKind = RetrievedCertificate['kind'];

/** The patient portal: the code printed on the act's document and the patient's date of birth (YYYY-MM-DD). */
export function retrieveCertificate(retrievalCode: string, birthDate: string, kind?: CertificateKind): Promise<RetrievedCertificate> {
  return apiRequest(RetrievedCertificate, 'POST', '/api/patient/v1/certificates', { retrievalCode: retrievalCode.trim(), birthDate, ...(kind && { kind }) });
}

/** The QR code as a PNG data URL (what the download gives: every picture reader, the verifier's included, takes PNG). */
export function qrPngDataUrl(hc1: string): Promise<string> {
  // One alphanumeric segment, error correction Q: as the server draws it (hcert specification).
  return QRCode.toDataURL([{ data: hc1, mode: 'alphanumeric' }], { errorCorrectionLevel: 'Q', margin: 4, scale: 6 });
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
export function downloadCertificatePdf(retrievalCode: string, birthDate: string, kind?: CertificateKind): Promise<Blob> {
  return apiDownload('/api/patient/v1/certificates/pdf', { retrievalCode: retrievalCode.trim(), birthDate, ...(kind && { kind }) });
}
