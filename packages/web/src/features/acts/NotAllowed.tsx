/** Said instead of a form the professional's rights do not open. */
export function NotAllowed({ what }: { what: string }) {
  return (
    <p className="alert alert-error" role="alert">
      {what} : non autorisé pour votre profession.
    </p>
  );
}
