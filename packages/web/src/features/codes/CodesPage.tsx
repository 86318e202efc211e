import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../../data/api';
import { issueCode, loadCodeHistory, useCodeHistory, type CaseKind, type IssuedCode } from '../../data/codes';
import type { Me } from '../../data/store';
import { IssuedCodePanel } from './IssuedCodePanel';
import { ErrorAlert, SubmitButton } from '../../ui/form-feedback';

const statusLabels = { pending: 'En attente', used: 'Utilisé', expired: 'Expiré' } as const;
const caseLabels = { confirmed: 'Cas confirmé', probable: 'Cas probable' } as const;

export function CodesPage({ me }: { me: Me }) {
  const [caseKind, setCaseKind] = useState<CaseKind | null>(null);
  const [qrUnavailable, setQrUnavailable] = useState(false);
  const [resultCode, setResultCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<IssuedCode | null>(null);
  const history = useCodeHistory();

  useEffect(() => {
    if (me.rights.includes('codes:issue')) void loadCodeHistory();
  }, [me]);

  if (!me.rights.includes('codes:issue')) {
    return (
      <ErrorAlert>Votre profession ne vous permet pas de générer des codes StopCovid (réservé aux médecins et infirmiers).</ErrorAlert>
    );
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!caseKind) return setError('Choisissez le type de cas.');
    if (caseKind === 'confirmed' && !qrUnavailable) return setError('Pour un cas confirmé, cochez la confirmation concernant le QR code SI-DEP.');
    setBusy(true);
    setError(null);
    try {
      setIssued(await issueCode(caseKind, qrUnavailable, caseKind === 'confirmed' ? resultCode.trim() || undefined : undefined));
      setCaseKind(null);
      setQrUnavailable(false);
      setResultCode('');
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : 'Erreur inconnue');
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Codes StopCovid</h1>
      {issued ? (
        <IssuedCodePanel issued={issued} onDone={() => setIssued(null)} />
      ) : (
        <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="titre-generer" noValidate>
          <h2 id="titre-generer">Générer un code pour un patient</h2>
          <fieldset>
            <legend>Type de cas</legend>
            <label className="choice">
              <input type="radio" name="caseKind" value="confirmed" checked={caseKind === 'confirmed'} onChange={() => setCaseKind('confirmed')} />
              <span>
                <strong>Cas confirmé</strong> — résultat positif par RT-PCR, symptomatique ou non
              </span>
            </label>
            <label className="choice">
              <input type="radio" name="caseKind" value="probable" checked={caseKind === 'probable'} onChange={() => setCaseKind('probable')} />
              <span>
                <strong>Cas probable</strong> — signes cliniques et signes en tomodensitométrie thoracique évocateurs de COVID-19
              </span>
            </label>
          </fieldset>
          {caseKind === 'confirmed' && (
            <label className="choice confirm">
              <input type="checkbox" checked={qrUnavailable} onChange={(e) => setQrUnavailable(e.target.checked)} />
              <span>
                Je me suis assuré(e) auprès du patient que le QR code fourni par SI-DEP avec ses résultats est indisponible ou ne fonctionne
                pas, et qu'il ne sera pas utilisé en parallèle par une autre personne.
              </span>
            </label>
          )}
          {caseKind === 'confirmed' && (
            <p>
              <label htmlFor="result-code">Code du résultat figurant sur le document du patient (facultatif)</label>
              <input id="result-code" className="code-input wide" value={resultCode} onChange={(e) => setResultCode(e.target.value)} placeholder="XXXX-XXXX-XXXX" />
              <span className="hint">S'il est saisi, le QR code du document COVID+ de ce résultat cesse de fonctionner.</span>
            </p>
          )}
          <ErrorAlert>{error}</ErrorAlert>
          <SubmitButton busy={busy} busyLabel="Génération…" label="Générer le code" />
        </form>
      )}
      <section className="card" aria-labelledby="titre-historique">
        <div className="header-row">
          <h2 id="titre-historique">Mes codes</h2>
          <button type="button" className="button secondary" onClick={() => void loadCodeHistory()}>
            Actualiser
          </button>
        </div>
        {history.status === 'loading' && <p role="status">Chargement…</p>}
        {history.status === 'error' && <p className="alert alert-error">{history.message}</p>}
        {history.status === 'loaded' && history.codes.length === 0 && <p>Aucun code généré pour le moment.</p>}
        {history.status === 'loaded' && history.codes.length > 0 && (
          <table data-testid="code-history">
            <thead>
              <tr>
                <th scope="col">Généré le</th>
                <th scope="col">Type de cas</th>
                <th scope="col">Statut</th>
              </tr>
            </thead>
            <tbody>
              {history.codes.map((entry) => (
                <tr key={entry.id}>
                  <td>{new Date(entry.issuedAt).toLocaleString('fr-FR', { dateStyle: 'short', timeStyle: 'short' })}</td>
                  <td>{caseLabels[entry.caseKind]}</td>
                  <td className={`status-${entry.status}`}>{statusLabels[entry.status]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
