import { Link } from 'wouter';
import { clearSent, countToCorrect, countWaiting, sendNow, useOutbox, type ActEntry } from '../../data/outbox';
import { outboxCsv, outboxJson } from '../../data/outbox-export';
import { saveFile } from '../../data/save-file';
import type { Me } from '../../data/store';
import { formatDate, formatDateTime } from '../acts/dates';
import { birthPhrase } from '../acts/patient';
import { ProvisionalDocument } from '../acts/receipt';

const statusLabels: Record<ActEntry['status'], string> = {
  pending: "En attente d'envoi",
  sent: 'Transmis',
  rejected: 'Refusé : à corriger',
  conflict: 'En conflit : à vérifier',
};

function describe(entry: ActEntry): string {
  if (entry.kind === 'test') {
    const result = entry.body.result === 'detected' ? 'positif' : 'négatif';
    return `Test ${entry.body.testType === 'antigen' ? 'antigénique' : 'autotest supervisé'} ${result} — ${entry.display.deviceName ?? entry.body.deviceId}`;
  }
  return `Vaccination ${entry.display.productName ?? entry.body.product}, dose ${entry.body.doseNumber}/${entry.body.seriesTotal}, lot ${entry.body.lotNumber}`;
}

function actTime(entry: ActEntry): string {
  return entry.kind === 'test' ? formatDateTime(entry.body.sampledAt) : formatDate(entry.body.vaccinatedOn);
}

/** The outbox: what waits, what was refused, and the duplicate to export or print (docs/domain.md, Continuity). */
export function OutboxPage({ me }: { me: Me }) {
  const entries = useOutbox((s) => s.entries);
  const loaded = useOutbox((s) => s.loaded);
  const sender = useOutbox((s) => s.sender);
  const waiting = countWaiting(entries);
  const toCorrect = countToCorrect(entries);
  const stamp = new Date().toISOString().slice(0, 10);

  return (
    <>
      <h1>Actes enregistrés sur cet appareil</h1>
      <section className="card" aria-labelledby="titre-envois">
        <h2 id="titre-envois">Envoi au serveur</h2>
        <p data-testid="outbox-summary" role="status">
          {waiting === 0 ? 'Aucun acte en attente d’envoi.' : `${waiting} acte${waiting > 1 ? 's' : ''} en attente d’envoi.`}
          {toCorrect > 0 && ` ${toCorrect} acte${toCorrect > 1 ? 's' : ''} à corriger.`}
        </p>
        {sender.kind === 'waiting' && (
          <p className="hint" data-testid="outbox-retry">
            {sender.message} Nouvel essai automatique vers {new Date(sender.until).toLocaleTimeString('fr-FR')}.
          </p>
        )}
        {sender.kind === 'signed-out' && (
          <p className="alert alert-warning" role="alert">
            {sender.message}
          </p>
        )}
        <div className="button-row no-print">
          <button type="button" onClick={() => void sendNow()} disabled={waiting === 0 || sender.kind === 'sending'}>
            {sender.kind === 'sending' ? 'Envoi…' : 'Envoyer maintenant'}
          </button>
          <button type="button" className="button secondary" disabled={entries.length === 0} onClick={() => saveFile(outboxCsv(entries, me), `actes-${stamp}.csv`)}>
            Exporter (CSV)
          </button>
          <button type="button" className="button secondary" disabled={entries.length === 0} onClick={() => saveFile(outboxJson(entries, me), `actes-${stamp}.json`)}>
            Exporter (JSON)
          </button>
          <button type="button" className="button secondary" disabled={entries.length === 0} onClick={() => print()}>
            Imprimer le double
          </button>
          <button
            type="button"
            className="button secondary"
            disabled={!entries.some((e) => e.status === 'sent')}
            onClick={() => {
              if (confirm('Effacer de cet appareil les actes déjà transmis ? Exportez ou imprimez le double avant.')) void clearSent();
            }}
          >
            Effacer les actes transmis
          </button>
        </div>
      </section>

      {!loaded ? (
        <p role="status">Chargement…</p>
      ) : entries.length === 0 ? (
        <p className="card">Aucun acte enregistré sur cet appareil.</p>
      ) : (
        <section className="card print-area" aria-labelledby="titre-double">
          <h2 id="titre-double">
            Double des actes — {me.givenName} {me.familyName.toUpperCase()} ({me.idNatPs})
          </h2>
          <table className="outbox-table" data-testid="outbox-table">
            <thead>
              <tr>
                <th scope="col">Acte</th>
                <th scope="col">Patient</th>
                <th scope="col">Date de l’acte</th>
                <th scope="col">Code patient</th>
                <th scope="col">État</th>
                <th scope="col" className="no-print">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.key} data-status={entry.status}>
                  <td>{describe(entry)}</td>
                  <td>
                    {entry.body.patient.familyName.toUpperCase()} {entry.body.patient.givenName}
                    <br />
                    {birthPhrase(entry.body.patient)}
                  </td>
                  <td>{actTime(entry)}</td>
                  <td className="mono">{entry.body.retrievalCode}</td>
                  <td>
                    <strong>{statusLabels[entry.status]}</strong>
                    {entry.status === 'sent' && entry.result && <> le {formatDateTime(entry.result.recordedAt)}</>}
                    {entry.status !== 'sent' && entry.lastError && <p className="hint">{entry.lastError.message}</p>}
                  </td>
                  <td className="no-print">
                    {(entry.status === 'rejected' || entry.status === 'conflict') && (
                      <Link href={`${entry.kind === 'test' ? '/tests' : '/vaccinations'}?corriger=${entry.key}`}>Corriger</Link>
                    )}
                    <ProvisionalDocument entry={entry} me={me} compact />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
