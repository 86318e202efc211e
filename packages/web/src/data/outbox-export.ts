import { csvBlob } from './csv';
import type { ActEntry } from './outbox';
import type { Me } from './store';

/** The duplicate of the outbox (docs/domain.md, Continuity: "keep a duplicate"), one row per act. */
function rows(entries: readonly ActEntry[]) {
  return entries.map((e) => ({
    cle: e.key,
    acte: e.kind === 'test' ? 'test' : 'vaccination',
    etat: e.status,
    saisi_le: e.capturedAt,
    transmis_le: e.result?.recordedAt ?? '',
    numero_serveur: e.result?.id ?? '',
    erreur: e.status === 'sent' ? '' : (e.lastError?.message ?? ''),
    nom: e.body.patient.familyName,
    prenom: e.body.patient.givenName,
    date_naissance: e.body.patient.birthDate,
    sexe: e.body.patient.sex,
    code_patient: e.body.retrievalCode,
    lieu: e.body.place,
    date_acte: e.kind === 'test' ? e.body.sampledAt : e.body.vaccinatedOn,
    type_test: e.kind === 'test' ? e.body.testType : '',
    resultat: e.kind === 'test' ? e.body.result : '',
    test_utilise: e.kind === 'test' ? (e.display.deviceName ?? e.body.deviceId) : '',
    vaccin: e.kind === 'vaccination' ? (e.display.productName ?? e.body.product) : '',
    lot: e.kind === 'vaccination' ? e.body.lotNumber : '',
    dose: e.kind === 'vaccination' ? `${e.body.doseNumber}/${e.body.seriesTotal}` : '',
  }));
}

/** RFC 4180, with a BOM and semicolons so that a French spreadsheet opens it as is. */
export function outboxCsv(entries: readonly ActEntry[], me: Me): Blob {
  const data = rows(entries);
  const header = Object.keys(data[0] ?? {});
  return csvBlob([
    `# Double des actes de ${me.givenName} ${me.familyName} (${me.idNatPs}), exporté le ${new Date().toISOString()}`,
    header,
    ...data.map((row) => header.map((key) => String(row[key as keyof typeof row] ?? ''))),
  ]);
}

export function outboxJson(entries: readonly ActEntry[], me: Me): Blob {
  const document = {
    professionnel: { idNatPs: me.idNatPs, prenom: me.givenName, nom: me.familyName },
    exporteLe: new Date().toISOString(),
    actes: entries,
  };
  return new Blob([JSON.stringify(document, null, 2)], { type: 'application/json' });
}
