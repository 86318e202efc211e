import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { formatParisDateTime } from '../../platform/dates.js';
import { toWinAnsi } from '../acts/covid-plus-document.js';
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

const A4 = [595.28, 841.89] as const;
const BLUE = rgb(0, 0, 0.57);
const INK = rgb(0.09, 0.09, 0.09);
const GREY = rgb(0.4, 0.4, 0.4);
const RED = rgb(0.81, 0.02, 0);

/**
 * The EU Digital COVID Certificate as an A4 PDF, bilingual French / English as the EU model is
 * ("Nom / Surname(s)"…): the QR code large, the holder, then what the certificate attests.
 */
export async function renderCertificateDocument(input: CertificateDocumentInput): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`${input.summary.title} / ${input.summary.titleEn}`);
  pdf.setLanguage('fr-FR');
  const page = pdf.addPage([...A4]);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const draw = (value: string, x: number, y: number, size: number, font: PDFFont = regular, color = INK, target: PDFPage = page) =>
    target.drawText(toWinAnsi(value), { x, y, size, font, color });

  page.drawRectangle({ x: 0, y: A4[1] - 70, width: A4[0], height: 70, color: BLUE });
  draw('RÉPUBLIQUE FRANÇAISE', 50, A4[1] - 28, 9, bold, rgb(1, 1, 1));
  draw("Certificat COVID numérique de l'UE / EU Digital COVID Certificate", 50, A4[1] - 50, 13, bold, rgb(1, 1, 1));
  draw(input.summary.title, 50, A4[1] - 105, 20, bold, BLUE);
  draw(input.summary.titleEn, 50, A4[1] - 124, 12, regular, GREY);
  let top = A4[1] - 140;
  if (input.positive) {
    draw("Ce résultat n'est pas un passe. / This result is not a pass.", 50, top - 10, 12, bold, RED);
    top -= 24;
  }

  const { png } = await renderDccQr(input.hc1, { png: true });
  const qr = await pdf.embedPng(png!);
  const size = 230;
  page.drawImage(qr, { x: (A4[0] - size) / 2, y: top - size - 10, width: size, height: size });

  let y = top - size - 40;
  const row = (label: string, labelEn: string, value: string, valueEn?: string) => {
    draw(`${label} / ${labelEn}`, 50, y, 9, regular, GREY);
    draw(value, 50, y - 14, 12, bold);
    if (valueEn) draw(valueEn, 50 + bold.widthOfTextAtSize(toWinAnsi(value), 12) + 8, y - 14, 10, regular, GREY);
    y -= 31;
  };
  row('Nom', 'Surname(s)', input.summary.familyName);
  if (input.summary.givenName) row('Prénom(s)', 'Forename(s)', input.summary.givenName);
  row('Date de naissance', 'Date of birth', input.summary.birthDate);
  for (const detail of input.summary.details) row(detail.label, detail.labelEn, detail.value, detail.valueEn);
  row('Identifiant unique du certificat', 'Unique certificate identifier', input.uvci);
  row('Émetteur', 'Certificate issuer', `${ISSUER_NAME} (FR)`);
  row('Expiration du QR code', 'QR code expiry', formatParisDateTime(new Date(input.expiresAt)));

  draw("Présentez ce QR code lors d'un contrôle. Il contient vos nom, prénom et date de naissance : ne le partagez pas publiquement.", 50, 58, 8);
  draw('Show this QR code when asked. It holds your name and date of birth: do not share it publicly.', 50, 46, 8, regular, GREY);
  return pdf.save();
}
