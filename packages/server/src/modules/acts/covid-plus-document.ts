import { BLUE, createDocument } from '@prostopcovid/continuity/pdf';
import QRCode from 'qrcode';
import { formatIsoDate, formatParisDateTime, formatParisDay } from '../../platform/dates.js';
import { documentFontFiles } from '../../platform/pdf-fonts.js';

export interface CovidPlusInput {
  patientName: string;
  birthDate: string;
  sex: 'F' | 'M' | 'U';
  sampledAt: Date;
  testLabel: string;
  place: string;
  longCode: string;
  deepLink: string;
  codeExpiresAt: Date;
}

const grouped = (code: string) => code.match(/.{1,4}/g)!.join(' ');

/**
 * The patient's COVID+ information document (A4 PDF, French): the result, what to do, and
 * the QR code / long one-time code that declares the case in the StopCovid app.
 */
export async function renderCovidPlusDocument(input: CovidPlusInput): Promise<Uint8Array> {
  const { pdf, writer } = await createDocument({ title: 'Document COVID+', fonts: documentFontFiles() });
  writer.text('RÉPUBLIQUE FRANÇAISE', { size: 9, bold: true, gap: 6 });
  writer.text("Document d'information COVID+", { size: 20, bold: true, color: BLUE, gap: 14 });
  writer.text(`Patient : ${input.patientName}, ${bornOn(input.sex)} le ${formatIsoDate(input.birthDate)}`, { bold: true });
  writer.text(`Résultat : POSITIF au SARS-CoV-2 (${input.testLabel})`, { bold: true });
  writer.text(`Prélèvement du ${formatParisDateTime(input.sampledAt)} — ${input.place}`, { gap: 16 });

  writer.text('Ce que vous devez faire', { size: 14, bold: true, color: BLUE });
  for (const text of [
    'Isolez-vous et suivez les consignes de votre médecin ou de votre pharmacien.',
    "Prévenez les personnes que vous avez côtoyées : déclarez-vous dans l'application StopCovid.",
    "Pour cela, scannez le QR code ci-dessous avec l'application, ou saisissez le code.",
  ]) {
    writer.text(`•  ${text}`);
  }
  writer.y -= 10;

  const qr = await QRCode.toBuffer(input.deepLink, { errorCorrectionLevel: 'M', margin: 2, scale: 6 });
  const image = await pdf.embedPng(qr);
  const size = 170;
  const top = writer.reserve(size);
  writer.page.drawImage(image, { x: writer.margin, y: top - size, width: size, height: size });
  // The code block beside the QR code, wrapped in the space left of it.
  const beside = writer.from(top - 20);
  const column = { indent: size + 20 };
  beside.text('Code de déclaration StopCovid', { ...column, bold: true, gap: 8 });
  beside.text(grouped(input.longCode), { ...column, size: 22, bold: true, color: BLUE, gap: 8 });
  beside.text(`Valable jusqu'au ${formatParisDay(input.codeExpiresAt)}, une seule fois.`, { ...column, size: 10 });
  beside.text("Ne le communiquez à personne d'autre.", { ...column, size: 10 });
  writer.y -= 20;

  writer.text('Si un professionnel de santé vous remet un code à 6 caractères pour ce résultat, ce code-ci ne fonctionnera plus : il ne peut pas être utilisé en parallèle.', { size: 9 });
  return pdf.save();
}

/** "né", "née", or both forms when the sex is not given. */
function bornOn(sex: 'F' | 'M' | 'U'): string {
  return sex === 'F' ? 'née' : sex === 'M' ? 'né' : 'né(e)';
}
