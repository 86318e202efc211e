import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import type { IssuedCode } from '../../data/codes';

function remaining(expiresAt: string, now: number): string {
  const seconds = Math.max(0, Math.round((Date.parse(expiresAt) - now) / 1000));
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** The code, shown once: large, grouped for dictation, with its countdown and a QR code for the patient's phone. */
export function IssuedCodePanel({ issued, onDone }: { issued: IssuedCode; onDone: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  const [qr, setQr] = useState<string | null>(null);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    QRCode.toDataURL(issued.deepLink, { errorCorrectionLevel: 'M', margin: 2, width: 220 }).then(setQr, () => setQr(null));
  }, [issued.deepLink]);
  const expired = Date.parse(issued.expiresAt) <= now;
  const expiresAt = new Date(issued.expiresAt).toLocaleTimeString('fr-FR', { hour: '2-digit', minute: '2-digit' });
  return (
    <section className="card issued-code" aria-labelledby="titre-code" aria-live="polite">
      <h2 id="titre-code">Code à transmettre au patient</h2>
      <p className="code-display" data-testid="issued-code" aria-label={`Code : ${issued.code.split('').join(' ')}`}>
        {issued.codeForDictation}
      </p>
      {expired ? (
        <p className="alert alert-error">Ce code a expiré. Générez-en un nouveau si nécessaire.</p>
      ) : (
        <p>
          Valable jusqu'à <strong>{expiresAt}</strong> — encore <span data-testid="countdown">{remaining(issued.expiresAt, now)}</span>. Il ne peut servir qu'une fois.
        </p>
      )}
      <div className="qr-block">
        {qr && <img src={qr} alt="QR code à scanner avec l'application StopCovid" width={220} height={220} />}
        <p className="hint">
          Le patient saisit ce code dans l'application StopCovid, ou scanne le QR code avec son téléphone. Ce code ne sera plus affiché
          ensuite.
        </p>
      </div>
      <button type="button" onClick={onDone}>
        J'ai transmis le code
      </button>
    </section>
  );
}
