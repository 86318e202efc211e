import { Declared, type Onset } from '@prostopcovid/contracts/declarations';
import { apiRequest } from './api';

export type { Declared, Onset };

const DEVICE_KEY = 'stopcovid-device-id';

/** A random id per browser, as each app install has; the server limits attempts per device. */
export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID().replaceAll('-', '');
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

export function declare(code: string, onset: Onset): Promise<Declared> {
  return apiRequest(Declared, 'POST', '/api/app/v1/declarations', { code, onset }, { 'x-device-id': deviceId() });
}

/** Today and n days before, as YYYY-MM-DD in the patient's local calendar. */
export function localDate(daysAgo = 0): string {
  const d = new Date();
  d.setDate(d.getDate() - daysAgo);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function formatDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}
