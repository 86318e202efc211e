// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, pharmacist, stubNetwork, storedActs, type SentRequest } from '../../testing/browser';
import { localDate } from '../acts/dates';

const products = [
  { id: 'EU/1/20/1528', name: 'Comirnaty', manufacturerId: 'ORG-100030215', manufacturerName: 'Biontech Manufacturing GmbH', prophylaxis: '1119349007' },
  { id: 'EU/1/20/1507', name: 'Spikevax', manufacturerId: 'ORG-100031184', manufacturerName: 'Moderna Biotech Spain S.L.', prophylaxis: '1119349007' },
];
const comirnaty = products[0]!;
const stored = { id: 'vaccination-1', recordedAt: new Date().toISOString(), capturedAt: null, replayed: false, retrievalCode: 'X', product: { id: comirnaty.id, name: 'Comirnaty', manufacturerName: comirnaty.manufacturerName } };

let requests: SentRequest[];

async function openVaccinationPage() {
  const { VaccinationPage } = await import('./VaccinationPage');
  (await import('../../data/api')).setCsrfToken('csrf-token-1');
  const outbox = await import('../../data/outbox');
  render(<VaccinationPage me={pharmacist} />);
  await screen.findByRole('option', { name: /Comirnaty/ });
  return outbox;
}

const field = (label: string) => screen.getByLabelText<HTMLInputElement | HTMLSelectElement>(label, { exact: true });
const type = (label: string, value: string) => fireEvent.change(field(label), { target: { value } });
const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Enregistrer la vaccination' }));
const summaryItems = () => within(screen.getByTestId('form-errors')).getAllByRole('listitem').map((li) => li.textContent);
const posts = () => requests.filter((r) => r.method === 'POST' && r.path === '/api/vaccinations');

function fillValidVaccination() {
  type('Nom', 'Martin');
  type('Prénom', 'Louis');
  type('Date de naissance', '1950-11-03');
  fireEvent.click(field('Homme'));
  type('Vaccin', comirnaty.id);
  type('Numéro de dose', '1');
  type('Nombre total de doses du schéma', '2');
  type('Numéro de lot', ' fk5127 ');
  type('Lieu', 'Centre hospitalier de Démoville');
}

beforeEach(async () => {
  await freshProfile();
  requests = stubNetwork((r) => {
    if (r.path === '/api/reference/vaccines') return json(200, { products });
    if (r.path === '/api/vaccinations') return json(201, stored);
    return errorAnswer(404, 'NOT_FOUND', "Cette ressource n'existe pas.");
  });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the vaccination form', () => {
  it('refuses a form without patient, vaccine, lot or place, in French, and sends nothing', async () => {
    await openVaccinationPage();
    submit();

    expect(within(screen.getByTestId('form-errors')).getByText('Le formulaire contient 7 erreurs :')).toBeTruthy();
    expect(summaryItems()).toEqual([
      'Nom : Indiquez le nom du patient.',
      'Prénom : Indiquez le prénom du patient.',
      'Date de naissance : Indiquez la date de naissance.',
      'Sexe : Choisissez le sexe (ou « Non précisé »).',
      'Vaccin : Choisissez le vaccin administré.',
      'Numéro de lot : Indiquez le numéro de lot inscrit sur le flacon.',
      "Lieu : Indiquez le lieu de l'acte.",
    ]);
    expect(field('Vaccin').getAttribute('aria-invalid')).toBe('true');
    expect(posts()).toEqual([]);
    expect(await storedActs()).toEqual([]);
  });

  it('refuses a dose beyond the series, a malformed lot, a future date and names outside the policy', async () => {
    await openVaccinationPage();
    fillValidVaccination();
    type('Nom', '<b>Martin</b>');
    type('Prénom', 'Louis 😀');
    type('Numéro de dose', '3');
    type('Date de vaccination', localDate(new Date(Date.now() + 2 * 86_400_000)));
    type('Numéro de lot', 'F');
    submit();

    expect(summaryItems()).toEqual([
      'Nom : Nom : Lettres seulement, séparées par des espaces, des traits d’union ou des apostrophes (pas de chiffres, de symboles ni d’émoticônes).',
      'Prénom : Prénom : Lettres seulement, séparées par des espaces, des traits d’union ou des apostrophes (pas de chiffres, de symboles ni d’émoticônes).',
      'Numéro de dose : Le numéro de dose (3) ne peut pas dépasser le nombre total de doses du schéma (2).',
      'Date de vaccination : La date de vaccination ne peut pas être dans le futur.',
      'Numéro de lot : Le numéro de lot comporte de 2 à 30 caractères : lettres, chiffres, points, barres obliques ou tirets.',
    ]);
    expect(posts()).toEqual([]);
  });

  it('refuses a vaccination older than 30 days, and a date that is no real day', async () => {
    await openVaccinationPage();
    fillValidVaccination();
    type('Date de vaccination', localDate(new Date(Date.now() - 31 * 86_400_000)));
    submit();
    expect(summaryItems()).toEqual(['Date de vaccination : La vaccination date de plus de 30 jours : elle ne peut plus être saisie.']);

    // Not a day of the calendar (what a browser without a date picker lets through), then nothing.
    for (const value of [`${new Date().getFullYear()}-02-30`, '']) {
      type('Date de vaccination', value);
      submit();
      expect(summaryItems()).toEqual(['Date de vaccination : Indiquez une date de vaccination valide.']);
    }
    expect(posts()).toEqual([]);
  });

  it('saves a valid vaccination to the outbox, sends it and shows it; the next one keeps the vaccine and series', async () => {
    const outbox = await openVaccinationPage();
    fillValidVaccination();
    submit();

    const recorded = await screen.findByTestId('act-recorded');
    expect(within(recorded).getByRole('heading', { level: 2 }).textContent).toContain('Vaccination enregistrée');
    expect(screen.getByTestId('recorded-product').textContent).toBe('Comirnaty — Biontech Manufacturing GmbH');
    expect(screen.getByTestId('recorded-dose').textContent).toBe('1/2');
    const details = screen.getByTestId('recorded-details').textContent;
    expect(details).toContain('MARTIN Louis, né le 03/11/1950 (Homme)');
    expect(details).toContain('FK5127');
    expect(details).toContain(`Date de vaccination${localDate(new Date()).split('-').reverse().join('/')}`);

    const post = posts()[0]!;
    expect(posts()).toHaveLength(1);
    expect(post.body).toMatchObject({
      patient: { familyName: 'Martin', givenName: 'Louis', birthDate: '1950-11-03', sex: 'M' },
      product: comirnaty.id,
      doseNumber: 1,
      seriesTotal: 2,
      vaccinatedOn: localDate(new Date()),
      lotNumber: 'fk5127',
      place: 'Centre hospitalier de Démoville',
    });
    expect(await outbox.findAct(post.headers['idempotency-key']!)).toMatchObject({ kind: 'vaccination', status: 'sent', display: { productName: 'Comirnaty' } });

    fireEvent.click(screen.getByRole('button', { name: 'Enregistrer une autre vaccination' }));
    expect(field('Nom').value).toBe('');
    expect(field('Numéro de lot').value).toBe('');
    expect(field('Vaccin').value).toBe(comirnaty.id);
    expect(field('Nombre total de doses du schéma').value).toBe('2');
    // The place is remembered on this device.
    expect(field('Lieu').value).toBe('Centre hospitalier de Démoville');
  });
});
