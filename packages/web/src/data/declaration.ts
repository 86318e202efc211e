import { Declared, Uploaded, type Contact, type Onset } from '@prostopcovid/contracts/declarations';
import { apiRequest } from './api';

export type { Contact, Declared, Onset };

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

export function uploadContacts(token: string, contacts: Contact[]): Promise<Uploaded> {
  return apiRequest(Uploaded, 'POST', '/api/app/v1/declarations/contacts', { contacts }, { authorization: `Bearer ${token}` });
}

/** What a phone would have heard over the 14-day retention: a few encounters a day. */
export function simulateContactHistory(now = Date.now(), days = 14, perDay = 12): Contact[] {
  const contacts: Contact[] = [];
  for (let i = 0; i < days * perDay; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    contacts.push({
      ephemeralId: btoa(String.fromCharCode(...bytes)),
      seenAt: new Date(now - 60_000 - Math.floor(Math.random() * days * 86_400_000)).toISOString(),
      durationSeconds: 60 + Math.floor(Math.random() * 1740),
      rssi: -90 + Math.floor(Math.random() * 50),
    });
  }
  return contacts;
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
