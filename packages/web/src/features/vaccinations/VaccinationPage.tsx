import { useEffect, useState } from 'react';
import type { VaccinationEntry } from '../../data/outbox';
import { loadVaccineProducts, useReference } from '../../data/reference';
import type { Me } from '../../data/store';
import { ActFormPage, ActRecordedPage } from '../acts/ActPage';
import { MAX_ACT_AGE_DAYS, daysAgo, formatDate, isValidDate, localDate } from '../acts/dates';
import { FieldError, fieldProps, type FieldErrors } from '../acts/field-errors';
import { ListUnavailable } from '../acts/ListUnavailable';
import { NotAllowed } from '../acts/NotAllowed';
import { useActForm } from '../acts/use-act-form';
import { LOT_NUMBER_PATTERN, MAX_DOSE } from '@prostopcovid/contracts/acts';

const DOSES = Array.from({ length: MAX_DOSE }, (_, i) => i + 1);
const LOT = new RegExp(LOT_NUMBER_PATTERN);

const labels: Record<string, string> = {
  product: 'Vaccin',
  doseNumber: 'Numéro de dose',
  vaccinatedOn: 'Date de vaccination',
  lotNumber: 'Numéro de lot',
};

const heading = 'Vaccinations';

export function VaccinationPage({ me }: { me: Me }) {
  const allowed = me.rights.includes('vaccinations:record');
  const vaccines = useReference((s) => s.vaccines);
  const [product, setProduct] = useState('');
  const [doseNumber, setDoseNumber] = useState(1);
  const [seriesTotal, setSeriesTotal] = useState(2);
  const [vaccinatedOn, setVaccinatedOn] = useState(() => localDate(new Date()));
  const [lotNumber, setLotNumber] = useState('');
  const form = useActForm<VaccinationEntry>({
    kind: 'vaccination',
    validate,
    build: ({ patient, place }) => {
      const chosen = vaccines.status === 'loaded' ? vaccines.items.find((v) => v.id === product) : undefined;
      return {
        kind: 'vaccination',
        body: { patient, product, doseNumber, seriesTotal, vaccinatedOn, lotNumber: lotNumber.trim(), place },
        display: { productName: chosen?.name ?? product, manufacturerName: chosen?.manufacturerName ?? '' },
      };
    },
    fill: ({ body }) => {
      setProduct(body.product);
      setDoseNumber(body.doseNumber);
      setSeriesTotal(body.seriesTotal);
      setVaccinatedOn(body.vaccinatedOn);
      setLotNumber(body.lotNumber);
    },
    // The product and the series usually stay the same from one patient to the next.
    clear: () => {
      setDoseNumber(1);
      setVaccinatedOn(localDate(new Date()));
      setLotNumber('');
    },
    watch: [product, doseNumber, seriesTotal, vaccinatedOn, lotNumber],
  });

  useEffect(() => {
    if (allowed) void loadVaccineProducts();
  }, [allowed]);

  if (!allowed) return <NotAllowed what="Enregistrer une vaccination" />;

  function validate(): FieldErrors {
    const found: FieldErrors = {};
    if (!product) found.product = 'Choisissez le vaccin administré.';
    if (doseNumber > seriesTotal) found.doseNumber = `Le numéro de dose (${doseNumber}) ne peut pas dépasser le nombre total de doses du schéma (${seriesTotal}).`;
    const today = localDate(new Date());
    if (!vaccinatedOn || !isValidDate(vaccinatedOn)) found.vaccinatedOn = 'Indiquez une date de vaccination valide.';
    else if (vaccinatedOn > today) found.vaccinatedOn = 'La date de vaccination ne peut pas être dans le futur.';
    else if (vaccinatedOn < localDate(daysAgo(MAX_ACT_AGE_DAYS))) found.vaccinatedOn = `La vaccination date de plus de ${MAX_ACT_AGE_DAYS} jours : elle ne peut plus être saisie.`;
    if (!lotNumber.trim()) found.lotNumber = 'Indiquez le numéro de lot inscrit sur le flacon.';
    else if (!LOT.test(lotNumber.trim())) found.lotNumber = 'Le numéro de lot comporte de 2 à 30 caractères : lettres, chiffres, points, barres obliques ou tirets.';
    return found;
  }

  const { recorded, errors } = form;
  if (recorded?.kind === 'vaccination') {
    const { body, display } = recorded;
    const sent = recorded.status === 'sent';
    return (
      <ActRecordedPage
        heading={heading}
        title={sent ? 'Vaccination enregistrée' : 'Vaccination enregistrée sur cet appareil'}
        againLabel="Enregistrer une autre vaccination"
        onAgain={form.again}
        entry={recorded}
        me={me}
        recordedLabel="Enregistrée le"
        details={
          <>
            <dt>Vaccin</dt>
            <dd data-testid="recorded-product">
              {display.productName ?? body.product} — {display.manufacturerName}
            </dd>
            <dt>Dose</dt>
            <dd data-testid="recorded-dose">
              {body.doseNumber}/{body.seriesTotal}
            </dd>
            <dt>Date de vaccination</dt>
            <dd>{formatDate(body.vaccinatedOn)}</dd>
            <dt>Numéro de lot</dt>
            <dd className="mono">{body.lotNumber.toUpperCase()}</dd>
          </>
        }
      />
    );
  }

  return (
    <ActFormPage heading={heading} titleId="titre-vaccination" title="Enregistrer une vaccination" labels={labels} submitLabel="Enregistrer la vaccination" form={form}>
      <fieldset className="form-section">
        <legend>Vaccination</legend>
        <div className="field">
          <label htmlFor="product">Vaccin</label>
          {vaccines.status === 'loaded' ? (
            <>
              <select value={product} onChange={(e) => setProduct(e.target.value)} {...fieldProps('product', errors, vaccines.stale ? 'product-hint' : undefined)}>
                <option value="">— Choisissez le vaccin —</option>
                {vaccines.items.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name} — {v.manufacturerName}
                  </option>
                ))}
              </select>
              {vaccines.stale && (
                <p className="hint" id="product-hint">
                  Liste enregistrée sur cet appareil : elle sera mise à jour dès que le serveur répondra.
                </p>
              )}
            </>
          ) : (
            <ListUnavailable id="product" list={vaccines} what="vaccins" retry={() => void loadVaccineProducts(true)} />
          )}
          <FieldError id="product" errors={errors} />
        </div>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="doseNumber">Numéro de dose</label>
            <select value={doseNumber} onChange={(e) => setDoseNumber(Number(e.target.value))} {...fieldProps('doseNumber', errors)}>
              {DOSES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <FieldError id="doseNumber" errors={errors} />
          </div>
          <div className="field">
            <label htmlFor="seriesTotal">Nombre total de doses du schéma</label>
            <select value={seriesTotal} onChange={(e) => setSeriesTotal(Number(e.target.value))} {...fieldProps('seriesTotal', errors)}>
              {DOSES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="vaccinatedOn">Date de vaccination</label>
            <input type="date" value={vaccinatedOn} max={localDate(new Date())} onChange={(e) => setVaccinatedOn(e.target.value)} {...fieldProps('vaccinatedOn', errors)} />
            <FieldError id="vaccinatedOn" errors={errors} />
          </div>
          <div className="field">
            <label htmlFor="lotNumber">Numéro de lot</label>
            <input
              type="text"
              autoComplete="off"
              spellCheck={false}
              className="mono"
              value={lotNumber}
              maxLength={30}
              onChange={(e) => setLotNumber(e.target.value)}
              {...fieldProps('lotNumber', errors, 'lotNumber-hint')}
            />
            <p className="hint" id="lotNumber-hint">
              Tel qu'inscrit sur le flacon.
            </p>
            <FieldError id="lotNumber" errors={errors} />
          </div>
        </div>
      </fieldset>
    </ActFormPage>
  );
}
