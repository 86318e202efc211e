import { createDocument, type DocumentWriter } from '@prostopcovid/continuity/pdf';
import { rgb } from 'pdf-lib';
import QRCode from 'qrcode';
import { documentFontFiles } from './pdf-fonts';

/**
 * The documents a professional hands out while the national services are down (docs/domain.md, Continuity),
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

const frenchDate = (day: string) => day.split('-').reverse().join('/');
const frenchDateTime = (d: Date) =>
  d.toLocaleString('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' }).replace(' ', ' à ');

async function newDocument(title: string) {
  const { pdf, writer } = await createDocument({ title, fonts: await documentFontFiles() });
  writer.text('RÉPUBLIQUE FRANÇAISE', { size: 9, bold: true, gap: 6 });
  return { pdf, writer };
}

function stampBlock(w: DocumentWriter, stamp: Stamp): void {
  w.section('Cachet du professionnel de santé');
  w.text(stamp.name, { bold: true });
  w.text(`${stamp.profession} — n° RPPS/ADELI ${stamp.idNatPs}`);
  w.text(stamp.place);
}

function patientBlock(w: DocumentWriter, patient: PatientIdentity): void {
  w.section('Patient');
  w.field('Nom', patient.familyName.toUpperCase());
  w.field('Prénom', patient.givenName);
  w.field('Date de naissance', frenchDate(patient.birthDate));
}

function retrievalBlock(w: DocumentWriter, code: string, origin: string, what: string): void {
  w.section('Votre certificat définitif');
  w.text(
    `Dès que le professionnel aura saisi cet acte dans le système national, ${what} sera disponible sur ${origin}/patient avec ce code et votre date de naissance :`,
  );
  w.text(code, { size: 16, bold: true, gap: 6 });
}

/** The provisional attestation of a test, with its validity and the signed QR code. */
export async function renderProvisionalTestAttestation(input: ProvisionalTestInput): Promise<Uint8Array> {
  const { pdf, writer: w } = await newDocument('Attestation provisoire de test COVID-19');
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
    const top = w.reserve(size + 10);
    w.page.drawImage(png, { x: w.margin, y: top - size - 10, width: size, height: size });
    w.text(`QR code signé par le professionnel : vérifiable, même hors ligne, sur ${input.origin}/verifier.`, { size: 9 });
  } else {
    w.text("Ce document ne porte pas de QR code signé : ce navigateur n'a pas de clé enregistrée auprès du serveur.", { size: 9, color: rgb(0.6, 0, 0) });
  }
  w.y -= 10;
  w.text(`Fait le ${frenchDateTime(new Date())}. Signature et cachet :`, { size: 10 });
  return pdf.save();
}

/** The information note of a vaccination: it says plainly that it is not an attestation. */
export async function renderVaccinationInformationNote(input: InformationNoteInput): Promise<Uint8Array> {
  const { pdf, writer: w } = await newDocument('Note d’information de vaccination COVID-19');
  w.text("NOTE D'INFORMATION — VACCINATION CONTRE LA COVID-19", { size: 16, bold: true, gap: 6 });
  w.text("CE DOCUMENT N'EST PAS UNE ATTESTATION DE VACCINATION.", { size: 13, bold: true, color: rgb(0.75, 0, 0) });
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
