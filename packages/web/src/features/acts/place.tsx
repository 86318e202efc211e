import { FieldError, fieldProps, type FieldErrors } from './field-errors';

/** Where the act took place: the last one typed on this device is offered again. */
export const PLACE_MAX_LENGTH = 200;

export function validatePlace(place: string, errors: FieldErrors): void {
  if (!place.trim()) errors.place = "Indiquez le lieu de l'acte.";
  else if (place.trim().length > PLACE_MAX_LENGTH) errors.place = `Le lieu ne doit pas dépasser ${PLACE_MAX_LENGTH} caractères.`;
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
