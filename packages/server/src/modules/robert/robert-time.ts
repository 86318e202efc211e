import { EPOCH_SECONDS, EPOCHS_PER_DAY } from '@prostopcovid/contracts/robert';
import { dateOfNtp, epochOf, epochStart, ntpSeconds } from '@prostopcovid/phone';

/** The protocol's clock for the server (the phone library's definitions, bound to timeStart), and days counted from it. */
export class RobertTime {
  constructor(readonly timeStart: number) {}

  ntp(at: Date): number {
    return ntpSeconds(at);
  }

  epochOfNtp(ntp: number): number {
    return epochOf(ntp, this.timeStart);
  }

  epoch(at: Date): number {
    return this.epochOfNtp(this.ntp(at));
  }

  dayOfEpoch(epochId: number): number {
    return Math.floor(epochId / EPOCHS_PER_DAY);
  }

  epochStartNtp(epochId: number): number {
    return epochStart(epochId, this.timeStart);
  }

  dayStartNtp(day: number): number {
    return this.timeStart + day * EPOCHS_PER_DAY * EPOCH_SECONDS;
  }

  dateOfNtp(ntp: number): Date {
    return dateOfNtp(ntp);
  }
}
