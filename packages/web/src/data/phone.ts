import { createRobertHttpApi, fromBase64, ntpSeconds, Phone, toBase64, type PhoneState, type RobertApi } from '@prostopcovid/phone';

/*
 * The /app page is a StopCovid phone: the phone library (WebCrypto), its state kept per tab in
 * sessionStorage so that two tabs of one browser are two phones, and a simulated Bluetooth
 * through a BroadcastChannel between tabs (README, "Trying ROBERT by hand").
 */

const STATE_KEY = 'stopcovid-phone';
export const BLUETOOTH_CHANNEL = 'stopcovid-bluetooth';
/** A HELLO every 10 s, as the simulator and the CLI send them. */
export const HELLO_PERIOD_SECONDS = 10;
/** What two phones less than a metre apart read once calibrated (robert-server takes -40 dBm at one metre). */
export const NEARBY_RSSI = -45;

let api: RobertApi | undefined;
export function robertApi(): RobertApi {
  api ??= createRobertHttpApi(location.origin, (input, init) => fetch(input, init));
  return api;
}

export const nowNtp = () => ntpSeconds(Date.now());

export function loadPhone(): Phone | null {
  const raw = sessionStorage.getItem(STATE_KEY);
  if (!raw) return null;
  try {
    const state = JSON.parse(raw) as PhoneState;
    return state.version === 1 ? new Phone(state) : null;
  } catch {
    return null;
  }
}

export function savePhone(phone: Phone): void {
  sessionStorage.setItem(STATE_KEY, JSON.stringify(phone.state));
}

export function forgetPhone(): void {
  sessionStorage.removeItem(STATE_KEY);
}

/** What travels between tabs: a HELLO heard at `at` (NTP seconds), or a request to replay the last minutes. */
export type BluetoothMessage = { type: 'hello'; hello: string; at: number } | { type: 'meet'; minutes: number };

export function isBluetoothMessage(value: unknown): value is BluetoothMessage {
  if (!value || typeof value !== 'object') return false;
  const message = value as Record<string, unknown>;
  if (message.type === 'hello') return typeof message.hello === 'string' && typeof message.at === 'number';
  return message.type === 'meet' && typeof message.minutes === 'number' && message.minutes > 0 && message.minutes <= 60;
}

/** This phone's HELLOs of the last `minutes` minutes, one per period, as BroadcastChannel messages. */
export async function replayHellos(phone: Phone, minutes: number, end = nowNtp()): Promise<BluetoothMessage[]> {
  const messages: BluetoothMessage[] = [];
  for (let at = end - minutes * 60; at <= end; at += HELLO_PERIOD_SECONDS) {
    const hello = await phone.hello(at);
    if (hello) messages.push({ type: 'hello', hello: toBase64(hello), at });
  }
  return messages;
}

export function hearMessage(phone: Phone, message: Extract<BluetoothMessage, { type: 'hello' }>): boolean {
  const bytes = fromBase64(message.hello);
  if (bytes.length !== 16 || message.at > nowNtp() + 60) return false;
  phone.hear(bytes, message.at, NEARBY_RSSI);
  return true;
}

/** Distinct phones (EBIDs) heard, and HELLOs kept. */
export function heardSummary(phone: Phone): { hellos: number; devices: number } {
  return { hellos: phone.state.heard.length, devices: new Set(phone.state.heard.map((h) => h.ebid)).size };
}
