import { EPOCH_SECONDS, NTP_UNIX_OFFSET_SECONDS } from '@prostopcovid/contracts/robert';

/** NTP seconds (since 1900) of an instant. */
export function ntpSeconds(at: Date | number): number {
  const ms = typeof at === 'number' ? at : at.getTime();
  return Math.floor(ms / 1000) + NTP_UNIX_OFFSET_SECONDS;
}

export function dateOfNtp(ntp: number): Date {
  return new Date((ntp - NTP_UNIX_OFFSET_SECONDS) * 1000);
}

/** The epoch an NTP time falls in, counted from the service's start. */
export function epochOf(ntp: number, timeStart: number): number {
  return Math.floor((ntp - timeStart) / EPOCH_SECONDS);
}

export function epochStart(epochId: number, timeStart: number): number {
  return timeStart + epochId * EPOCH_SECONDS;
}
