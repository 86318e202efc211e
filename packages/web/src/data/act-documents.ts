import { signTestAttestation } from './attestation-key';
import { provisionalTestHours } from './incidents';
import type { TestEntry, VaccinationEntry } from './outbox';
import type { Me } from './store';

/**
 * The documents of an outbox act, drawn from local data only (they print offline). The PDF
 * code (pdf-lib, fontkit) loads on the first print: the service worker precaches it.
 */
const documents = () => import('./provisional-documents');

function stampOf(me: Me, place: string) {
  return {
    name: `${me.givenName} ${me.familyName.toUpperCase()}`,
    idNatPs: me.idNatPs,
    profession: me.professions[0]?.label ?? 'Professionnel de santé',
    place,
  };
}

/** The provisional attestation of a test: its validity is the open incident's (12 hours by default). */
export async function renderTestAttestation(entry: TestEntry, me: Me): Promise<Uint8Array> {
  const body = entry.body;
  const stamp = stampOf(me, body.place);
  const validityHours = await provisionalTestHours();
  const device = body.testType === 'antigen' && entry.display.deviceName ? { id: body.deviceId, name: entry.display.deviceName } : undefined;
  // Without an enrolled key the document is still printed, saying it carries no signed QR code.
  const signedText = await signTestAttestation({
    version: 1,
    actId: entry.key,
    professional: { idNatPs: me.idNatPs, name: stamp.name, professionLabel: stamp.profession },
    patient: { familyName: body.patient.familyName, givenName: body.patient.givenName, birthDate: body.patient.birthDate },
    test: { type: body.testType, ...(device ? { device } : {}), result: body.result, sampledAt: body.sampledAt },
    validityHours,
    issuedAt: new Date().toISOString(),
    place: body.place,
  }).catch(() => null);
  return (await documents()).renderProvisionalTestAttestation({
    stamp,
    patient: body.patient,
    testType: body.testType,
    sampledAt: new Date(body.sampledAt),
    result: body.result,
    deviceName: device?.name,
    validityHours,
    retrievalCode: body.retrievalCode,
    signedText,
    origin: location.origin,
  });
}

/** The information note of a vaccination (not an attestation). */
export async function renderInformationNote(entry: VaccinationEntry, me: Me): Promise<Uint8Array> {
  const body = entry.body;
  return (await documents()).renderVaccinationInformationNote({
    stamp: stampOf(me, body.place),
    patient: body.patient,
    productName: entry.display.productName ?? body.product,
    manufacturerName: entry.display.manufacturerName || undefined,
    lotNumber: body.lotNumber.toUpperCase(),
    vaccinatedOn: body.vaccinatedOn,
    doseNumber: body.doseNumber,
    seriesTotal: body.seriesTotal,
    retrievalCode: body.retrievalCode,
    origin: location.origin,
  });
}
