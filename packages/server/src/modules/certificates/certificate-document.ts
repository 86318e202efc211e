import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { formatParisDateTime } from '../../platform/dates.js';
import { toWinAnsi } from '../acts/covid-plus-document.js';
import { renderDccQr } from './issue-dcc.js';

export interface CertificateDocumentInput {
  hc1: string;
  uvci: string;
  expiresAt: string;
  summary: { name: string; birthDate: string; title: string; details: Array<{ label: string; value: string }> };
}

/** The EU Digital COVID Certificate as an A4 PDF (French): the QR code and what it attests. */
export async function renderCertificateDocument(input: CertificateDocumentInput): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(input.summary.title);
  pdf.setLanguage('fr-FR');
  const page = pdf.addPage([595.28, 841.89]);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const blue = rgb(0, 0, 0.57);
  const text = (value: string, x: number, y: number, size: number, font = regular, color = rgb(0.09, 0.09, 0.09)) =>
    page.drawText(toWinAnsi(value), { x, y, size, font, color });

  text('RÉPUBLIQUE FRANÇAISE — Certificat COVID numérique de l\'UE', 50, 790, 9, bold);
  text(input.summary.title, 50, 760, 20, bold, blue);
  const { png } = await renderDccQr(input.hc1, { png: true });
  const qr = await pdf.embedPng(png!);
  const size = 300;
  page.drawImage(qr, { x: (595.28 - size) / 2, y: 420, width: size, height: size });
  let y = 390;
  for (const [label, value] of [
    ['Nom', input.summary.name],
    ['Date de naissance', input.summary.birthDate],
    ...input.summary.details.map((d) => [d.label, d.value] as const),
    ['Valable jusqu\'au', formatParisDateTime(new Date(input.expiresAt))],
    ['Identifiant', input.uvci],
  ] as const) {
    text(label, 50, y, 11, bold);
    text(value, 200, y, 11);
    y -= 20;
  }
  text('Présentez ce QR code lors d\'un contrôle. Il contient vos nom, prénom et date de naissance :', 50, y - 20, 9);
  text('ne le partagez pas publiquement.', 50, y - 33, 9);
  return pdf.save();
}
