import { useEffect, useRef } from 'react';
import { refusedFields } from './server-errors';

/** The server's French message, and for REQUEST_INVALID the fields it rejected. */
export function ServerErrorAlert({ error }: { error: unknown }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), [error]);
  const message = error instanceof Error ? error.message : 'Une erreur inconnue est survenue.';
  const fields = refusedFields(error);
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={ref} data-testid="server-error">
      <p>
        <strong>L'enregistrement a échoué.</strong> {message}
      </p>
      {fields.length > 0 && (
        <ul>
          {fields.map((field, i) => (
            <li key={i}>
              {field.label} : {field.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
