import { useEffect, useRef } from 'react';
import type { FieldErrors } from './field-errors';

/** Lists the problems found before sending; focused at each refused submit so screen readers announce it. */
export function ErrorSummary({ errors, labels, focusKey }: { errors: FieldErrors; labels: Record<string, string>; focusKey: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const entries = Object.entries(errors);
  useEffect(() => {
    if (focusKey > 0) ref.current?.focus();
  }, [focusKey]);
  if (entries.length === 0) return null;
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={ref} data-testid="form-errors">
      <p>
        <strong>{entries.length === 1 ? 'Le formulaire contient une erreur :' : `Le formulaire contient ${entries.length} erreurs :`}</strong>
      </p>
      <ul>
        {entries.map(([id, message]) => (
          <li key={id}>
            <a
              href={`#${id}`}
              onClick={(e) => {
                e.preventDefault();
                const target = document.getElementById(id);
                (target?.matches('fieldset') ? target.querySelector('input') : target)?.focus();
              }}
            >
              {labels[id] ?? id}
            </a>{' '}
            : {message}
          </li>
        ))}
      </ul>
    </div>
  );
}
