import { professionals } from '@prostopcovid/psc-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';
import { orderForFrance, VACCINES_USED_IN_FRANCE } from './france-vaccines.js';

let t: TestApp;
let nurse: SignedIn;

beforeAll(async () => {
  t = await createTestApp();
  nurse = await signIn(t, professionals.find((p) => p.exercices.length === 1 && p.exercices[0]!.codeProfession === '60')!);
});
afterAll(() => t?.close());

describe('vaccine list of the vaccination form', () => {
  it('lists the vaccines used in France first, in the campaign order, then the others by name', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/reference/vaccines', headers: { cookie: nurse.cookie } });
    expect(response.statusCode).toBe(200);
    const products: Array<{ id: string; name: string }> = response.json().products;
    expect(products.slice(0, 6).map((p) => p.name)).toEqual(['Comirnaty', 'Spikevax', 'Vaxzevria', 'Jcovden', 'Nuvaxovid', 'VidPrevtyn Beta']);
    expect(products.slice(0, 6).map((p) => p.id)).toEqual(VACCINES_USED_IN_FRANCE);
    const others = products.slice(6).map((p) => p.name);
    expect(others.length).toBeGreaterThan(10);
    expect(others).toEqual([...others].sort((a, b) => a.localeCompare(b, 'fr')));
    // Nothing lost or duplicated by the ordering.
    expect(new Set(products.map((p) => p.id)).size).toBe(products.length);
  });

  it('puts the French campaign’s products first whatever the input order, the others by name', () => {
    const ordered = orderForFrance([
      { id: 'Zeta', name: 'Zeta' },
      { id: 'EU/1/20/1507', name: 'Spikevax' },
      { id: 'Alpha', name: 'Alpha' },
      { id: 'EU/1/20/1528', name: 'Comirnaty' },
    ]);
    expect(ordered.map((p) => p.name)).toEqual(['Comirnaty', 'Spikevax', 'Alpha', 'Zeta']);
  });
});
