// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, pharmacist, stubNetwork, type SentRequest } from '../../testing/browser';
import type { AuthoringContext, MessageContent, MessageDetail } from '../../data/messages';

const MESSAGE_ID = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const ATTACHMENT_ID = '7f3e2d1c-0b9a-4e8f-9d7c-6b5a4f3e2d1c';
const operator = { ...pharmacist, rights: [...pharmacist.rights, 'operator' as const] };
type OperatorRights = typeof operator.rights;

const nationalContext: AuthoringContext = {
  scope: { kind: 'national', series: 'DGS-URGENT' },
  professions: [
    { code: '10', label: 'Médecin' },
    { code: '21', label: 'Pharmacien' },
    { code: '60', label: 'Infirmier' },
    { code: '69', label: 'Infirmier psychiatrique' },
  ],
  professionCategories: [
    { label: 'Médecin (généraliste et autres spécialistes)', codes: ['10'] },
    { label: 'Infirmier', codes: ['60', '69'] },
    { label: 'Pharmacien', codes: ['21'] },
  ],
  regions: [
    { code: '75', name: 'Nouvelle-Aquitaine' },
    { code: '84', name: 'Auvergne-Rhône-Alpes' },
  ],
  departments: [
    { code: '24', name: 'Dordogne', region: '75' },
    { code: '33', name: 'Gironde', region: '75' },
    { code: '69', name: 'Rhône', region: '84' },
  ],
  reminderHours: 24,
};
const regionalContext: AuthoringContext = {
  ...nationalContext,
  scope: { kind: 'regional', region: '75', regionName: 'Nouvelle-Aquitaine', series: 'ARS Nouvelle-Aquitaine' },
  regions: [{ code: '75', name: 'Nouvelle-Aquitaine' }],
  departments: nationalContext.departments.filter((d) => d.region === '75'),
};

const now = new Date().toISOString();
/** The message as the server answers it, from the content it was sent. */
function detail(content: MessageContent, status: MessageDetail['status'] = 'draft', revision = (stored?.revision ?? 0) + 1): MessageDetail {
  const targets = { professions: content.professions === null ? ['Tous les professionnels'] : ['Pharmacien'], zone: content.zone.national ? ['National'] : ['Gironde (33)'] };
  return {
    id: MESSAGE_ID,
    reference: status === 'draft' ? null : 'DGS-URGENT N°2026_01',
    status,
    version: 1,
    title: content.title,
    kind: content.kind,
    priority: content.priority,
    targets,
    series: 'DGS-URGENT',
    createdAt: now,
    publishedAt: status === 'draft' ? null : now,
    updatedAt: now,
    withdrawnAt: null,
    expiresAt: content.expiresAt,
    revision,
    withdrawReason: null,
    versions: [
      {
        version: 1,
        title: content.title,
        body: content.body,
        bodyHtml: `<p>${content.body}</p>`,
        kind: content.kind,
        priority: content.priority,
        professions: content.professions,
        zone: content.zone,
        targets,
        expiresAt: content.expiresAt,
        attachments: [],
        publishedAt: status === 'draft' ? null : now,
        correctionNote: null,
      },
    ],
  };
}

let requests: SentRequest[];
let context: AuthoringContext;
let stored: MessageDetail | null;
let answerCreate: (r: SentRequest) => Response;
let answerPublish: () => Response;

beforeEach(async () => {
  await freshProfile();
  context = nationalContext;
  stored = null;
  answerCreate = (r) => {
    stored = detail(r.body as MessageContent);
    return json(201, stored);
  };
  answerPublish = () => {
    stored = detail({ ...(stored!.versions[0]! as unknown as MessageContent), attachmentIds: [] }, 'published');
    return json(200, stored);
  };
  requests = stubNetwork((r) => {
    if (r.path === '/api/messages/authoring') return json(200, context);
    if (r.method === 'GET' && r.path === '/api/messages') return json(200, { messages: stored ? [stored] : [] });
    if (r.method === 'POST' && r.path === '/api/messages') return answerCreate(r);
    if (r.method === 'POST' && r.path === '/api/messages/preview') {
      return json(200, {
        bodyHtml: '<p>Rendu <strong>gras</strong></p>',
        targets: { professions: ['Pharmacien', 'Infirmier'], zone: ['Gironde (33)'] },
        reach: {
          total: 1234,
          withEmail: 1100,
          byProfession: [
            { key: '21', label: 'Pharmacien', count: 1000 },
            { key: '60', label: 'Infirmier', count: 234 },
          ],
          byZone: [{ key: '33', label: 'Gironde (33)', count: 1234 }],
        },
        emailWindowMinutes: 12.4,
      });
    }
    if (r.method === 'GET' && r.path === `/api/messages/${MESSAGE_ID}`) return json(200, stored);
    if (r.method === 'PUT' && r.path === `/api/messages/${MESSAGE_ID}`) {
      stored = detail(r.body as MessageContent);
      return json(200, stored);
    }
    if (r.method === 'POST' && r.path === `/api/messages/${MESSAGE_ID}/publish`) return answerPublish();
    if (r.method === 'POST' && r.path.startsWith(`/api/messages/${MESSAGE_ID}/attachments?filename=`)) {
      return json(201, { id: ATTACHMENT_ID, filename: 'Fiche réflexe.pdf', bytes: 12, sha256: 'ab', url: `/api/messages/${MESSAGE_ID}/attachments/${ATTACHMENT_ID}` });
    }
    return errorAnswer(404, 'NOT_FOUND', "Cette ressource n'existe pas.");
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  window.history.replaceState(null, '', '/');
});

async function openPage(rights: OperatorRights = operator.rights) {
  window.history.replaceState(null, '', '/messages-urgents');
  const { AuthoringPage } = await import('./AuthoringPage');
  (await import('../../data/api')).setCsrfToken('csrf-token-1');
  render(<AuthoringPage me={{ ...operator, rights }} />);
  if (rights.includes('operator')) await screen.findByTestId('message-form');
}

const field = (label: string) => screen.getByLabelText<HTMLInputElement>(label, { exact: true });
const type = (label: string, value: string) => fireEvent.change(field(label), { target: { value } });
const click = (name: string) => fireEvent.click(screen.getByRole('button', { name }));
const sent = (method: string, path: string) => requests.filter((r) => r.method === method && r.path === path);

/** A message to the pharmacists and nurses of Gironde. */
function fillMessage() {
  type('Titre', 'Conservation des vaccins');
  fireEvent.click(field('Prioritaire'));
  fireEvent.click(field('Pour action'));
  fireEvent.click(field('Professions choisies'));
  fireEvent.click(field('Pharmacien'));
  fireEvent.click(field('Infirmier'));
  fireEvent.click(field('Régions et départements'));
  fireEvent.click(field('Gironde (33)'));
  type('Texte', 'Les flacons **doivent** rester au froid.');
}

describe('the urgent message authoring page', () => {
  it('is refused to professionals who are not operators, without asking the server', async () => {
    await openPage(pharmacist.rights);
    expect(screen.getByRole('alert').textContent).toContain('réservée aux opérateurs');
    expect(requests).toEqual([]);
  });

  it('groups its choices in fieldsets, and refuses an incomplete message with a French message next to each field', async () => {
    await openPage();
    expect(screen.getByRole('group', { name: 'Professions' })).toBeTruthy();
    expect(screen.getByRole('group', { name: 'Zone' })).toBeTruthy();
    fireEvent.click(field('Professions choisies'));
    expect(screen.getByRole('group', { name: 'Catégories du formulaire DGS-Urgent' })).toBeTruthy();
    fireEvent.click(field('Régions et départements'));
    click('Enregistrer le brouillon');

    const errors = within(screen.getByTestId('form-errors')).getAllByRole('listitem').map((li) => li.textContent);
    expect(errors).toEqual([
      'Titre : Indiquez le titre du message.',
      'Professions : Choisissez « Tous les professionnels » ou au moins une profession.',
      'Zone : Choisissez « National », ou au moins une région ou un département.',
      'Texte : Écrivez le texte du message.',
    ]);
    expect(field('Titre').getAttribute('aria-invalid')).toBe('true');
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('previews the rendering and the reach of what is written, by profession and department', async () => {
    await openPage();
    fillMessage();
    click('Aperçu');

    const preview = await screen.findByTestId('message-preview');
    expect(screen.getByTestId('preview-reach').textContent).toBe('1\u202f234 professionnels atteints, dont 1\u202f100 avec une adresse électronique.');
    expect(preview.textContent).toContain('Envoi des courriels étalé sur environ 13 minutes.');
    expect(within(screen.getByTestId('preview-body')).getByText('gras').tagName).toBe('STRONG');
    expect(within(preview).getByRole('table', { name: 'Par profession' }).textContent).toContain('Infirmier234');
    expect(within(preview).getByRole('table', { name: 'Par département' }).textContent).toContain('Gironde (33)1\u202f234');
    const [request] = sent('POST', '/api/messages/preview');
    expect(request!.body).toEqual({
      title: 'Conservation des vaccins',
      body: 'Les flacons **doivent** rester au froid.',
      kind: 'action',
      priority: 'high',
      // "Infirmier" stands for both its TRE_G15 codes.
      professions: ['21', '60', '69'],
      zone: { national: false, regions: [], departments: ['33'] },
      expiresAt: null,
      attachmentIds: [],
    });
    expect(request!.headers['x-csrf-token']).toBe('csrf-token-1');
  });

  it('saves a draft, opens it, then publishes it after a confirmation', async () => {
    await openPage();
    fillMessage();
    click('Enregistrer le brouillon');
    expect((await screen.findByTestId('authoring-notice')).textContent).toBe('Brouillon enregistré.');
    expect(sent('POST', '/api/messages')).toHaveLength(1);
    // The draft's own address, so that a reload opens it again; attachments are now possible.
    expect(window.location.search).toBe(`?message=${MESSAGE_ID}`);
    await screen.findByLabelText('Ajouter un PDF (5 Mo au plus)');
    expect(screen.getByTestId('message-state').textContent).toContain('Brouillon sans numéro — Brouillon');

    const confirm = vi.fn(() => true);
    vi.stubGlobal('confirm', confirm);
    click('Publier');
    expect((await screen.findByText(/^Message publié : DGS-URGENT N°2026_01\./)).getAttribute('data-testid')).toBe('authoring-notice');
    expect(confirm).toHaveBeenCalledOnce();
    // Focus on the outcome, not lost to the page's body.
    await vi.waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('authoring-outcome')));
    // Saved as written, then published, each from the revision the one before answered.
    expect(sent('PUT', `/api/messages/${MESSAGE_ID}`).map((r) => r.headers['if-match'])).toEqual(['"1"']);
    expect(sent('POST', `/api/messages/${MESSAGE_ID}/publish`).map((r) => r.headers['if-match'])).toEqual(['"2"']);
    // Published: corrected or withdrawn, never edited.
    expect(await screen.findByRole('button', { name: 'Rectifier' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Retirer' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Enregistrer le brouillon' })).toBeNull();
    expect(within(screen.getByTestId('authoring-list')).getByText('Publié')).toBeTruthy();
  });

  it('opens the draft a failed publication created, with the reason, so that publishing again does not write a second message', async () => {
    const publish = answerPublish;
    answerPublish = () => errorAnswer(503, 'SERVICE_OVERLOADED', 'Le service est très sollicité : réessayez dans un instant.');
    vi.stubGlobal('confirm', () => true);
    await openPage();
    fillMessage();
    click('Publier');
    expect((await screen.findByRole('alert')).textContent).toBe('Brouillon enregistré, mais non publié : Le service est très sollicité : réessayez dans un instant.');
    expect(window.location.search).toBe(`?message=${MESSAGE_ID}`);
    await screen.findByTestId('message-state');

    answerPublish = publish;
    click('Publier');
    await screen.findByText(/^Message publié : DGS-URGENT N°2026_01\./);
    expect(sent('POST', '/api/messages')).toHaveLength(1);
    expect(sent('PUT', `/api/messages/${MESSAGE_ID}`)).toHaveLength(1);
  });

  it('keeps a PDF added to a complete draft at once (the draft saved with it), and asks before leaving what is typed and not saved', async () => {
    const asked = () => {
      const event = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    };
    await openPage();
    expect(asked()).toBe(false);
    fillMessage();
    expect(asked()).toBe(true);
    // A link elsewhere (the menu's, which the browser does not see leave): asked too; declined, the click does nothing.
    const menuLink = document.body.appendChild(Object.assign(document.createElement('a'), { href: '/messages', textContent: 'Messages' }));
    const confirm = vi.fn(() => false);
    vi.stubGlobal('confirm', confirm);
    expect(fireEvent.click(menuLink)).toBe(false);
    expect(confirm).toHaveBeenCalledWith('Quitter cette page ? Ce que vous avez saisi et pas encore enregistré sera perdu.');
    menuLink.remove();
    click('Enregistrer le brouillon');
    await screen.findByTestId('authoring-notice');
    expect(asked()).toBe(false);

    const input = await screen.findByLabelText<HTMLInputElement>('Ajouter un PDF (5 Mo au plus)');
    fireEvent.change(input, { target: { files: [new File(['%PDF-1.4'], 'Fiche réflexe.pdf', { type: 'application/pdf' })] } });
    expect((await screen.findByText('Pièce jointe ajoutée au brouillon : Fiche réflexe.pdf.')).getAttribute('data-testid')).toBe('authoring-notice');
    const saves = sent('PUT', `/api/messages/${MESSAGE_ID}`);
    expect(saves).toHaveLength(1);
    expect((saves[0]!.body as MessageContent).attachmentIds).toEqual([ATTACHMENT_ID]);
    expect(asked()).toBe(false);
  });

  it('does not publish when the confirmation is declined', async () => {
    await openPage();
    fillMessage();
    vi.stubGlobal('confirm', () => false);
    click('Publier');
    expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('shows the server’s refusal in French next to the form, and the button busy while it works', async () => {
    let answer: (response: Response) => void = () => undefined;
    answerCreate = () => new Promise<Response>((resolve) => (answer = resolve)) as unknown as Response;
    await openPage();
    fillMessage();
    click('Enregistrer le brouillon');
    const busy = await screen.findByRole<HTMLButtonElement>('button', { name: 'Enregistrement…' });
    expect(busy.disabled).toBe(true);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Publier' }).disabled).toBe(true);
    answer(
      errorAnswer(403, 'MESSAGES_ZONE_OUT_OF_SCOPE', 'Une agence régionale de santé ne peut écrire qu’aux professionnels de sa région : retirez les régions et départements qui n’en font pas partie.'),
    );
    expect((await screen.findByRole('alert')).textContent).toContain('ne peut écrire qu’aux professionnels de sa région');
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Enregistrer le brouillon' }).disabled).toBe(false);
  });

  it('ties the fields the server refused to their inputs', async () => {
    answerCreate = () => errorAnswer(400, 'REQUEST_INVALID', 'La requête est invalide.', [{ path: '/title', message: 'must match pattern' }]);
    await openPage();
    fillMessage();
    click('Enregistrer le brouillon');
    expect((await screen.findByTestId('form-errors')).textContent).toContain('Titre : Refusé par le serveur');
    expect(field('Titre').getAttribute('aria-invalid')).toBe('true');
  });

  it('puts a refusal about the text (HTML, a link) next to the Texte field, not above the form', async () => {
    answerCreate = () => errorAnswer(400, 'MESSAGES_BODY_LINK', 'Un lien du texte n’est pas autorisé : seuls les liens https://, http:// et mailto: sont acceptés.');
    await openPage();
    fillMessage();
    click('Enregistrer le brouillon');
    expect((await screen.findByTestId('form-errors')).textContent).toContain('Un lien du texte n’est pas autorisé');
    expect(field('Texte').getAttribute('aria-invalid')).toBe('true');
    // Said once, in the summary and at the field, not again above the form.
    expect(screen.getAllByText(/Un lien du texte n’est pas autorisé/).filter((e) => e.classList.contains('alert'))).toEqual([]);
  });

  it('offers a regional operator its own region only, never the national zone', async () => {
    context = regionalContext;
    await openPage();
    expect(screen.getByText(/ARS Nouvelle-Aquitaine \(région Nouvelle-Aquitaine\)/)).toBeTruthy();
    expect(field('National').disabled).toBe(true);
    expect(field('Nouvelle-Aquitaine (toute la région)').checked).toBe(true);
    expect(screen.queryByLabelText('Auvergne-Rhône-Alpes (toute la région)')).toBeNull();
    type('Titre', 'Canicule');
    type('Texte', 'Hydratez vos patients.');
    click('Aperçu');
    await screen.findByTestId('message-preview');
    expect(sent('POST', '/api/messages/preview')[0]!.body).toMatchObject({ professions: null, zone: { national: false, regions: ['75'], departments: [] } });
  });
});
