import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { Link, useLocation } from 'wouter';
import {
  MESSAGE_ATTACHMENT_MAX_BYTES,
  MESSAGE_BODY_MAX_LENGTH,
  MESSAGE_CORRECTION_NOTE_MAX_LENGTH,
  MESSAGE_MAX_ATTACHMENTS,
  MESSAGE_WITHDRAW_REASON_MAX_LENGTH,
  statusLabels,
} from '@prostopcovid/contracts/messages';
import {
  correctMessage,
  createDraft,
  loadMessage,
  previewMessage,
  publishMessage,
  updateDraft,
  uploadAttachment,
  withdrawMessage,
  type Attachment,
  type AuthoringContext,
  type MessageContent,
  type MessageDetail,
  type MessagePreview,
} from '../../data/messages';
import { ErrorAlert } from '../../ui/form-feedback';
import { ErrorSummary } from '../acts/ErrorSummary';
import { FieldError, fieldProps, refreshShownErrors, type FieldErrors } from '../acts/field-errors';
import { useLeaveGuard } from '../../ui/leave-guard';
import { emptyValues, fieldLabels, isFieldRefusal, serverFieldErrors, validate, validateNote, valuesOfVersion, type FormValues } from './message-form';
import { formatCell, formatDateTime, MessageBody, targetsText } from './message-parts';
import { ProfessionsField, ZoneField } from './TargetFields';

/** What was just done (or why it stopped half-way), shown above the form. */
export interface Notice {
  kind: 'success' | 'error';
  text: string;
}

type Busy = null | 'preview' | 'save' | 'publish' | 'correct' | 'withdraw' | 'upload';
type Loaded = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; detail: MessageDetail | null };

const errorMessage = (e: unknown) => (e instanceof Error ? e.message : 'Erreur inconnue');
const n = (value: number) => value.toLocaleString('fr-FR');
const plural = (count: number, one: string, many: string) => `${n(count)} ${count > 1 ? many : one}`;

/** "environ 12 minutes", "environ 2 h 05", "moins d'une minute". */
function formatWindow(minutes: number): string {
  if (minutes < 1) return "moins d'une minute";
  const rounded = Math.ceil(minutes);
  if (rounded < 60) return `environ ${plural(rounded, 'minute', 'minutes')}`;
  return `environ ${Math.floor(rounded / 60)} h ${String(rounded % 60).padStart(2, '0')}`;
}

/** Every attachment a message has had (any version), by id: what the form's list of ids names. */
function attachmentsOf(detail: MessageDetail | null): Map<string, Attachment> {
  const known = new Map<string, Attachment>();
  for (const version of detail?.versions ?? []) for (const attachment of version.attachments) known.set(attachment.id, attachment);
  return known;
}

/**
 * Writes a new message, edits a draft, corrects or withdraws a published one (`id`: the message
 * open, null for a new one). Previews the rendering and the reach before anything is sent.
 */
export function MessageEditor({
  context,
  id,
  notice,
  onNotice,
  onChanged,
}: {
  context: AuthoringContext;
  id: string | null;
  /** What was just done, kept by the page: saving a new draft opens it in a new editor. */
  notice: Notice | null;
  /** `forId`: the message it is about, when not the one open (a new draft, opened next). */
  onNotice: (notice: Notice | null, forId?: string) => void;
  onChanged: () => void;
}) {
  const [, navigate] = useLocation();
  const [loaded, setLoaded] = useState<Loaded>(id ? { status: 'loading' } : { status: 'ready', detail: null });
  const [values, setValues] = useState<FormValues>(() => emptyValues(context));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [focusKey, setFocusKey] = useState(0);
  const [busy, setBusy] = useState<Busy>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (notice || serverError) outcomeRef.current?.focus();
  }, [notice, serverError]);
  const [preview, setPreview] = useState<{ preview: MessagePreview; content: MessageContent } | null>(null);
  const [uploaded, setUploaded] = useState<Map<string, Attachment>>(new Map());
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const previewHeading = useRef<HTMLHeadingElement>(null);
  const detail = loaded.status === 'ready' ? loaded.detail : null;

  // Opens the message asked for (the page gives each message its own editor).
  useEffect(() => {
    if (!id) return;
    let current = true;
    loadMessage(id).then(
      (found) => {
        if (!current) return;
        setLoaded({ status: 'ready', detail: found });
        setValues(valuesOfVersion(found.versions[found.versions.length - 1]!));
      },
      (e: unknown) => current && setLoaded({ status: 'error', message: errorMessage(e) }),
    );
    return () => {
      current = false;
    };
  }, [id]);

  useEffect(() => {
    if (preview) previewHeading.current?.focus();
  }, [preview]);

  // Typed and not saved (or not published as a correction): asked before the page is left.
  const saved = detail ? valuesOfVersion(detail.versions[detail.versions.length - 1]!) : emptyValues(context);
  useLeaveGuard(loaded.status === 'ready' && (JSON.stringify(values) !== JSON.stringify(saved) || note.trim() !== '' || reason.trim() !== ''));

  if (loaded.status === 'loading') {
    return (
      <p role="status" aria-live="polite">
        Chargement du message…
      </p>
    );
  }
  if (loaded.status === 'error') return <ErrorAlert>{loaded.message}</ErrorAlert>;

  const status = detail?.status ?? null;
  const attachments = new Map([...attachmentsOf(detail), ...uploaded]);
  const check = (next: FormValues) => validate(next, context, new Date());
  const change = (patch: Partial<FormValues>) => {
    const next = { ...values, ...patch };
    setValues(next);
    setErrors((shown) => refreshShownErrors(shown, check(next).errors));
  };
  const set = (key: 'title' | 'body' | 'expiresAt') => (e: { target: { value: string } }) => change({ [key]: e.target.value });

  function refuse(found: FieldErrors) {
    setErrors(found);
    setFocusKey((k) => k + 1);
  }

  /** Validates the form; the content when all is well (errors shown otherwise). */
  function checkedContent(extra: FieldErrors = {}): MessageContent | undefined {
    setServerError(null);
    onNotice(null);
    const { errors: found, content } = check(values);
    const all = { ...found, ...extra };
    if (!content || Object.keys(all).length > 0) {
      refuse(all);
      return undefined;
    }
    setErrors({});
    return content;
  }

  /** Runs one request with its button busy; a refusal is shown next to the form. */
  async function run(kind: Exclude<Busy, null>, action: () => Promise<void>) {
    setBusy(kind);
    try {
      await action();
    } catch (e) {
      if (!isFieldRefusal(e)) setServerError(errorMessage(e));
      const fields = serverFieldErrors(e);
      if (Object.keys(fields).length > 0) refuse(fields);
    } finally {
      setBusy(null);
    }
  }

  function showDetail(saved: MessageDetail, message: string, kind: Notice['kind'] = 'success') {
    setLoaded({ status: 'ready', detail: saved });
    setValues(valuesOfVersion(saved.versions[saved.versions.length - 1]!));
    onNotice({ kind, text: message }, saved.id);
    onChanged();
    if (saved.id !== id) navigate(`/messages-urgents?message=${encodeURIComponent(saved.id)}`, { replace: true });
  }

  /** Saves the content as the draft (created the first time). */
  const saveDraft = (content: MessageContent) => (detail ? updateDraft(detail, content) : createDraft(content));

  function requestPreview() {
    const content = checkedContent();
    if (!content) return;
    void run('preview', async () => setPreview({ preview: await previewMessage(content), content }));
  }

  function save(event: FormEvent) {
    event.preventDefault();
    if (status === 'published') {
      correct();
      return;
    }
    const content = checkedContent();
    if (!content) return;
    void run('save', async () => showDetail(await saveDraft(content), 'Brouillon enregistré.'));
  }

  function publish() {
    const content = checkedContent();
    if (!content) return;
    if (
      !window.confirm(
        'Publier ce message maintenant ? Il sera affiché dans le portail des professionnels visés, envoyé par courriel et publié sur la page publique. Il ne pourra plus être modifié, seulement rectifié ou retiré.',
      )
    ) {
      return;
    }
    void run('publish', async () => {
      const draft = await saveDraft(content);
      let published: MessageDetail;
      try {
        published = await publishMessage(draft);
      } catch (e) {
        // A new message: its draft exists now, opened with the reason (publishing again does not create a second one).
        if (draft.id !== id) {
          showDetail(draft, `Brouillon enregistré, mais non publié : ${errorMessage(e)}`, 'error');
          return;
        }
        throw e;
      }
      showDetail(published, `Message publié : ${published.reference ?? ''}. Les courriels partent au rythme prévu.`);
    });
  }

  function correct() {
    const checked = validateNote('message-note', note);
    const content = checkedContent(checked.errors);
    if (!content || !checked.text || !detail) return;
    if (!window.confirm('Publier ce rectificatif ? Une nouvelle version remplace la précédente pour tous les destinataires, avec votre note.')) return;
    const text = checked.text;
    void run('correct', async () => {
      const corrected = await correctMessage(detail, { content, note: text });
      setNote('');
      showDetail(corrected, `Rectificatif publié (version ${corrected.version}).`);
    });
  }

  function withdraw() {
    setServerError(null);
    onNotice(null);
    const checked = validateNote('withdraw-reason', reason, MESSAGE_WITHDRAW_REASON_MAX_LENGTH);
    if (!checked.text || !detail) {
      refuse(checked.errors);
      return;
    }
    if (!window.confirm(`Retirer ${detail.reference ?? 'ce message'} ? Il disparaît des messageries et de la liste publique ; son adresse publique indique son retrait et votre motif.`)) return;
    const text = checked.text;
    void run('withdraw', async () => {
      const withdrawn = await withdrawMessage(detail, text);
      setReason('');
      setErrors({});
      showDetail(withdrawn, 'Message retiré.');
    });
  }

  function upload(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = '';
    if (!file || !detail) return;
    setServerError(null);
    onNotice(null);
    if (file.type !== 'application/pdf' && !/\.pdf$/i.test(file.name)) {
      setServerError('Les pièces jointes doivent être des fichiers PDF.');
      return;
    }
    if (file.size > MESSAGE_ATTACHMENT_MAX_BYTES) {
      setServerError(`Une pièce jointe ne peut pas dépasser ${MESSAGE_ATTACHMENT_MAX_BYTES / (1024 * 1024)} Mo.`);
      return;
    }
    const filename = /\.pdf$/i.test(file.name) ? file.name : `${file.name}.pdf`;
    void run('upload', async () => {
      const attachment = await uploadAttachment(detail.id, file, filename);
      setUploaded((known) => new Map(known).set(attachment.id, attachment));
      const next = { ...values, attachmentIds: [...values.attachmentIds, attachment.id] };
      setValues(next);
      // A draft keeps it at once (with what is typed, when complete): leaving the page does not lose it.
      const checked = status === 'draft' ? check(next) : undefined;
      if (checked?.content && Object.keys(checked.errors).length === 0) {
        showDetail(await updateDraft(detail, checked.content), `Pièce jointe ajoutée au brouillon : ${attachment.filename}.`);
        return;
      }
      onNotice({
        kind: 'success',
        text: `Pièce jointe ajoutée : ${attachment.filename}. ${status === 'published' ? 'Publiez le rectificatif pour la joindre au message.' : 'Enregistrez le brouillon pour la conserver.'}`,
      });
    });
  }

  const current = detail?.versions[detail.versions.length - 1];
  const heading = !detail ? 'Nouveau message' : status === 'draft' ? 'Brouillon' : status === 'published' ? `Rectifier ${detail.reference ?? ''}` : detail.reference ?? 'Message retiré';
  const busyLabel = (kind: Exclude<Busy, null>, idle: string, running: string) => (busy === kind ? running : idle);

  return (
    <>
      {/* Focus comes here after an action (publish, correct, withdraw, a refusal): a keyboard user keeps their place. */}
      <div ref={outcomeRef} tabIndex={-1} className="action-outcome" data-testid="authoring-outcome">
        {notice?.kind === 'success' && (
          <p className="alert alert-success" role="status" data-testid="authoring-notice">
            {notice.text}
          </p>
        )}
        {notice?.kind === 'error' && <ErrorAlert>{notice.text}</ErrorAlert>}
        <ErrorAlert>{serverError}</ErrorAlert>
      </div>
      {detail && (
        <section className="card" aria-labelledby="titre-etat-message" data-testid="message-state">
          <h2 id="titre-etat-message">
            {detail.reference ?? 'Brouillon sans numéro'} — {statusLabels[detail.status]}
          </h2>
          <dl className="identity">
            <dt>Émetteur</dt>
            <dd>{detail.series}</dd>
            <dt>Créé</dt>
            <dd>{formatCell(detail.createdAt)}</dd>
            {detail.publishedAt && (
              <>
                <dt>Publié</dt>
                <dd>{formatCell(detail.publishedAt)}</dd>
              </>
            )}
            {detail.withdrawnAt && (
              <>
                <dt>Retiré</dt>
                <dd>
                  {formatCell(detail.withdrawnAt)}
                  {detail.withdrawReason && <> — {detail.withdrawReason}</>}
                </dd>
              </>
            )}
            <dt>Destinataires</dt>
            <dd>{targetsText(detail.targets)}</dd>
          </dl>
          {detail.versions.some((v) => v.publishedAt) && (
            <>
              <h3>Versions publiées</h3>
              <ol>
                {detail.versions
                  .filter((v) => v.publishedAt)
                  .map((v) => (
                    <li key={v.version}>
                      Version {v.version}, publiée {formatDateTime(v.publishedAt!)}
                      {v.correctionNote && <> — rectificatif : {v.correctionNote}</>}{' '}
                      <Link href={`/messages-urgents/suivi?message=${encodeURIComponent(detail.id)}${v.version === detail.version ? '' : `&version=${v.version}`}`}>
                        Suivi<span className="visually-hidden"> de la version {v.version}</span>
                      </Link>
                    </li>
                  ))}
              </ol>
            </>
          )}
          {status === 'withdrawn' && current && (
            <>
              <h3>Dernière version</h3>
              <p>
                <strong>{current.title}</strong>
              </p>
              <MessageBody html={current.bodyHtml} />
            </>
          )}
        </section>
      )}

      {status !== 'withdrawn' && (
        <form className="card" onSubmit={save} aria-labelledby="titre-formulaire-message" noValidate data-testid="message-form">
          <h2 id="titre-formulaire-message">{heading}</h2>
          {status === 'published' && (
            <p className="hint">Un message publié ne se modifie pas : corrigez-le ci-dessous et publiez un rectificatif (nouvelle version, avec une note pour les lecteurs).</p>
          )}
          <ErrorSummary errors={errors} labels={fieldLabels} focusKey={focusKey} />
          <div className="field">
            <label htmlFor="message-title">Titre</label>
            <input type="text" value={values.title} onChange={set('title')} {...fieldProps('message-title', errors)} />
            <FieldError id="message-title" errors={errors} />
          </div>
          <div className="form-grid">
            <fieldset className="field" id="message-priority">
              <legend>Priorité</legend>
              <div className="inline-choices">
                <label className="choice">
                  <input type="radio" name="priority" checked={values.priority === 'normal'} onChange={() => change({ priority: 'normal' })} />
                  Normale
                </label>
                <label className="choice">
                  <input type="radio" name="priority" checked={values.priority === 'high'} onChange={() => change({ priority: 'high' })} />
                  Prioritaire
                </label>
              </div>
            </fieldset>
            <fieldset className="field" id="message-kind" aria-describedby={values.kind === 'action' && context.reminderHours > 0 ? 'message-kind-hint' : undefined}>
              <legend>Type</legend>
              <div className="inline-choices">
                <label className="choice">
                  <input type="radio" name="kind" checked={values.kind === 'information'} onChange={() => change({ kind: 'information' })} />
                  Pour information
                </label>
                <label className="choice">
                  <input type="radio" name="kind" checked={values.kind === 'action'} onChange={() => change({ kind: 'action' })} />
                  Pour action
                </label>
              </div>
              {values.kind === 'action' && (
                <p className="hint" id="message-kind-hint">
                  Un bandeau reste affiché jusqu'à ce que le professionnel confirme en avoir pris connaissance
                  {context.reminderHours > 0 && <> ; sans confirmation, un rappel part par courriel après {plural(context.reminderHours, 'heure', 'heures')}</>}.
                </p>
              )}
            </fieldset>
          </div>
          <ProfessionsField context={context} values={values} errors={errors} onChange={change} />
          <ZoneField context={context} values={values} errors={errors} onChange={change} />
          <div className="field">
            <label htmlFor="message-body">Texte</label>
            <textarea value={values.body} onChange={set('body')} rows={14} className="message-textarea" {...fieldProps('message-body', errors, 'message-body-hint')} />
            <p className="hint" id="message-body-hint">
              Mise en forme Markdown : **gras**, *italique*, listes (« - » en début de ligne), titres (« ## »), liens https://…, tableaux. Pas de HTML
              ni d'image (joignez un PDF). Restez bref : {n(values.body.length)} / {n(MESSAGE_BODY_MAX_LENGTH)} caractères.
            </p>
            <FieldError id="message-body" errors={errors} />
          </div>
          <div className="field">
            <label htmlFor="message-expiresAt">
              Expiration <span className="hint">(facultatif : le message quitte alors les messageries, il reste sur la page publique)</span>
            </label>
            <input type="datetime-local" value={values.expiresAt} onChange={set('expiresAt')} {...fieldProps('message-expiresAt', errors)} />
            <FieldError id="message-expiresAt" errors={errors} />
          </div>
          <fieldset className="field" id="message-attachments">
            <legend>Pièces jointes (PDF)</legend>
            {values.attachmentIds.length === 0 ? (
              <p className="hint">Aucune pièce jointe.</p>
            ) : (
              <ul className="attachment-list">
                {values.attachmentIds.map((attachmentId) => {
                  const attachment = attachments.get(attachmentId);
                  const name = attachment?.filename ?? 'Pièce jointe';
                  return (
                    <li key={attachmentId}>
                      {attachment ? <a href={attachment.url}>{name}</a> : name}{' '}
                      <button type="button" className="button secondary small" onClick={() => change({ attachmentIds: values.attachmentIds.filter((other) => other !== attachmentId) })}>
                        Enlever<span className="visually-hidden"> {name}</span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
            {detail ? (
              values.attachmentIds.length < MESSAGE_MAX_ATTACHMENTS && (
                <>
                  <label htmlFor="message-attachment-file">Ajouter un PDF (5 Mo au plus)</label>
                  <input id="message-attachment-file" type="file" accept="application/pdf,.pdf" disabled={busy !== null} onChange={(e) => upload(e.target)} />
                  {busy === 'upload' && (
                    <p role="status" aria-live="polite">
                      Envoi de la pièce jointe…
                    </p>
                  )}
                </>
              )
            ) : (
              <p className="hint">Enregistrez d'abord le brouillon pour joindre des PDF.</p>
            )}
            <FieldError id="message-attachments" errors={errors} />
          </fieldset>
          {status === 'published' && (
            <div className="field">
              <label htmlFor="message-note">Note de rectificatif (montrée aux lecteurs : ce qui a changé)</label>
              <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={2} maxLength={MESSAGE_CORRECTION_NOTE_MAX_LENGTH} {...fieldProps('message-note', errors)} />
              <FieldError id="message-note" errors={errors} />
            </div>
          )}
          <div className="button-row">
            <button type="button" className="button secondary" disabled={busy !== null} onClick={requestPreview}>
              {busyLabel('preview', 'Aperçu', 'Aperçu en cours…')}
            </button>
            {status === 'published' ? (
              <button type="submit" disabled={busy !== null}>
                {busyLabel('correct', 'Rectifier', 'Publication du rectificatif…')}
              </button>
            ) : (
              <>
                <button type="submit" className="button secondary" disabled={busy !== null}>
                  {busyLabel('save', 'Enregistrer le brouillon', 'Enregistrement…')}
                </button>
                <button type="button" disabled={busy !== null} onClick={publish}>
                  {busyLabel('publish', 'Publier', 'Publication…')}
                </button>
              </>
            )}
          </div>
        </form>
      )}

      {preview && <PreviewCard preview={preview.preview} outdated={JSON.stringify(preview.content) !== JSON.stringify(check(values).content)} headingRef={previewHeading} />}

      {status === 'published' && detail && (
        <section className="card" aria-labelledby="titre-retirer">
          <h2 id="titre-retirer">Retirer ce message</h2>
          <p className="hint">Le message disparaît des messageries des professionnels et de la liste publique ; son adresse publique (le lien du courriel, du flux Atom) indique son retrait et ce motif.</p>
          <div className="field">
            <label htmlFor="withdraw-reason">Motif du retrait</label>
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} maxLength={MESSAGE_WITHDRAW_REASON_MAX_LENGTH} {...fieldProps('withdraw-reason', errors)} />
            <FieldError id="withdraw-reason" errors={errors} />
          </div>
          <button type="button" className="button danger" disabled={busy !== null} onClick={withdraw}>
            {busyLabel('withdraw', 'Retirer', 'Retrait…')}
          </button>
        </section>
      )}
    </>
  );
}

/** What a content would look like and whom it would reach, before it is saved or published. */
function PreviewCard({ preview, outdated, headingRef }: { preview: MessagePreview; outdated: boolean; headingRef: RefObject<HTMLHeadingElement | null> }) {
  const { reach } = preview;
  return (
    <section className="card" aria-labelledby="titre-apercu" data-testid="message-preview">
      <h2 id="titre-apercu" tabIndex={-1} ref={headingRef}>
        Aperçu
      </h2>
      {outdated && <p className="alert alert-warning">Le formulaire a changé depuis cet aperçu : demandez-en un nouveau.</p>}
      <p data-testid="preview-reach">
        <strong>
          {plural(reach.total, 'professionnel atteint', 'professionnels atteints')}, dont {n(reach.withEmail)} avec une adresse électronique.
        </strong>
      </p>
      <p>Destinataires : {targetsText(preview.targets)}</p>
      <p>Envoi des courriels étalé sur {formatWindow(preview.emailWindowMinutes)}.</p>
      <div className="message-preview-body">
        <MessageBody html={preview.bodyHtml} testId="preview-body" />
      </div>
      <div className="form-grid">
        <CountTable caption="Par profession" head="Profession" rows={reach.byProfession} />
        <CountTable caption="Par département" head="Département" rows={reach.byZone} />
      </div>
    </section>
  );
}

function CountTable({ caption, head, rows }: { caption: string; head: string; rows: Array<{ key: string; label: string; count: number }> }) {
  return (
    <div className="table-scroll">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            <th scope="col">Professionnels</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={2}>Aucun professionnel.</td>
            </tr>
          )}
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.label}</th>
              <td>{n(row.count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
