import { useEffect, useState } from 'react';
import { downloadCovidPlusDocument, type TestResult, type TestType } from '../../data/acts';
import type { TestEntry } from '../../data/outbox';
import { saveFile } from '../../data/save-file';
import { loadTestDevices, useReference, type TestDevice } from '../../data/reference';
import type { Me } from '../../data/store';
import { ActFormPage, ActRecordedPage } from '../acts/ActPage';
import { MAX_ACT_AGE_DAYS, daysAgo, formatDateTime, localDateTime } from '../acts/dates';
import { FieldError, fieldProps, type FieldErrors } from '../acts/field-errors';
import { ListUnavailable } from '../acts/ListUnavailable';
import { NotAllowed } from '../acts/NotAllowed';
import { useActForm } from '../acts/use-act-form';
import { DeviceCombobox } from './DeviceCombobox';

const typeLabels: Record<TestType, string> = { antigen: 'Test antigénique', 'supervised-self-test': 'Autotest supervisé' };
const resultLabels: Record<TestResult, string> = { detected: 'Positif (détecté)', 'not-detected': 'Négatif (non détecté)' };

const labels: Record<string, string> = {
  testType: 'Type de test',
  sampledAt: 'Date et heure du prélèvement',
  result: 'Résultat',
  device: 'Test utilisé',
};

const heading = 'Tests antigéniques et autotests supervisés';

export function TestPage({ me }: { me: Me }) {
  const allowed = me.rights.includes('tests:record');
  const devices = useReference((s) => s.devices);
  const [testType, setTestType] = useState<TestType>('antigen');
  const [sampledAt, setSampledAt] = useState(() => localDateTime(new Date()));
  const [result, setResult] = useState<TestResult | null>(null);
  const [device, setDevice] = useState<TestDevice | null>(null);
  // A new combobox (and its query) for each new test.
  const [formKey, setFormKey] = useState(0);
  const form = useActForm<TestEntry>({
    kind: 'test',
    validate,
    build: ({ patient, place }) =>
      device && result
        ? {
            kind: 'test',
            body: { patient, testType, sampledAt: new Date(sampledAt).toISOString(), result, deviceId: device.id, place },
            display: { deviceName: device.name, deviceActive: device.active },
          }
        : null,
    fill: ({ body, display }) => {
      setTestType(body.testType);
      setSampledAt(localDateTime(new Date(body.sampledAt)));
      setResult(body.result);
      setDevice({ id: body.deviceId, name: display.deviceName ?? body.deviceId, active: true });
      setFormKey((k) => k + 1);
    },
    clear: () => {
      setTestType('antigen');
      setSampledAt(localDateTime(new Date()));
      setResult(null);
      setDevice(null);
      setFormKey((k) => k + 1);
    },
    watch: [testType, sampledAt, result, device],
  });

  useEffect(() => {
    if (allowed) void loadTestDevices();
  }, [allowed]);

  if (!allowed) return <NotAllowed what="Enregistrer un test antigénique ou un autotest supervisé" />;

  function validate(): FieldErrors {
    const found: FieldErrors = {};
    const sampled = new Date(sampledAt);
    if (!sampledAt || Number.isNaN(sampled.getTime())) found.sampledAt = 'Indiquez la date et l’heure du prélèvement.';
    else if (sampled.getTime() > Date.now() + 60_000) found.sampledAt = 'Le prélèvement ne peut pas être dans le futur.';
    else if (sampled < daysAgo(MAX_ACT_AGE_DAYS)) found.sampledAt = `Le prélèvement date de plus de ${MAX_ACT_AGE_DAYS} jours : il ne peut plus être saisi.`;
    if (!result) found.result = 'Choisissez le résultat du test.';
    if (!device) found.device = 'Choisissez le test utilisé dans la liste (tapez sa marque ou sa référence).';
    return found;
  }

  const { recorded, errors } = form;
  if (recorded?.kind === 'test') {
    const { body, display } = recorded;
    const [brand, ...reference] = (display.deviceName ?? body.deviceId).split(', ');
    const sent = recorded.status === 'sent' ? recorded.result : undefined;
    return (
      <ActRecordedPage
        heading={heading}
        title={sent ? 'Test enregistré' : 'Test enregistré sur cet appareil'}
        againLabel="Enregistrer un autre test"
        onAgain={form.again}
        entry={recorded}
        me={me}
        recordedLabel="Enregistré le"
        details={
          <>
            <dt>Type</dt>
            <dd>{typeLabels[body.testType]}</dd>
            <dt>Prélèvement</dt>
            <dd>{formatDateTime(body.sampledAt)}</dd>
            <dt>Résultat</dt>
            <dd className={body.result === 'detected' ? 'result-positive' : undefined}>{resultLabels[body.result]}</dd>
            <dt>Marque</dt>
            <dd data-testid="recorded-device-brand">{brand}</dd>
            <dt>Référence</dt>
            <dd data-testid="recorded-device-reference">{reference.join(', ') || '—'}</dd>
          </>
        }
      >
        {sent && body.result === 'detected' && <CovidPlusButton testId={sent.id} />}
        {display.deviceActive === false && (
          <div className="alert alert-warning" data-testid="recorded-warnings">
            <p>Ce test n'est plus actif dans la liste européenne : le certificat pourrait être refusé à l'étranger.</p>
          </div>
        )}
      </ActRecordedPage>
    );
  }

  return (
    <ActFormPage
      heading={heading}
      titleId="titre-test"
      title="Enregistrer un test antigénique ou un autotest supervisé"
      labels={labels}
      submitLabel="Enregistrer le test"
      form={form}
      formKey={formKey}
    >
      <fieldset className="form-section">
        <legend>Test</legend>
        <div className="form-grid">
          <fieldset className="field" id="testType">
            <legend>Type de test</legend>
            {(Object.keys(typeLabels) as TestType[]).map((t) => (
              <label className="choice" key={t}>
                <input type="radio" name="testType" value={t} checked={testType === t} onChange={() => setTestType(t)} />
                <span>{typeLabels[t]}</span>
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="sampledAt">Date et heure du prélèvement</label>
            <input type="datetime-local" value={sampledAt} max={localDateTime(new Date())} onChange={(e) => setSampledAt(e.target.value)} {...fieldProps('sampledAt', errors)} />
            <FieldError id="sampledAt" errors={errors} />
          </div>
        </div>

        <fieldset className="field" id="result" aria-invalid={errors.result ? true : undefined} aria-describedby={errors.result ? 'result-error' : undefined}>
          <legend>Résultat</legend>
          <div className="inline-choices">
            {(Object.keys(resultLabels) as TestResult[]).map((r) => (
              <label className={`choice result-choice ${r}`} key={r}>
                <input type="radio" name="result" value={r} checked={result === r} onChange={() => setResult(r)} />
                <span>{resultLabels[r]}</span>
              </label>
            ))}
          </div>
          <FieldError id="result" errors={errors} />
        </fieldset>

        <div className="field">
          <label htmlFor="device">Test utilisé (liste européenne)</label>
          {devices.status === 'loaded' ? (
            <>
              <DeviceCombobox id="device" devices={devices.items} selected={device} onSelect={setDevice} invalid={!!errors.device} describedBy={errors.device ? 'device-error device-hint' : 'device-hint'} />
              <p className="hint" id="device-hint">
                Recherchez par marque ou par référence ({devices.items.length} tests reconnus dans l'Union européenne).
                {devices.stale && ' Liste enregistrée sur cet appareil : elle sera mise à jour dès que le serveur répondra.'}
              </p>
              {device && (
                <p className="selected-device" data-testid="selected-device">
                  Sélectionné : <strong>{device.name}</strong>
                  {!device.active && (
                    <span className="inactive">
                      {' '}
                      (inactif) — ce test n'est plus actif dans la liste européenne, le certificat pourrait être refusé à l'étranger.
                    </span>
                  )}
                </p>
              )}
            </>
          ) : (
            <ListUnavailable id="device" list={devices} what="tests" retry={() => void loadTestDevices(true)} />
          )}
          <FieldError id="device" errors={errors} />
        </div>
      </fieldset>
    </ActFormPage>
  );
}

/** Prints the patient's COVID+ document (PDF with the StopCovid declaration QR code). */
function CovidPlusButton({ testId }: { testId: string }) {
  const [state, setState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  async function download() {
    setState({ busy: true, error: null });
    try {
      saveFile(await downloadCovidPlusDocument(testId), 'document-covid-plus.pdf');
      setState({ busy: false, error: null });
    } catch (e) {
      setState({ busy: false, error: e instanceof Error ? e.message : 'Erreur inconnue' });
    }
  }
  return (
    <div className="covid-plus">
      <button type="button" onClick={() => void download()} disabled={state.busy}>
        {state.busy ? 'Préparation…' : 'Imprimer le document COVID+ (PDF)'}
      </button>
      <p className="hint">Il porte le QR code que le patient scanne dans StopCovid. Le réimprimer remplace le code précédent.</p>
      {state.error && (
        <p className="alert alert-error" role="alert">
          {state.error}
        </p>
      )}
    </div>
  );
}
