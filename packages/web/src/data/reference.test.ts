// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, reloadPage, stubNetwork, stubOffline } from '../testing/browser';
import type { TestDevice } from './reference';

const devices: TestDevice[] = [
  { id: '1232', name: 'Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test', active: true },
  { id: '1304', name: 'AMEDA Labordiagnostik GmbH, AMP Rapid Test SARS-CoV-2 Ag', active: false },
  { id: '345', name: 'VivaChek Biotech (Hangzhou) Co., Ltd, VivaDiag SARS-CoV-2 Ag Rapid Test', active: true },
];
const products = [{ id: 'EU/1/20/1528', name: 'Comirnaty', manufacturerId: 'ORG-100030215', manufacturerName: 'Biontech Manufacturing GmbH', prophylaxis: '1119349007' }];

function referenceServer() {
  return stubNetwork((r) => {
    if (r.path === '/api/reference/test-devices') return json(200, { devices });
    if (r.path === '/api/reference/vaccines') return json(200, { products });
    return errorAnswer(404, 'NOT_FOUND', "Cette ressource n'existe pas.");
  });
}

async function openReference() {
  const reference = await import('./reference');
  const lists = renderHook(() => reference.useReference((s) => s));
  return { ...reference, lists };
}

beforeEach(async () => {
  await freshProfile();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the reference lists of the act forms', () => {
  it('loads each list once per page, shared by every caller', async () => {
    const requests = referenceServer();
    const { loadTestDevices, loadVaccineProducts, lists } = await openReference();
    expect(lists.result.current.devices).toEqual({ status: 'idle' });

    await act(() => Promise.all([loadTestDevices(), loadTestDevices(), loadVaccineProducts()]));
    expect(lists.result.current.devices).toEqual({ status: 'loaded', items: devices, stale: false });
    expect(lists.result.current.vaccines).toEqual({ status: 'loaded', items: products, stale: false });
    await act(() => loadTestDevices());
    expect(requests.map((r) => r.path)).toEqual(['/api/reference/test-devices', '/api/reference/vaccines']);

    // "Réessayer" asks again.
    await act(() => loadTestDevices(true));
    expect(requests.filter((r) => r.path === '/api/reference/test-devices')).toHaveLength(2);
  });

  it('shows the copy kept on the device after a reload while the server is unreachable, flagged stale', async () => {
    referenceServer();
    let reference = await openReference();
    await act(() => reference.loadTestDevices());

    reloadPage();
    stubOffline();
    reference = await openReference();
    await act(() => reference.loadTestDevices());
    expect(reference.lists.result.current.devices).toEqual({ status: 'loaded', items: devices, stale: true });

    // The server answers again: the fresh list replaces the copy.
    referenceServer();
    await act(() => reference.loadTestDevices());
    expect(reference.lists.result.current.devices).toEqual({ status: 'loaded', items: devices, stale: false });
  });

  it('says why a list is missing when there is no copy and the server cannot give one', async () => {
    stubOffline();
    const { loadVaccineProducts, lists } = await openReference();
    await act(() => loadVaccineProducts());
    expect(lists.result.current.vaccines).toEqual({ status: 'error', message: 'Le serveur est injoignable. Vérifiez votre connexion.' });

    stubNetwork(() => errorAnswer(503, 'SERVICE_UNAVAILABLE', 'Le service est momentanément indisponible. Réessayez dans quelques instants.'));
    await act(() => loadVaccineProducts(true));
    expect(lists.result.current.vaccines).toEqual({ status: 'error', message: 'Le service est momentanément indisponible. Réessayez dans quelques instants.' });
  });

  it('finds devices by every word typed, in any order, without accents or case', async () => {
    const { searchDevices, normalizeForSearch } = await import('./reference');
    expect(normalizeForSearch('Réf. ÉLÉMENT')).toBe('ref. element');
    expect(searchDevices(devices, 'panbio').map((d) => d.id)).toEqual(['1232']);
    expect(searchDevices(devices, 'rapid ABBOTT').map((d) => d.id)).toEqual(['1232']);
    expect(searchDevices(devices, 'sars-cov-2, ag').map((d) => d.id)).toEqual(['1304', '345']);
    expect(searchDevices(devices, '  ').map((d) => d.id)).toEqual(['1232', '1304', '345']);
    expect(searchDevices(devices, 'inconnu')).toEqual([]);
  });
});
