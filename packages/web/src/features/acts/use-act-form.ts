import { useState, type FormEvent } from 'react';
import { lastPlace, type PatientInput } from '../../data/acts';
import type { ActEntry, saveAct } from '../../data/outbox';
import { refreshShownErrors, type FieldErrors } from './field-errors';
import { emptyPatient, patientValuesOf, toPatient, validatePatient, type PatientValues } from './patient';
import { validatePlace } from './place';
import { useOutboxEntry, useOutboxSubmit } from './receipt';

export type ActInput = Parameters<typeof saveAct>[0];

export interface ActFormOptions<E extends ActEntry> {
  kind: E['kind'];
  /** Checks the page's own fields (the patient and the place are checked around them). */
  validate: () => FieldErrors;
  /** What is saved to the outbox once every check passed (given the patient and place as sent); null: not ready. */
  build: (shared: { patient: PatientInput; place: string }) => ActInput | null;
  /** Puts an act sent back for correction into the page's own fields. */
  fill: (entry: E) => void;
  /** Clears the page's own fields for the next act. */
  clear: () => void;
  /** The page's own field values: shown errors are refreshed as they change. */
  watch: readonly unknown[];
}

/**
 * What the test and vaccination pages share: the patient and the place, the errors found
 * before sending (shown at submit, refreshed as fields are corrected), the save to the
 * outbox, and the act recorded that the confirmation shows as the outbox holds it.
 */
export function useActForm<E extends ActEntry>(options: ActFormOptions<E>) {
  const [patient, setPatient] = useState<PatientValues>(emptyPatient);
  const [place, setPlace] = useState(lastPlace);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [refusedSubmits, setRefusedSubmits] = useState(0);
  const [recordedKey, setRecordedKey] = useState<string | null>(null);
  const recorded = useOutboxEntry(recordedKey) as E | undefined;
  const outbox = useOutboxSubmit(options.kind, (entry) => {
    setPatient(patientValuesOf(entry.body.patient));
    setPlace(entry.body.place);
    options.fill(entry as E);
  });

  function validate(): FieldErrors {
    const found: FieldErrors = {};
    validatePatient(patient, found);
    Object.assign(found, options.validate());
    validatePlace(place, found);
    return found;
  }

  // Shown errors are refreshed as the fields change: during the render that sees the change
  // (React's way to adjust state when other state changes), not in an effect after it.
  const watched = [patient, place, ...options.watch];
  const [watchedBefore, setWatchedBefore] = useState(watched);
  if (watched.length !== watchedBefore.length || watched.some((value, i) => !Object.is(value, watchedBefore[i]))) {
    setWatchedBefore(watched);
    setErrors((shown) => refreshShownErrors(shown, validate()));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    outbox.setServerError(null);
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setRefusedSubmits((n) => n + 1);
      return;
    }
    const input = options.build({ patient: toPatient(patient), place: place.trim() });
    if (!input) return;
    await outbox.submit(input, (entry) => setRecordedKey(entry.key));
  }

  function again() {
    setRecordedKey(null);
    outbox.reset();
    setPatient(emptyPatient);
    setPlace(lastPlace());
    options.clear();
    setErrors({});
  }

  return {
    patient,
    setPatient,
    place,
    setPlace,
    errors,
    refusedSubmits,
    recorded,
    correcting: outbox.correcting,
    busy: outbox.busy,
    serverError: outbox.serverError,
    submit,
    again,
  };
}

export type ActForm = ReturnType<typeof useActForm>;
