import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { isOperator } from '../../data/incidents';
import { loadAuthoringContext } from '../../data/messages';
import { KEY_LABEL_MAX_LENGTH, KPI_CODES_PATH, createOperatorKey, kpiCurlExample, listOperatorKeys, revokeOperatorKey, type CreatedOperatorKey, type OperatorKey } from '../../data/operator-keys';
import { addDays, parisDay } from '../../data/statistics';
import type { Me } from '../../data/store';
import { ErrorAlert, OperatorOnlyNotice } from '../../ui/form-feedback';

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : 'Erreur inconnue');
const when = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' });
const formatWhen = (iso: string) => when.format(new Date(iso));

/** What the operator's keys may read: from the operator's scope (the urgent messages' authoring context knows it); null until known. */
interface Scope {
  kind: 'national' | 'regional';
  regionName?: string;
  regions: Map<string, string>;
}

type ListState = { status: 'loading' } | { status: 'loaded'; keys: OperatorKey[] } | { status: 'error'; message: string };
type Copy = { status: 'idle' } | { status: 'copied' } | { status: 'failed' };

/** Copies `text`; says whether it worked (the clipboard may be refused: then the text is selected by hand). */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * For operators (DGS, ARS): the API keys with which their machines (a dashboard, a regional data
 * warehouse) read the KPIs of codes per day, created, listed and revoked here. A new key is shown
 * once, never stored.
 */
export function ApiKeysPage({ me }: { me: Me }) {
  if (!isOperator(me)) {
    return <OperatorOnlyNotice title="Clés d'API" />;
  }
  return <OperatorKeys />;
}

function OperatorKeys() {
  const [list, setList] = useState<ListState>({ status: 'loading' });
  const [scope, setScope] = useState<Scope | null>(null);
  const [created, setCreated] = useState<CreatedOperatorKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);

  // Never rejects: a failure is shown in place of the list.
  const load = useCallback(
    () =>
      listOperatorKeys().then(
        (keys) => setList({ status: 'loaded', keys }),
        (e: unknown) => setList({ status: 'error', message: errorMessage(e) }),
      ),
    [],
  );
  useEffect(() => {
    void load();
    let current = true;
    // The scope only words the page better (the region's name): without it, the codes are shown.
    loadAuthoringContext().then(
      (context) =>
        current &&
        setScope({
          kind: context.scope.kind,
          regionName: context.scope.kind === 'regional' ? context.scope.regionName : undefined,
          regions: new Map(context.regions.map((r) => [r.code, r.name])),
        }),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [load]);

  const onCreated = async (answer: CreatedOperatorKey) => {
    setNotice(null);
    setActionError(null);
    setCreated(answer);
    await load();
  };

  const revoke = async (key: OperatorKey) => {
    if (
      !window.confirm(`Révoquer la clé « ${key.label} » ? Les machines qui l'utilisent seront refusées (erreur 401) dès maintenant. La révocation est définitive.`)
    )
      return;
    setRevoking(key.id);
    setNotice(null);
    setActionError(null);
    try {
      await revokeOperatorKey(key.id);
      if (created?.key.id === key.id) setCreated(null);
      setNotice(`Clé « ${key.label} » révoquée.`);
      await load();
    } catch (e) {
      setActionError(errorMessage(e));
    } finally {
      setRevoking(null);
    }
  };

  const regionText = (region: string | null) => {
    if (region === null) return 'Nationale';
    const name = scope?.regions.get(region);
    return name ? `Région ${name} (${region})` : `Région ${region}`;
  };

  return (
    <>
      <h1>Clés d'API</h1>
      <Explanation scope={scope} />
      <CreateKeyForm onCreated={onCreated} />
      {created && <NewKeyPanel created={created} scopeText={regionText(created.key.region)} onDone={() => setCreated(null)} />}

      <section className="card" aria-labelledby="titre-cles" data-testid="keys">
        <h2 id="titre-cles">Clés de votre périmètre</h2>
        {notice && (
          <p className="alert alert-success" role="status" data-testid="keys-notice">
            {notice}
          </p>
        )}
        <ErrorAlert>{actionError}</ErrorAlert>
        {list.status === 'loading' && (
          <p role="status" aria-live="polite">
            Chargement des clés…
          </p>
        )}
        {list.status === 'error' && <ErrorAlert>{list.message}</ErrorAlert>}
        {list.status === 'loaded' && list.keys.length === 0 && <p data-testid="keys-empty">Aucune clé pour l'instant.</p>}
        {list.status === 'loaded' && list.keys.length > 0 && (
          <div className="table-scroll">
            <table data-testid="keys-table">
              <caption className="visually-hidden">Clés d'API de votre périmètre, les actives et les révoquées</caption>
              <thead>
                <tr>
                  <th scope="col">Libellé</th>
                  <th scope="col">Périmètre</th>
                  <th scope="col">Créée le</th>
                  <th scope="col">État</th>
                  <th scope="col">
                    <span className="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.keys.map((key) => (
                  <tr key={key.id} data-testid="key-row">
                    <th scope="row">{key.label}</th>
                    <td>{regionText(key.region)}</td>
                    <td>{formatWhen(key.createdAt)}</td>
                    <td className={key.revokedAt ? 'status-expired' : 'status-used'}>{key.revokedAt ? `Révoquée le ${formatWhen(key.revokedAt)}` : 'Active'}</td>
                    <td>
                      {!key.revokedAt && (
                        <button type="button" className="button small danger" onClick={() => void revoke(key)} disabled={revoking !== null} aria-label={`Révoquer la clé « ${key.label} »`}>
                          {revoking === key.id ? 'Révocation…' : 'Révoquer'}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function Explanation({ scope }: { scope: Scope | null }) {
  const today = parisDay(new Date());
  const example = kpiCurlExample(window.location.origin, addDays(today, -7), addDays(today, -1));
  const [copy, setCopy] = useState<Copy>({ status: 'idle' });
  return (
    <section className="card" aria-labelledby="titre-usage" data-testid="keys-usage">
      <h2 id="titre-usage">À quoi sert une clé</h2>
      <p>
        Une clé d'API permet à une machine (un tableau de bord, un entrepôt de données régional) de lire, sans session Pro Santé Connect, les indicateurs des codes
        StopCovid jour par jour : codes courts et longs générés, utilisés et expirés sans usage. Les effectifs de 1 à 10 sont masqués (valeur <code>null</code>).
      </p>
      <p data-testid="keys-scope">
        Une clé a le périmètre de l'opérateur qui la crée :{' '}
        {scope === null
          ? 'les chiffres nationaux pour la DGS, ceux de sa région pour une ARS.'
          : scope.kind === 'national'
            ? 'les vôtres lisent les chiffres nationaux.'
            : `les vôtres lisent les chiffres de la région ${scope.regionName ?? ''}.`}{' '}
        Chaque lecture est inscrite au journal d'audit.
      </p>
      <p>
        La machine appelle <code>GET {KPI_CODES_PATH}?fromDate=AAAA-MM-JJ&amp;toDate=AAAA-MM-JJ</code> (jours de Paris inclus, 366 jours au plus) avec l'en-tête{' '}
        <code>Authorization: Bearer opk_…</code>. Une clé absente, inconnue ou révoquée reçoit une erreur 401. Exemple pour les 7 derniers jours :
      </p>
      <pre className="code-example" data-testid="keys-curl">
        <code>{example}</code>
      </pre>
      <div className="button-row">
        <button type="button" className="button secondary small" onClick={() => void copyText(example).then((ok) => setCopy({ status: ok ? 'copied' : 'failed' }))}>
          Copier l'exemple
        </button>
      </div>
      <p role="status" aria-live="polite" className="hint">
        {copy.status === 'copied' && 'Exemple copié dans le presse-papiers.'}
        {copy.status === 'failed' && "La copie a échoué : sélectionnez l'exemple et copiez-le à la main."}
      </p>
    </section>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (created: CreatedOperatorKey) => Promise<void> }) {
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const text = label.trim();
    if (!text) {
      setError("Donnez un libellé à la clé : ce qu'elle sert à lire, et pour qui.");
      input.current?.focus();
      return;
    }
    if (text.length > KEY_LABEL_MAX_LENGTH) {
      setError(`Le libellé fait ${KEY_LABEL_MAX_LENGTH} caractères au plus.`);
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const created = await createOperatorKey(text);
      setLabel('');
      await onCreated(created);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" aria-labelledby="titre-creer" onSubmit={(e) => void submit(e)} noValidate data-testid="key-create">
      <h2 id="titre-creer">Créer une clé</h2>
      <div className="field">
        <label htmlFor="key-label">Libellé</label>
        <input
          ref={input}
          id="key-label"
          type="text"
          value={label}
          maxLength={KEY_LABEL_MAX_LENGTH}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'key-label-hint key-label-error' : 'key-label-hint'}
          onChange={(e) => setLabel(e.target.value)}
        />
        <p className="hint" id="key-label-hint">
          Ce que la clé sert à lire, et pour qui : par exemple « Tableau de bord ARS, équipe veille ».
        </p>
        {error && (
          <p className="field-error" id="key-label-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Création…' : 'Créer la clé'}
      </button>
    </form>
  );
}

/** The new key, once: copy it now, it is never shown again (only its SHA-256 is kept by the server, nothing by this device). */
function NewKeyPanel({ created, scopeText, onDone }: { created: CreatedOperatorKey; scopeText: string; onDone: () => void }) {
  const [copy, setCopy] = useState<Copy>({ status: 'idle' });
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [created.key.id]);
  return (
    <section className="card" aria-labelledby="titre-nouvelle-cle" data-testid="new-key">
      <h2 id="titre-nouvelle-cle" ref={heading} tabIndex={-1}>
        Nouvelle clé : « {created.key.label} »
      </h2>
      <p className="alert alert-warning" data-testid="new-key-warning">
        <strong>Copiez cette clé maintenant : elle ne sera plus jamais affichée.</strong> Le service n'en garde qu'une empreinte et cette page ne l'enregistre pas.
        Conservez-la dans un coffre de secrets, jamais dans un courriel ni un ticket. Perdue ou divulguée : révoquez-la et créez-en une autre.
      </p>
      <p>Périmètre : {scopeText}.</p>
      <p>
        Clé :{' '}
        <code className="fallback-secret" data-testid="new-key-value">
          {created.apiKey}
        </code>
      </p>
      <div className="button-row">
        <button type="button" onClick={() => void copyText(created.apiKey).then((ok) => setCopy({ status: ok ? 'copied' : 'failed' }))}>
          Copier la clé
        </button>
        <button type="button" className="button secondary" onClick={onDone}>
          J'ai copié la clé : la masquer
        </button>
      </div>
      <p role="status" aria-live="polite" data-testid="new-key-copy">
        {copy.status === 'copied' && 'Clé copiée dans le presse-papiers.'}
        {copy.status === 'failed' && 'La copie a échoué : sélectionnez la clé et copiez-la à la main.'}
      </p>
    </section>
  );
}
