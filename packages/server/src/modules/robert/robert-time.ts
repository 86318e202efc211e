import { EPOCH_SECONDS, EPOCHS_PER_DAY, NTP_UNIX_OFFSET_SECONDS } from '@prostopcovid/contracts/robert';

/** The protocol's clock: NTP seconds, epochs of 15 minutes and days counted from timeStart. */
export class RobertTime {
  constructor(readonly timeStart: number) {}

  ntp(at: Date): number {
    return Math.floor(at.getTime() / 1000) + NTP_UNIX_OFFSET_SECONDS;
  }

  epochOfNtp(ntp: number): number {
    return Math.floor((ntp - this.timeStart) / EPOCH_SECONDS);
  }

  epoch(at: Date): number {
    return this.epochOfNtp(this.ntp(at));
  }

  dayOfEpoch(epochId: number): number {
    return Math.floor(epochId / EPOCHS_PER_DAY);
  }

  epochStartNtp(epochId: number): number {
    return this.timeStart + epochId * EPOCH_SECONDS;
  }

  dayStartNtp(day: number): number {
    return this.timeStart + day * EPOCHS_PER_DAY * EPOCH_SECONDS;
  }

  dateOfNtp(ntp: number): Date {
    return new Date((ntp - NTP_UNIX_OFFSET_SECONDS) * 1000);
  }
}
