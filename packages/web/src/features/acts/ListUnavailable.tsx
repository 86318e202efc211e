/** A reference list of a form that is not (yet) there: loading, or failed with a way to retry. */
export function ListUnavailable({ id, list, what, retry }: { id: string; list: { status: string; message?: string }; what: string; retry: () => void }) {
  if (list.status === 'error') {
    return (
      <div className="alert alert-error" role="alert">
        <p>
          La liste des {what} n'a pas pu être chargée : {list.message}
        </p>
        <button type="button" className="button secondary" onClick={retry}>
          Réessayer
        </button>
      </div>
    );
  }
  return (
    <p role="status" id={id}>
      Chargement de la liste des {what}…
    </p>
  );
}
