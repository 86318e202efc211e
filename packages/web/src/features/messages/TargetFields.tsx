import type { AuthoringContext } from '../../data/messages';
import { FieldError, type FieldErrors } from '../acts/field-errors';
import type { FormValues } from './message-form';

type Change = (patch: Partial<FormValues>) => void;

/**
 * Whom a message is for: "Tous les professionnels", or the lines of the DGS-Urgent form (each
 * standing for TRE_G15 codes), or any TRE_G15 profession in the full list.
 */
export function ProfessionsField({ context, values, errors, onChange }: { context: AuthoringContext; values: FormValues; errors: FieldErrors; onChange: Change }) {
  const id = 'message-professions';
  const chosen = new Set(values.professions);
  const toggle = (codes: readonly string[], on: boolean) => {
    const next = new Set(chosen);
    for (const code of codes) {
      if (on) next.add(code);
      else next.delete(code);
    }
    onChange({ professions: [...next].sort() });
  };
  return (
    <fieldset className="field" id={id} aria-invalid={errors[id] ? true : undefined} aria-describedby={errors[id] ? `${id}-error` : undefined}>
      <legend>Professions</legend>
      <div className="inline-choices">
        <label className="choice">
          <input type="radio" name="professions-scope" checked={values.allProfessions} onChange={() => onChange({ allProfessions: true })} />
          Tous les professionnels
        </label>
        <label className="choice">
          <input type="radio" name="professions-scope" checked={!values.allProfessions} onChange={() => onChange({ allProfessions: false })} />
          Professions choisies
        </label>
      </div>
      {!values.allProfessions && (
        <>
          <fieldset className="choice-group">
            <legend>Catégories du formulaire DGS-Urgent</legend>
            <div className="choice-columns">
              {context.professionCategories.map((category) => {
                const checked = category.codes.every((code) => chosen.has(code));
                return (
                  <label key={category.label} className="choice">
                    <input type="checkbox" checked={checked} onChange={() => toggle(category.codes, !checked)} />
                    {category.label}
                  </label>
                );
              })}
            </div>
          </fieldset>
          <details className="choice-details">
            <summary>Toutes les professions (nomenclature TRE_G15){values.professions.length > 0 && ` — ${values.professions.length} choisie${values.professions.length > 1 ? 's' : ''}`}</summary>
            <fieldset className="choice-group">
              <legend className="visually-hidden">Professions de la nomenclature TRE_G15</legend>
              <div className="choice-columns">
                {context.professions.map((profession) => (
                  <label key={profession.code} className="choice">
                    <input type="checkbox" checked={chosen.has(profession.code)} onChange={(e) => toggle([profession.code], e.target.checked)} />
                    {profession.label} <span className="hint">({profession.code})</span>
                  </label>
                ))}
              </div>
            </fieldset>
          </details>
        </>
      )}
      <FieldError id={id} errors={errors} />
    </fieldset>
  );
}

/** Where a message goes: national (the DGS only), or the union of the regions and departments ticked. */
export function ZoneField({ context, values, errors, onChange }: { context: AuthoringContext; values: FormValues; errors: FieldErrors; onChange: Change }) {
  const id = 'message-zone';
  const regional = context.scope.kind === 'regional';
  const toggle = (key: 'regions' | 'departments', code: string, on: boolean) => {
    const next = new Set(values[key]);
    if (on) next.add(code);
    else next.delete(code);
    onChange({ [key]: [...next].sort() });
  };
  const departmentsOf = (region: string) => context.departments.filter((d) => d.region === region);
  return (
    <fieldset className="field" id={id} aria-invalid={errors[id] ? true : undefined} aria-describedby={[regional ? `${id}-hint` : '', errors[id] ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}>
      <legend>Zone</legend>
      <div className="inline-choices">
        <label className="choice">
          <input type="radio" name="zone-scope" checked={values.national} disabled={regional} onChange={() => onChange({ national: true })} />
          National
        </label>
        <label className="choice">
          <input type="radio" name="zone-scope" checked={!values.national} onChange={() => onChange({ national: false })} />
          Régions et départements
        </label>
      </div>
      {regional && (
        <p className="hint" id={`${id}-hint`}>
          Une agence régionale de santé écrit aux professionnels de sa région seulement : la zone nationale est réservée à la DGS.
        </p>
      )}
      {!values.national && (
        <div className="zone-list">
          {context.regions.map((region) => {
            const whole = values.regions.includes(region.code);
            const departments = departmentsOf(region.code);
            const ticked = departments.filter((d) => values.departments.includes(d.code)).length;
            return (
              <fieldset key={region.code} className="choice-group zone-region">
                <legend>{region.name}</legend>
                <label className="choice">
                  <input type="checkbox" checked={whole} onChange={(e) => toggle('regions', region.code, e.target.checked)} />
                  {region.name} (toute la région)
                </label>
                {departments.length > 0 && (
                  <details className="choice-details" open={regional}>
                    <summary>
                      Départements de la région {region.name}
                      {!whole && ticked > 0 && ` — ${ticked} choisi${ticked > 1 ? 's' : ''}`}
                    </summary>
                    <div className="choice-columns">
                      {departments.map((department) => (
                        <label key={department.code} className="choice">
                          <input
                            type="checkbox"
                            checked={whole || values.departments.includes(department.code)}
                            disabled={whole}
                            onChange={(e) => toggle('departments', department.code, e.target.checked)}
                          />
                          {department.name} ({department.code})
                        </label>
                      ))}
                    </div>
                  </details>
                )}
              </fieldset>
            );
          })}
        </div>
      )}
      <FieldError id={id} errors={errors} />
    </fieldset>
  );
}
