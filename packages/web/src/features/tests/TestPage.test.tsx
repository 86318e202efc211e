// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, pharmacist, stubNetwork, storedActs, type SentRequest } from '../../testing/browser';
import { localDate, localDateTime } from '../acts/dates';

const devices = [
  { id: '1232', name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test', active: true },
  { id: '1304', name: 'AMEDA Labordiagnostik GmbH, AMP Rapid Test SARS-CoV-2 Ag', active: false },
];
const stored = { id: 'test-1', recordedAt: new Date().toISOString(), capturedAt: null, replayed: false, retrievalCode: 'X', device: { id: '1232', name: 'Panbio', active: true }, warnings: [] };

type Answer = (request: SentRequest) => Response;
let answerTest: Answer;
let requests: SentRequest[];

/** The page as a pharmacist opens it, the device list loaded. */
async function openTestPage() {
  const { TestPage } = await import('./TestPage');
  (await import('../../data/api')).setCsrfToken('csrf-token-1');
  const outbox = await import('../../data/outbox');
  render(<TestPage me={pharmacist} />);
  await screen.findByRole('combobox');
  return outbox;
}

const input = (label: string) => screen.getByLabelText<HTMLInputElement>(label, { exact: true });
const type = (label: string, value: string) => fireEvent.change(input(label), { target: { value } });
const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Enregistrer le test' }));
const summary = () => screen.getByTestId('form-errors');
const posts = () => requests.filter((r) => r.method === 'POST' && r.path === '/api/tests');

function fillValidTest() {
  type('Nom', ' Dupont ');
  type('Prénom', 'Marie-Hélène');
  type('Date de naissance', '1985-04-12');
  fireEvent.click(input('Femme'));
  fireEvent.click(input('Négatif (non détecté)'));
  type('Lieu', 'Pharmacie de la Gare, Nantes');
  fireEvent.change(screen.getByRole('combobox'), { target: { value: 'panbio' } });
  fireEvent.click(screen.getByRole('option', { name: /Panbio/ }));
}

beforeEach(async () => {
  await freshProfile();
  answerTest = () => json(201, stored);
  requests = stubNetwork((r) => {
    if (r.path === '/api/reference/test-devices') return json(200, { devices });
    if (r.path === '/api/tests') return answerTest(r);
    return errorAnswer(404, 'NOT_FOUND', "Cette ressource n'existe pas.");
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the test form', () => {
  it('refuses an empty form with one French message per missing field, and sends nothing', async () => {
    await openTestPage();
    submit();

    const errors = summary();
    expect(within(errors).getByText('Le formulaire contient 7 erreurs :')).toBeTruthy();
    const items = within(errors).getAllByRole('listitem').map((li) => li.textContent);
    expect(items).toEqual([
      'Nom : Indiquez le nom du patient.',
      'Prénom : Indiquez le prénom du patient.',
      'Date de naissance : Indiquez la date de naissance.',
      'Sexe : Choisissez le sexe (ou « Non précisé »).',
      'Résultat : Choisissez le résultat du test.',
      'Test utilisé : Choisissez le test utilisé dans la liste (tapez sa marque ou sa référence).',
      "Lieu : Indiquez le lieu de l'acte.",
    ]);
    // Each field carries its own message, tied to it for screen readers.
    expect(input('Nom').getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(input('Nom').getAttribute('aria-describedby')!)?.textContent).toBe('Indiquez le nom du patient.');
    expect(posts()).toEqual([]);
    expect(await storedActs()).toEqual([]);
  });

  it('refuses names outside the name policy, impossible dates and malformed contacts', async () => {
    await openTestPage();
    fillValidTest();
    type('Nom', 'Dupont3');
    type('Prénom', 'مريم');
    type('Date de naissance', localDate(new Date(Date.now() + 2 * 86_400_000)));
    type('E-mail (facultatif)', 'marie@');
    type('Téléphone (facultatif)', 'douze');
    type('Date et heure du prélèvement', localDateTime(new Date(Date.now() + 3_600_000)));
    type('Lieu', 'x'.repeat(81));
    submit();

    const items = within(summary()).getAllByRole('listitem').map((li) => li.textContent);
    expect(items).toEqual([
      'Nom : Nom : Lettres seulement, séparées par des espaces, des traits d’union ou des apostrophes (pas de chiffres, de symboles ni d’émoticônes).',
      "Prénom : Prénom : Écrivez le nom en lettres latines, tel qu'il figure sur la pièce d'identité (alphabets latin, grec et cyrillique acceptés).",
      'Date de naissance : La date de naissance est invalide (ni future, ni antérieure à 1900).',
      "E-mail : L'adresse e-mail est invalide (exemple : nom@exemple.fr).",
      'Téléphone : Le numéro de téléphone est invalide (6 à 20 chiffres, espaces, points ou tirets, + en tête possible).',
      'Date et heure du prélèvement : Le prélèvement ne peut pas être dans le futur.',
      'Lieu : Le lieu ne doit pas dépasser 80 caractères.',
    ]);
    expect(posts()).toEqual([]);
  });

  it('refuses a birth date before 1900 and a sample older than 30 days; a corrected field loses its message at once', async () => {
    await openTestPage();
    fillValidTest();
    type('Date de naissance', '1899-12-31');
    type('Date et heure du prélèvement', localDateTime(new Date(Date.now() - 31 * 86_400_000)));
    submit();
    expect(screen.getByText('La date de naissance est invalide (ni future, ni antérieure à 1900).', { selector: '.field-error' })).toBeTruthy();
    expect(screen.getByText('Le prélèvement date de plus de 30 jours : il ne peut plus être saisi.', { selector: '.field-error' })).toBeTruthy();

    type('Date de naissance', '1950-01-01');
    expect(within(summary()).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Date et heure du prélèvement : Le prélèvement date de plus de 30 jours : il ne peut plus être saisi.',
    ]);
    expect(posts()).toEqual([]);
  });

  it('saves a valid test to the outbox, sends it and shows it recorded', async () => {
    const outbox = await openTestPage();
    fillValidTest();
    submit();

    const recorded = await screen.findByTestId('act-recorded');
    expect(within(recorded).getByRole('heading', { level: 2 }).textContent).toContain('Test enregistré');
    expect(screen.getByTestId('send-status').getAttribute('data-status')).toBe('sent');
    const details = screen.getByTestId('recorded-details').textContent;
    expect(details).toContain('DUPONT Marie-Hélène, née le 12/04/1985 (Femme)');
    expect(details).toContain('Négatif (non détecté)');
    expect(screen.getByTestId('recorded-device-brand').textContent).toBe('Abbott Rapid Diagnostics');
    expect(screen.getByTestId('record-number').textContent).toBe('test-1');

    const post = posts()[0]!;
    expect(posts()).toHaveLength(1);
    expect(post.body).toMatchObject({
      patient: { familyName: 'Dupont', givenName: 'Marie-Hélène', birthDate: '1985-04-12', sex: 'F' },
      testType: 'antigen',
      result: 'not-detected',
      deviceId: '1232',
      place: 'Pharmacie de la Gare, Nantes',
    });
    const entry = await outbox.findAct(post.headers['idempotency-key']!);
    expect(entry).toMatchObject({ kind: 'test', status: 'sent', result: { id: 'test-1' }, display: { deviceName: devices[0]!.name, deviceActive: true } });
    expect(screen.getByTestId('retrieval-code').textContent).toContain(entry!.body.retrievalCode);
  });

  it('keeps the test on the device when the server is unreachable', async () => {
    answerTest = () => {
      throw new TypeError('Failed to fetch');
    };
    const outbox = await openTestPage();
    fillValidTest();
    submit();

    const recorded = await screen.findByTestId('act-recorded');
    expect(within(recorded).getByRole('heading', { level: 2 }).textContent).toContain('Test enregistré sur cet appareil');
    expect(screen.getByTestId('send-status').getAttribute('data-status')).toBe('pending');
    const entry = await outbox.findAct(posts()[0]!.headers['idempotency-key']!);
    expect(entry?.status).toBe('pending');
  });

  it('shows what only the server refuses in French, field by field, whatever the validator’s English', async () => {
    answerTest = () =>
      errorAnswer(400, 'REQUEST_INVALID', 'La requête est invalide.', [
        { path: '/patient/email', message: 'must match format "email"' },
        { path: 'deviceId', message: "must have required property 'deviceId'" },
        { path: '/unknown', message: 'must be string' },
      ]);
    const outbox = await openTestPage();
    fillValidTest();
    type('E-mail (facultatif)', 'marie..dupont@example.org');
    submit();

    const alert = await screen.findByTestId('server-error');
    expect(alert.textContent).toContain("L'enregistrement a échoué. La requête est invalide.");
    expect(within(alert).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      "E-mail : format d'adresse e-mail invalide",
      'Test utilisé : champ obligatoire',
      '/unknown : valeur refusée',
    ]);
    expect(alert.textContent).not.toMatch(/must/);
    // The act stays in the outbox, set aside for correction.
    expect((await outbox.findAct(posts()[0]!.headers['idempotency-key']!))?.status).toBe('rejected');
    expect(screen.getByTestId('correcting')).toBeTruthy();
  });
});
