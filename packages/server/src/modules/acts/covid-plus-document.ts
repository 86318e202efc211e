import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import QRCode from 'qrcode';
import { formatIsoDate, formatParisDateTime, formatParisDay } from '../../platform/dates.js';

export interface CovidPlusInput {
  patientName: string;
  birthDate: string;
  sampledAt: Date;
  testLabel: string;
  place: string;
  longCode: string;
  deepLink: string;
  codeExpiresAt: Date;
}

// What the standard PDF fonts can draw (WinAnsi): Latin-1 plus a few typographic signs.
const WIN_ANSI_EXTRA = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
const drawable = (char: string) => (char >= ' ' && char <= '~') || (char >= '\u00a0' && char <= '\u00ff') || WIN_ANSI_EXTRA.includes(char);

/** Text the PDF font can draw: other letters lose their accents (ğ → g), or become "?". */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC')) {
    if (drawable(char)) out += char;
    else {
      const base = char.normalize('NFD').replace(/\p{M}/gu, '');
      out += [...base].every(drawable) && base ? base : ({ Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', ı: 'i', Ø: 'O', ø: 'o' } as Record<string, string>)[char] ?? '?';
    }
  }
  return out;
}

const grouped = (code: string) => code.match(/.{1,4}/g)!.join(' ');

/**
 * The patient's COVID+ information document (A4 PDF, French): the result, what to do, and
 * the QR code / long one-time code that declares the case in the StopCovid app.
 */
export async function renderCovidPlusDocument(input: CovidPlusInput): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle('Document COVID+');
  pdf.setLanguage('fr-FR');
  const page = pdf.addPage([595.28, 841.89]);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const blue = rgb(0, 0, 0.57);
  let y = 790;
  const line = (text: string, options: { size?: number; font?: typeof regular; color?: ReturnType<typeof rgb>; gap?: number } = {}) => {
    page.drawText(toWinAnsi(text), { x: 50, y, size: options.size ?? 11, font: options.font ?? regular, color: options.color ?? rgb(0.09, 0.09, 0.09) });
    y -= options.gap ?? (options.size ?? 11) + 7;
  };

  line('RÉPUBLIQUE FRANÇAISE', { size: 9, font: bold });
  line('Document d\'information COVID+', { size: 20, font: bold, color: blue, gap: 30 });
  line(`Patient : ${input.patientName}, né(e) le ${formatIsoDate(input.birthDate)}`, { font: bold });
  line(`Résultat : POSITIF au SARS-CoV-2 (${input.testLabel})`, { font: bold });
  line(`Prélèvement du ${formatParisDateTime(input.sampledAt)} — ${input.place}`, { gap: 28 });

  line('Ce que vous devez faire', { size: 14, font: bold, color: blue });
  for (const text of [
    'Isolez-vous et suivez les consignes de votre médecin ou de votre pharmacien.',
    'Prévenez les personnes que vous avez côtoyées : déclarez-vous dans l\'application StopCovid.',
    'Pour cela, scannez le QR code ci-dessous avec l\'application, ou saisissez le code.',
  ]) {
    line(`•  ${text}`);
  }
  y -= 10;

  const qr = await QRCode.toBuffer(input.deepLink, { errorCorrectionLevel: 'M', margin: 2, scale: 6 });
  const image = await pdf.embedPng(qr);
  const size = 170;
  page.drawImage(image, { x: 50, y: y - size, width: size, height: size });
  page.drawText('Code de déclaration StopCovid', { x: 240, y: y - 40, size: 11, font: bold });
  page.drawText(grouped(input.longCode), { x: 240, y: y - 70, size: 22, font: bold, color: blue });
  page.drawText(`Valable jusqu'au ${formatParisDay(input.codeExpiresAt)}, une seule fois.`, { x: 240, y: y - 95, size: 10, font: regular });
  page.drawText('Ne le communiquez à personne d\'autre.', { x: 240, y: y - 110, size: 10, font: regular });
  y -= size + 30;

  line('Si un professionnel de santé vous remet un code à 6 caractères pour ce résultat,', { size: 9 });
  line('ce code-ci ne fonctionnera plus : il ne peut pas être utilisé en parallèle.', { size: 9 });
  return pdf.save();
}
