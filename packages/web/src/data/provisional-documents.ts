import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';

/**
 * The documents a professional hands out while the national services are down (DOMAIN.md §4),
 * drawn in the browser from local data only, so that they print with no network at all.
 */

export interface Stamp {
  /** "Prénom NOM" */
  name: string;
  idNatPs: string;
  profession: string;
  place: string;
}

export interface PatientIdentity {
  familyName: string;
  givenName: string;
  /** YYYY-MM-DD */
  birthDate: string;
}

export interface ProvisionalTestInput {
  stamp: Stamp;
  patient: PatientIdentity;
  testType: 'antigen' | 'supervised-self-test';
  sampledAt: Date;
  result: 'detected' | 'not-detected';
  /** "Brand, Reference" of the EU list. */
  deviceName?: string;
  validityHours: number;
  retrievalCode: string;
  /** The signed attestation (QR code); null when this browser holds no enrolled key. */
  signedText: string | null;
  origin: string;
}

export interface InformationNoteInput {
  stamp: Stamp;
  patient: PatientIdentity;
  productName: string;
  manufacturerName?: string;
  lotNumber: string;
  /** YYYY-MM-DD */
  vaccinatedOn: string;
  doseNumber: number;
  seriesTotal: number;
  retrievalCode: string;
  origin: string;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;

/** Helvetica speaks WinAnsi: French accents are fine, other letters become '?' rather than failing. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
function winAnsi(text: string): string {
  return Array.from(text.normalize('NFC'), (c) => (c.charCodeAt(0) <= 0xff || WIN_ANSI_EXTRA.has(c) ? c : '?'))
    .join('')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

const frenchDate = (day: string) => day.split('-').reverse().join('/');
const frenchDateTime = (d: Date) =>
  d.toLocaleString('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' }).replace(' ', ' à ');

class Writer {
  y = A4[1] - MARGIN;
  constructor(
    readonly page: PDFPage,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
  ) {}

  text(text: string, options: { size?: number; bold?: boolean; color?: [number, number, number]; gap?: number } = {}): void {
    const size = options.size ?? 11;
    const font = options.bold ? this.bold : this.regular;
    for (const line of this.wrap(winAnsi(text), font, size)) {
      this.y -= size * 1.35;
      this.page.drawText(line, { x: MARGIN, y: this.y, size, font, color: rgb(...(options.color ?? [0, 0, 0])) });
    }
    this.y -= options.gap ?? 2;
  }

  field(label: string, value: string): void {
    this.text(`${label} : ${value}`);
  }

  section(title: string): void {
    this.y -= 8;
    this.text(title, { size: 12, bold: true, color: [0, 0, 0.57] });
  }

  private wrap(text: string, font: PDFFont, size: number): string[] {
    const width = A4[0] - 2 * MARGIN;
    const lines: string[] = [];
    let line = '';
    for (const word of text.split(' ')) {
      const candidate = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(candidate, size) > width && line) {
        lines.push(line);
        line = word;
      } else {
        line = candidate;
      }
    }
    lines.push(line);
    return lines;
  }
}

async function newDocument(title: string) {
  const pdf = await PDFDocument.create();
  pdf.setTitle(title);
  pdf.setLanguage('fr-FR');
  pdf.setProducer('ProStopCovid');
  const page = pdf.addPage(A4);
  const writer = new Writer(page, await pdf.embedFont(StandardFonts.Helvetica), await pdf.embedFont(StandardFonts.HelveticaBold));
  writer.text('RÉPUBLIQUE FRANÇAISE', { size: 9, bold: true });
  return { pdf, page, writer };
}

function stampBlock(w: Writer, stamp: Stamp): void {
  w.section('Cachet du professionnel de santé');
  w.text(stamp.name, { bold: true });
  w.text(`${stamp.profession} — n° RPPS/ADELI ${stamp.idNatPs}`);
  w.text(stamp.place);
}

function patientBlock(w: Writer, patient: PatientIdentity): void {
  w.section('Patient');
  w.field('Nom', patient.familyName.toUpperCase());
  w.field('Prénom', patient.givenName);
  w.field('Date de naissance', frenchDate(patient.birthDate));
}

function retrievalBlock(w: Writer, code: string, origin: string, what: string): void {
  w.section('Votre certificat définitif');
  w.text(
    `Dès que le professionnel aura saisi cet acte dans le système national, ${what} sera disponible sur ${origin}/patient avec ce code et votre date de naissance :`,
  );
  w.text(code, { size: 16, bold: true, gap: 6 });
}

/** The provisional attestation of a test, with its validity and the signed QR code. */
export async function renderProvisionalTestAttestation(input: ProvisionalTestInput): Promise<Uint8Array> {
  const { pdf, page, writer: w } = await newDocument('Attestation provisoire de test COVID-19');
  const validUntil = new Date(input.sampledAt.getTime() + input.validityHours * 3_600_000);
  w.text('ATTESTATION PROVISOIRE DE RÉSULTAT DE TEST COVID-19', { size: 16, bold: true, gap: 4 });
  w.text(
    "Délivrée pendant une indisponibilité des services nationaux (Pro Santé Connect, SI-DEP) : elle tient lieu de preuve jusqu'à la fin de sa validité ; le certificat européen suivra.",
    { size: 10 },
  );
  stampBlock(w, input.stamp);
  patientBlock(w, input.patient);
  w.section('Test');
  w.field('Type', input.testType === 'antigen' ? 'Test antigénique rapide' : 'Autotest supervisé');
  w.field('Date et heure du prélèvement', frenchDateTime(input.sampledAt));
  w.field('Résultat', input.result === 'detected' ? 'POSITIF (SARS-CoV-2 détecté)' : 'NÉGATIF (SARS-CoV-2 non détecté)');
  if (input.deviceName) {
    const [brand, ...reference] = input.deviceName.split(', ');
    w.field('Marque du test', brand ?? input.deviceName);
    w.field('Référence du test', reference.join(', ') || '—');
  }
  w.section('Validité');
  w.text(`${input.validityHours} heures après le prélèvement, soit jusqu'au ${frenchDateTime(validUntil)} (heure de Paris).`, { bold: true });
  retrievalBlock(w, input.retrievalCode, input.origin, 'votre certificat de test');
  if (input.signedText) {
    // Also in the metadata: a verifier given the file itself reads it without scanning.
    pdf.setKeywords([input.signedText]);
    const png = await pdf.embedPng(await QRCode.toDataURL(input.signedText, { errorCorrectionLevel: 'M', margin: 1, scale: 4 }));
    const size = 170;
    w.y -= size + 10;
    page.drawImage(png, { x: MARGIN, y: w.y, width: size, height: size });
    w.text(`QR code signé par le professionnel : vérifiable, même hors ligne, sur ${input.origin}/verifier.`, { size: 9 });
  } else {
    w.text("Ce document ne porte pas de QR code signé : ce navigateur n'a pas de clé enregistrée auprès du serveur.", { size: 9, color: [0.6, 0, 0] });
  }
  w.y -= 10;
  w.text(`Fait le ${frenchDateTime(new Date())}. Signature et cachet :`, { size: 10 });
  return pdf.save();
}

/** The information note of a vaccination: it says plainly that it is not an attestation. */
export async function renderVaccinationInformationNote(input: InformationNoteInput): Promise<Uint8Array> {
  const { pdf, writer: w } = await newDocument('Note d’information de vaccination COVID-19');
  w.text("NOTE D'INFORMATION — VACCINATION CONTRE LA COVID-19", { size: 16, bold: true, gap: 6 });
  w.text("CE DOCUMENT N'EST PAS UNE ATTESTATION DE VACCINATION.", { size: 13, bold: true, color: [0.75, 0, 0] });
  w.text(
    "Il ne vaut pas passe sanitaire. Il informe de la vaccination réalisée pendant une indisponibilité des services nationaux (Pro Santé Connect, Vaccin Covid) ; l'attestation officielle suivra.",
    { size: 10 },
  );
  stampBlock(w, input.stamp);
  patientBlock(w, input.patient);
  w.section('Vaccination');
  w.field('Date', frenchDate(input.vaccinatedOn));
  w.field('Vaccin', input.manufacturerName ? `${input.productName} (${input.manufacturerName})` : input.productName);
  w.field('Numéro de lot', input.lotNumber);
  w.field('Dose', `${input.doseNumber} sur ${input.seriesTotal}`);
  retrievalBlock(w, input.retrievalCode, input.origin, 'votre attestation de vaccination');
  w.y -= 10;
  w.text(`Fait le ${frenchDateTime(new Date())}. Signature et cachet :`, { size: 10 });
  return pdf.save();
}
