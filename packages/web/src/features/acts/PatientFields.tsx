import { PERSON_NAME_MAX_LENGTH } from '@prostopcovid/dcc/names';
import type { Sex } from '../../data/acts';
import { localDate } from './dates';
import { FieldError, fieldProps, type FieldErrors } from './field-errors';
import { EMAIL_MAX_LENGTH, type PatientValues } from './patient';

const sexLabels: Array<[Sex, string]> = [
  ['F', 'Femme'],
  ['M', 'Homme'],
  ['U', 'Non précisé'],
];

/** The patient's section of an act form. */
export function PatientFields({ value, onChange, errors }: { value: PatientValues; onChange: (next: PatientValues) => void; errors: FieldErrors }) {
  const set = (key: keyof PatientValues) => (e: { target: { value: string } }) => onChange({ ...value, [key]: e.target.value });
  const noContact = !value.email.trim() && !value.phone.trim();
  return (
    <fieldset className="form-section">
      <legend>Patient</legend>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="patient-familyName">Nom</label>
          <input type="text" autoComplete="off" value={value.familyName} onChange={set('familyName')} maxLength={PERSON_NAME_MAX_LENGTH} {...fieldProps('patient-familyName', errors)} />
          <FieldError id="patient-familyName" errors={errors} />
        </div>
        <div className="field">
          <label htmlFor="patient-givenName">Prénom</label>
          <input type="text" autoComplete="off" value={value.givenName} onChange={set('givenName')} maxLength={PERSON_NAME_MAX_LENGTH} {...fieldProps('patient-givenName', errors)} />
          <FieldError id="patient-givenName" errors={errors} />
        </div>
        <div className="field">
          <label htmlFor="patient-birthDate">Date de naissance</label>
          <input type="date" min="1900-01-01" max={localDate(new Date())} value={value.birthDate} onChange={set('birthDate')} {...fieldProps('patient-birthDate', errors)} />
          <FieldError id="patient-birthDate" errors={errors} />
        </div>
        <fieldset className="field" id="patient-sex" aria-invalid={errors['patient-sex'] ? true : undefined} aria-describedby={errors['patient-sex'] ? 'patient-sex-error' : undefined}>
          <legend>Sexe</legend>
          <div className="inline-choices">
            {sexLabels.map(([code, label]) => (
              <label className="choice" key={code}>
                <input type="radio" name="patient-sex" value={code} checked={value.sex === code} onChange={() => onChange({ ...value, sex: code })} />
                <span>{label}</span>
              </label>
            ))}
          </div>
          <FieldError id="patient-sex" errors={errors} />
        </fieldset>
        <div className="field">
          <label htmlFor="patient-email">
            E-mail <span className="hint">(facultatif)</span>
          </label>
          <input type="email" autoComplete="off" value={value.email} onChange={set('email')} maxLength={EMAIL_MAX_LENGTH} {...fieldProps('patient-email', errors, 'patient-contact-hint')} />
          <FieldError id="patient-email" errors={errors} />
        </div>
        <div className="field">
          <label htmlFor="patient-phone">
            Téléphone <span className="hint">(facultatif)</span>
          </label>
          <input type="tel" autoComplete="off" value={value.phone} onChange={set('phone')} maxLength={20} {...fieldProps('patient-phone', errors, 'patient-contact-hint')} />
          <FieldError id="patient-phone" errors={errors} />
        </div>
      </div>
      <p className="hint" id="patient-contact-hint">
        {noContact
          ? 'Conseillé : indiquez au moins un e-mail ou un téléphone pour que le patient puisse recevoir son certificat.'
          : 'Le patient recevra son certificat avec ces coordonnées.'}
      </p>
    </fieldset>
  );
}
