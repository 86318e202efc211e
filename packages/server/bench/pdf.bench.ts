/**
 * `npm run bench:pdf`: what the embedded Unicode font costs per document. The subject is the
 * COVID+ document as the server renders it (Noto Sans subsets through the shared PDF module);
 * the baseline, in the same run, is the same page drawn with pdf-lib's standard Helvetica (no
 * font to embed, WinAnsi only: what the service used before). Prints milliseconds per
 * document, sizes, and the ratio. Single process, no network.
 */
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import QRCode from 'qrcode';
import { renderCovidPlusDocument, type CovidPlusInput } from '../src/modules/acts/covid-plus-document.js';

const input: CovidPlusInput = {
  patientName: 'Zoé Dupont-Lefèvre',
  birthDate: '1984-03-12',
  sex: 'F',
  sampledAt: new Date('2026-11-30T10:15:00Z'),
  testLabel: 'test antigénique Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test',
  place: 'Pharmacie de la Gare, Nantes',
  longCode: 'K7Q4XM2PA9BC',
  deepLink: 'https://pro.example/app#code=K7Q4XM2PA9BC',
  codeExpiresAt: new Date('2026-12-15T10:15:00Z'),
};

const lines = [
  'RÉPUBLIQUE FRANÇAISE',
  "Document d'information COVID+",
  `Patient : ${input.patientName}, née le 12/03/1984`,
  `Résultat : POSITIF au SARS-CoV-2 (${input.testLabel})`,
  `Prélèvement du 30/11/2026 11:15 — ${input.place}`,
  'Ce que vous devez faire',
  '• Isolez-vous et suivez les consignes de votre médecin ou de votre pharmacien.',
  "• Prévenez les personnes que vous avez côtoyées : déclarez-vous dans l'application StopCovid.",
  'Code de déclaration StopCovid',
  'K7Q4 XM2P A9BC',
];

/** The same content with the standard font: the cost without an embedded font. */
async function renderWithHelvetica(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([595.28, 841.89]);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  let y = 790;
  for (const line of lines) {
    page.drawText(line, { x: 50, y, size: 11, font, color: rgb(0.09, 0.09, 0.09) });
    y -= 18;
  }
  const image = await pdf.embedPng(await QRCode.toBuffer(input.deepLink, { errorCorrectionLevel: 'M', margin: 2, scale: 6 }));
  page.drawImage(image, { x: 50, y: y - 170, width: 170, height: 170 });
  return pdf.save();
}

async function measure(name: string, render: () => Promise<Uint8Array>, rounds: number) {
  const bytes = (await render()).length; // warm-up: fonts read and parsed, code compiled
  const start = performance.now();
  for (let i = 0; i < rounds; i++) await render();
  const ms = (performance.now() - start) / rounds;
  console.log(`${name.padEnd(30)} ${ms.toFixed(1).padStart(7)} ms/document  ${(bytes / 1024).toFixed(1).padStart(6)} kB`);
  return ms;
}

const rounds = Number(process.env.ROUNDS ?? 40);
const baseline = await measure('Helvetica (baseline)', renderWithHelvetica, rounds);
const subject = await measure('Noto Sans subset (COVID+)', () => renderCovidPlusDocument(input), rounds);
console.log(`ratio: ${(subject / baseline).toFixed(2)}× the baseline's time per document`);
