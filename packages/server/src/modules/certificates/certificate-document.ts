import { A4, BLUE, createDocument, GREY, RED } from '@prostopcovid/continuity/pdf';
import { rgb } from 'pdf-lib';
import { formatParisDateTime } from '../../platform/dates.js';
import { documentFontFiles } from '../../platform/pdf-fonts.js';
import { ISSUER_NAME } from './dcc-payload.js';
import { renderDccQr } from './issue-dcc.js';

export interface CertificateDocumentInput {
  kind: 'test' | 'vaccination' | 'recovery';
  /** A positive test's result: not a pass. */
  positive: boolean;
  hc1: string;
  uvci: string;
  expiresAt: string;
  summary: {
    familyName: string;
    givenName: string;
    birthDate: string;
    title: string;
    titleEn: string;
    details: Array<{ label: string; labelEn: string; value: string; valueEn?: string }>;
  };
}

/**
 * The EU Digital COVID Certificate as an A4 PDF, bilingual French / English as the EU model is
 * ("Nom / Surname(s)"…): the QR code large, the holder, then what the certificate attests.
 */
export async function renderCertificateDocument(input: CertificateDocumentInput): Promise<Uint8Array> {
  const { pdf, writer } = await createDocument({ title: `${input.summary.title} / ${input.summary.titleEn}`, fonts: documentFontFiles() });
  const { page } = writer;
  const white = rgb(1, 1, 1);
  page.drawRectangle({ x: 0, y: A4[1] - 70, width: A4[0], height: 70, color: BLUE });
  writer.y = A4[1] - 20;
  writer.text('RÉPUBLIQUE FRANÇAISE', { size: 9, bold: true, color: white, gap: 4 });
  writer.text("Certificat COVID numérique de l'UE / EU Digital COVID Certificate", { size: 13, bold: true, color: white });
  writer.y = A4[1] - 82;
  writer.text(input.summary.title, { size: 20, bold: true, color: BLUE, gap: 0 });
  writer.text(input.summary.titleEn, { size: 12, color: GREY, gap: 6 });
  if (input.positive) writer.text("Ce résultat n'est pas un passe. / This result is not a pass.", { size: 12, bold: true, color: RED, gap: 6 });

  const { png } = await renderDccQr(input.hc1, { png: true });
  const qr = await pdf.embedPng(png!);
  const size = 230;
  const top = writer.reserve(size + 10);
  page.drawImage(qr, { x: (A4[0] - size) / 2, y: top - size - 10, width: size, height: size });
  writer.y -= 10;

  const row = (label: string, labelEn: string, value: string, valueEn?: string) => {
    writer.text(`${label} / ${labelEn}`, { size: 9, color: GREY, gap: 0 });
    writer.text(value, { size: 12, bold: true, gap: valueEn ? 0 : 6 });
    if (valueEn) writer.text(valueEn, { size: 10, color: GREY, gap: 6 });
  };
  row('Nom', 'Surname(s)', input.summary.familyName);
  if (input.summary.givenName) row('Prénom(s)', 'Forename(s)', input.summary.givenName);
  row('Date de naissance', 'Date of birth', input.summary.birthDate);
  for (const detail of input.summary.details) row(detail.label, detail.labelEn, detail.value, detail.valueEn);
  row('Identifiant unique du certificat', 'Unique certificate identifier', input.uvci);
  row('Émetteur', 'Certificate issuer', `${ISSUER_NAME} (FR)`);
  row('Expiration du QR code', 'QR code expiry', formatParisDateTime(new Date(input.expiresAt)));

  writer.y -= 12;
  writer.text("Présentez ce QR code lors d'un contrôle. Il contient vos nom, prénom et date de naissance : ne le partagez pas publiquement.", { size: 8, gap: 0 });
  writer.text('Show this QR code when asked. It holds your name and date of birth: do not share it publicly.', { size: 8, color: GREY });
  return pdf.save();
}
