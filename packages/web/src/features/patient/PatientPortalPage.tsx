import { Fragment, useEffect, useRef, useState, type FormEvent } from 'react';
import { saveFile } from '../../data/save-file';
import {
  downloadCertificatePdf,
  formatDateTime,
  formatDay,
  qrPngDataUrl,
  retrieveCertificate,
  svgDataUrl,
  uvciSuffix,
  type CertificateKind,
  type RetrievedCertificate,
} from '../../data/certificates';

/** The server's French message (not found, too many attempts…), or the network one. */
function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : 'Erreur inconnue';
}

/**
 * The patient portal: with the code printed on the document of their test or vaccination and
 * their date of birth, the patient gets their EU Digital COVID Certificate (QR code).
 */
export function PatientPortalPage() {
  const [code, setCode] = useState('');
  const [birthDate, setBirthDate] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [certificate, setCertificate] = useState<RetrievedCertificate | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  // The PNG of the QR code, with the HC1 it shows: shown only while that certificate is.
  const [png, setPng] = useState<{ hc1: string; url: string } | null>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (!certificate) return;
    resultHeading.current?.focus();
    const { hc1 } = certificate;
    let current = true;
    void qrPngDataUrl(hc1).then(
      (url) => current && setPng({ hc1, url }),
      () => current && setPng(null),
    );
    return () => {
      current = false;
    };
  }, [certificate]);
  const pngUrl = png && certificate && png.hc1 === certificate.hc1 ? png.url : null;

  async function load(kind?: CertificateKind) {
    setError(null);
    setBusy(true);
    try {
      setCertificate(await retrieveCertificate(code, birthDate, kind));
      setCopied(null);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (!code.trim()) return setError('Saisissez le code figurant sur votre document.');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) return setError('Saisissez votre date de naissance.');
    await load();
  }

  async function downloadPdf() {
    try {
      saveFile(await downloadCertificatePdf(code, birthDate, certificate?.kind), 'certificat-covid.pdf');
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  async function copyHc1() {
    if (!certificate) return;
    try {
      await navigator.clipboard.writeText(certificate.hc1);
      setCopied('Contenu copié dans le presse-papiers.');
    } catch {
      setCopied('La copie a échoué : ouvrez « Contenu du QR code » ci-dessous et copiez le texte.');
    }
  }

  function reset() {
    setCertificate(null);
    setCode('');
    setBirthDate('');
    setCopied(null);
  }

  if (certificate) {
    const qr = svgDataUrl(certificate.qrSvg);
    return (
      <section className="card narrow certificate" aria-labelledby="titre-certificat" data-testid="certificate">
        <h1 id="titre-certificat" ref={resultHeading} tabIndex={-1}>
          {certificate.summary.title}
        </h1>
        <div className={certificate.worth.valid ? 'worth worth-valid' : 'worth worth-invalid'} data-testid="worth" role="status">
          <p>
            <strong>{certificate.worth.message}</strong>
          </p>
          {certificate.worth.reason && <p>{certificate.worth.reason}</p>}
        </div>
        <div className="qr-certificate">
          <img src={qr} alt="QR code du certificat" width={280} height={280} />
        </div>
        <dl className="identity">
          <dt>Nom</dt>
          <dd>{certificate.summary.name}</dd>
          <dt>Date de naissance</dt>
          <dd>{certificate.summary.birthDate}</dd>
          {certificate.summary.details.map((d) => (
            <Fragment key={d.label}>
              <dt>{d.label}</dt>
              <dd>{d.value}</dd>
            </Fragment>
          ))}
          <dt>Expiration du QR code</dt>
          <dd>{formatDateTime(certificate.expiresAt)}</dd>
          <dt>Identifiant (UVCI)</dt>
          <dd className="mono uvci">{certificate.uvci}</dd>
        </dl>
        <p className="actions">
          {pngUrl && (
            <a className="button" href={pngUrl} download={`certificat-${uvciSuffix(certificate.uvci)}.png`}>
              Télécharger le QR code (image PNG)
            </a>
          )}
          <button type="button" className="button secondary" onClick={() => void downloadPdf()}>
            Télécharger le certificat (PDF)
          </button>
          <button type="button" className="button secondary" onClick={() => void copyHc1()}>
            Copier le contenu (HC1)
          </button>
        </p>
        <p role="status" aria-live="polite" className="hint">
          {copied}
        </p>
        {certificate.others.length > 0 && (
          <div className="others" data-testid="other-certificates">
            <h2>Autres certificats de cet acte</h2>
            <ul>
              {certificate.others.map((other) => (
                <li key={other.kind}>
                  {other.availableFrom ? (
                    <>
                      {other.title} : disponible ici à partir du {formatDay(other.availableFrom)}.
                    </>
                  ) : (
                    <button type="button" className="button secondary" disabled={busy} onClick={() => void load(other.kind)}>
                      Afficher le {other.title.toLowerCase()}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </div>
        )}
        {error && (
          <p className="alert alert-error" role="alert" data-testid="patient-error">
            {error}
          </p>
        )}
        <details data-testid="hc1">
          <summary>Contenu du QR code</summary>
          <pre className="hc1-text mono">{certificate.hc1}</pre>
        </details>
        <p className="hint">
          Présentez ce QR code lors d'un contrôle. Il contient vos nom, prénom et date de naissance : ne le partagez pas publiquement.
        </p>
        <button type="button" className="button secondary" onClick={reset}>
          Récupérer un autre certificat
        </button>
      </section>
    );
  }

  return (
    <section className="card narrow" aria-labelledby="titre-patient">
      <h1 id="titre-patient">Récupérer mon certificat COVID</h1>
      <p className="hint">
        Utilisez le code remis par le professionnel de santé lors de votre test ou de votre vaccination, et votre date de naissance.
      </p>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <div className="field">
          <label htmlFor="retrieval-code">Code figurant sur votre document</label>
          <input
            id="retrieval-code"
            name="retrievalCode"
            type="text"
            className="text-input mono"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            maxLength={40}
            aria-describedby="retrieval-code-hint"
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          <p id="retrieval-code-hint" className="hint">
            Format : XXXX-XXXX-XXXX (majuscules ou minuscules).
          </p>
        </div>
        <div className="field">
          <label htmlFor="birth-date">Date de naissance</label>
          <input id="birth-date" name="birthDate" type="date" autoComplete="bday" value={birthDate} onChange={(e) => setBirthDate(e.target.value)} />
        </div>
        {error && (
          <p className="alert alert-error" role="alert" data-testid="patient-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Recherche…' : 'Récupérer mon certificat'}
        </button>
      </form>
    </section>
  );
}
