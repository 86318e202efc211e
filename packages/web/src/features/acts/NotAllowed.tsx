import { ErrorAlert } from '../../ui/form-feedback';

/** Said instead of a form the professional's rights do not open. */
export function NotAllowed({ what }: { what: string }) {
  return <ErrorAlert>{what} : non autorisé pour votre profession.</ErrorAlert>;
}
