import { PLAIN_TEXT_MAX_LENGTH, UNTYPED_CHARACTERS } from '@prostopcovid/contracts/common';
import { FieldError, fieldProps, type FieldErrors } from './field-errors';

/**
 * Where the act took place: the last one typed on this device is offered again. The server's
 * limits (free text, `PlainText()` in the contracts): 80 characters (code points) at
 * most, no control character, broken UTF-16 or U+FFFD; checked here so that no act is
 * refused once offline in the outbox.
 */
export const PLACE_MAX_LENGTH = PLAIN_TEXT_MAX_LENGTH;
const UNTYPED = new RegExp(`[${UNTYPED_CHARACTERS}]`, 'u');

export function validatePlace(place: string, errors: FieldErrors): void {
  const trimmed = place.trim();
  if (!trimmed) errors.place = "Indiquez le lieu de l'acte.";
  else if ([...trimmed].length > PLACE_MAX_LENGTH) errors.place = `Le lieu ne doit pas dépasser ${PLACE_MAX_LENGTH} caractères.`;
  else if (UNTYPED.test(trimmed)) errors.place = 'Le lieu contient un caractère invisible ou illisible : retapez-le.';
}

export function PlaceField({ value, onChange, errors }: { value: string; onChange: (next: string) => void; errors: FieldErrors }) {
  return (
    <div className="field">
      <label htmlFor="place">Lieu</label>
      <input type="text" value={value} onChange={(e) => onChange(e.target.value)} maxLength={PLACE_MAX_LENGTH} {...fieldProps('place', errors, 'place-hint')} />
      <p className="hint" id="place-hint">
        Pharmacie, cabinet, centre… Prérempli avec le dernier lieu saisi sur cet appareil.
      </p>
      <FieldError id="place" errors={errors} />
    </div>
  );
}
