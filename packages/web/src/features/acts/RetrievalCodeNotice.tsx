/** The patient's code for the certificate, to print or copy onto their document (shown once). */
export function RetrievalCodeNotice({ code }: { code: string }) {
  return (
    <div className="alert alert-info" data-testid="retrieval-code">
      <p>
        Code à remettre au patient : <strong className="mono">{code}</strong>
      </p>
      <p className="hint">
        Avec ce code et sa date de naissance, le patient récupère son certificat (passe sanitaire) sur {location.origin}/patient, dès que l'acte est
        transmis. Il figure aussi dans le double des actes de cet appareil, et sur le document provisoire s'il en est remis un.
      </p>
    </div>
  );
}
