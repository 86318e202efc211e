/** A form's errors by field id, and how an input shows its own. */
export type FieldErrors = Record<string, string>;

/**
 * Errors already shown disappear (or change) as soon as their field is corrected; no new error
 * appears while the professional is still typing: those wait for the next submit.
 */
export function refreshShownErrors(shown: FieldErrors, current: FieldErrors): FieldErrors {
  const keys = Object.keys(shown);
  if (keys.length === 0) return shown;
  const kept: FieldErrors = {};
  for (const key of keys) if (current[key]) kept[key] = current[key];
  const unchanged = Object.keys(kept).length === keys.length && keys.every((key) => kept[key] === shown[key]);
  return unchanged ? shown : kept;
}

/** Props that tie an input to its error message for assistive technologies. */
export function fieldProps(id: string, errors: FieldErrors, hintId?: string) {
  const describedBy = [hintId, errors[id] ? `${id}-error` : undefined].filter(Boolean).join(' ');
  return { id, 'aria-invalid': errors[id] ? true : undefined, 'aria-describedby': describedBy || undefined } as const;
}

export function FieldError({ id, errors }: { id: string; errors: FieldErrors }) {
  if (!errors[id]) return null;
  return (
    <p className="field-error" id={`${id}-error`}>
      {errors[id]}
    </p>
  );
}
