/**
 * The fortnight, 15 minutes of virtual time at a time: phones register, hear each other, poll
 * their status; cases see a doctor, declare and report; the server (another thread) lives
 * the same time through the shared clock.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { RISK_LEVEL } from '@prostopcovid/contracts/robert';
import { createRobertHttpApi, ntpSeconds, Phone, RobertApiError, type RobertApi } from '@prostopcovid/phone';
import { Temporal } from 'temporal-polyfill';
import { addDays, parisDate } from '../../src/platform/dates.js';
import { robertFigures, type RobertFigures } from './metrics.js';
import { declare, issueCode, simulatedDoctors } from './pro.js';
import { planHellos, type HelloPlan } from './radio.js';
import { Random } from './random.js';
import { elapsedSeconds, log, type Settings } from './settings.js';
import { startSystem, type RunningSystem } from './system.js';
import { Town, type Contact } from './town.js';
import { scoreReport, type ScoredReport } from './truth.js';

/** A Monday (Europe/Paris, no change of summer time in the fortnight). */
export const FIRST_DAY = '2020-11-02';
const MINUTE = 60_000;
const DAY_MINUTES = 1440;
/** The simulation's step: 15 virtual minutes. */
const STEP_MINUTES = 15;

export function parisMidnight(date: string): number {
  return Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: 'Europe/Paris' }).epochMilliseconds;
}

export interface CaseRecord {
  phone: number;
  /** Virtual Unix ms of the declaration (and report). */
  declareAt: number;
  onsetDate: string;
  predictedWindow: { from: string; to: string };
  window?: { from: string; to: string };
  plan?: HelloPlan;
  declared: boolean;
  accepted?: number;
  rejectedOutsideWindow?: number;
  /** Wall time the worker took (report answered → processed count moved), ms. */
  processingMs?: number;
  reportWallMs?: number;
  error?: string;
}

export interface SimulationOutcome {
  town: Town;
  timeStartNtp: number;
  firstMs: number;
  cases: CaseRecord[];
  contactsByCase: Map<number, Contact[]>;
  scored: ScoredReport[];
  notifiedAt: Map<number, number>;
  notifiedWallMs: Map<number, number>;
  polls: Map<number, number[]>;
  statusLatenciesMs: number[];
  registerLatenciesMs: number[];
  statusBusyMs: number;
  statusErrors: Record<string, number>;
  registration: { phones: number; seconds: number };
  burst: { requests: number; seconds: number; latenciesMs: number[]; atRiskNotYetNotified: number; errors: Record<string, number> } | undefined;
  figures: RobertFigures;
  figuresBeforeBurst: RobertFigures;
  virtualMinutes: number;
  stoppedEarly: boolean;
  hellos: { built: number; missingTuple: number };
  wall: { setup: number; town: number; registration: number; loop: number; total: number };
  database: string;
}

/**
 * The phones' fetch, timed from the request to the last byte of the answer (the phone's own
 * work on it, such as decrypting new tuples, is not counted), by phase and by route.
 */
class HttpTimer {
  phase = 'setup';
  readonly times = new Map<string, number[]>();
  readonly fetch: typeof fetch = async (input, init) => {
    const started = performance.now();
    const response = await fetch(input, init);
    const body = await response.arrayBuffer();
    const route = new URL(input instanceof Request ? input.url : String(input)).pathname.split('/').pop()!;
    const key = `${this.phase}:${route}`;
    const list = this.times.get(key);
    if (list) list.push(performance.now() - started);
    else this.times.set(key, [performance.now() - started]);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  of(phase: string, route: string): number[] {
    return this.times.get(`${phase}:${route}`) ?? [];
  }
}

/** Runs `work` over `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}

const errorKey = (error: unknown) => (error instanceof RobertApiError ? `${error.info.status ?? 'network'} ${error.info.code ?? ''}`.trim() : error instanceof Error ? error.message.slice(0, 80) : String(error));

export async function runSimulation(settings: Settings, onSystem: (system: RunningSystem) => void): Promise<SimulationOutcome> {
  const wallStart = performance.now();
  const random = new Random(settings.seed);
  const firstMs = parisMidnight(FIRST_DAY);
  const dayStart = (day: number) => parisMidnight(addDays(FIRST_DAY, day));

  // 1. The town, the cases and when they declare (all seeded).
  const town = new Town(settings.phones, random);
  const caseRandom = random.fork('cases');
  const caseIds = caseRandom.sample(
    town.people.map((p) => p.id),
    settings.cases,
  );
  const lastDeclarationDay = Math.max(5, settings.days - 3);
  const cases: CaseRecord[] = caseIds.map((phone) => {
    const day = 5 + caseRandom.int(lastDeclarationDay - 5 + 1);
    const declareAt = dayStart(day) + (540 + caseRandom.int(600)) * MINUTE;
    const today = parisDate(new Date(declareAt));
    // Symptoms 1-3 days before the declaration: the window starts two days before them.
    const onsetAgo = 1 + caseRandom.int(3);
    return { phone, declareAt, onsetDate: addDays(today, -onsetAgo), predictedWindow: { from: addDays(today, -(onsetAgo + 2)), to: today }, declared: false };
  });
  const townStart = performance.now();
  const contactsByCase = new Map<number, Contact[]>(caseIds.map((id) => [id, []]));
  for (let day = 0; day < settings.days; day++) {
    for (const contact of town.contactsOfDay(day, dayStart(day), caseIds, settings.rangeM)) contactsByCase.get(contact.listener)!.push(contact);
  }
  const phases = Uint8Array.from({ length: settings.phones }, (_, i) => random.fork('phases').fork(i).int(10));
  const calibrationRandom = random.fork('calibration');
  const calibration = Float64Array.from({ length: settings.phones }, () => (settings.noiseDb > 0 ? calibrationRandom.gaussian() * (settings.noiseDb / 2) : 0));
  const radio = { rssiAt1m: settings.rssiAt1m, pathLossExponent: settings.pathLossExponent, noiseDb: settings.noiseDb };
  for (const c of cases) {
    const from = parisMidnight(c.predictedWindow.from);
    c.plan = planHellos(c.phone, contactsByCase.get(c.phone)!, from / 1000, c.declareAt / 1000, phases, calibration[c.phone]!, radio, random.fork(`noise-${c.phone}`));
  }
  const townSeconds = (performance.now() - townStart) / 1000;
  const counts = town.counts;
  log(
    `town: ${settings.phones} phones in ${counts.households} households (${counts.worker} workers in ${counts.workplaces} workplaces / ${counts.offices} offices, ` +
      `${counts.student} students in ${counts.classes} classes, ${counts.home} at home; ${counts.commuters} commuters on ${counts.lines} lines; ${counts.shops} shops, ${counts.supermarkets} supermarkets); ` +
      `${cases.length} cases; contacts and HELLO plans in ${townSeconds.toFixed(1)} s`,
  );

  // 2. The server and the PSC sandbox, in their thread.
  const doctors = simulatedDoctors(5);
  const serverStart = performance.now();
  const system = await startSystem({
    professionals: doctors,
    databaseUrl: settings.databaseUrl,
    startMs: firstMs,
    env: {
      // The report worker in the server's process, as `npm start` runs it.
      ROBERT_WORKERS: '1',
      // One address (127.0.0.1) for a whole town: the per-address limits would be its limits.
      ROBERT_REGISTER_LIMIT_PER_ADDRESS: '10000000',
      REDEEM_LIMIT_PER_ADDRESS: '1000000',
      CODE_ISSUE_LIMIT_PER_HOUR: '1000000',
      SESSION_IDLE_MINUTES: '1440',
    },
  });
  onSystem(system);
  const { baseUrl } = system;
  const setupSeconds = (performance.now() - serverStart) / 1000;
  log(`server and PSC sandbox ready at ${baseUrl} (${system.database}) in ${setupSeconds.toFixed(1)} s`);
  const timer = new HttpTimer();
  const api: RobertApi = createRobertHttpApi(baseUrl, timer.fetch);
  const { timeStart: timeStartNtp } = await api.config();

  // 3. Everyone installs the app on the first night.
  timer.phase = 'registration';
  const registrationStart = performance.now();
  const phones: Phone[] = new Array<Phone>(settings.phones);
  const statusRandom = random.fork('status');
  await pool(
    town.people.map((p) => p.id),
    8,
    async (id) => {
      const own = statusRandom.fork(id);
      phones[id] = await Phone.register(api, ntpSeconds(firstMs), { random: () => own.next() });
    },
  );
  const registrationSeconds = (performance.now() - registrationStart) / 1000;
  log(`${settings.phones} phones registered in ${registrationSeconds.toFixed(1)} s (${(settings.phones / registrationSeconds).toFixed(0)}/s)`);

  // 4. The fortnight, 15 virtual minutes at a time. A status request is sent at the start of the
  // step its schedule falls in (up to 15 min late: the schedule is random anyway), so that the
  // requests of a step go together; declarations are sent at their own minute.
  const stepOf = (ntp: number) => Math.max(0, Math.ceil((ntp - ntpSeconds(firstMs)) / (STEP_MINUTES * 60)));
  const due = new Map<number, number[]>();
  const schedule = (id: number, step: number) => {
    const list = due.get(step);
    if (list) list.push(id);
    else due.set(step, [id]);
  };
  phones.forEach((phone, id) => schedule(id, stepOf(phone.state.status.nextAt)));
  const declarations = new Map<number, CaseRecord[]>();
  for (const c of [...cases].sort((a, b) => a.declareAt - b.declareAt)) {
    const step = Math.floor((c.declareAt - firstMs) / (STEP_MINUTES * MINUTE));
    declarations.set(step, [...(declarations.get(step) ?? []), c]);
  }
  const cursors = new Map<number, number>(cases.map((c) => [c.phone, 0]));
  const notifiedAt = new Map<number, number>();
  const notifiedWallMs = new Map<number, number>();
  const polls = new Map<number, number[]>();
  const statusErrors: Record<string, number> = {};
  const scored: ScoredReport[] = [];
  const hellos = { built: 0, missingTuple: 0 };
  let statusBusyMs = 0;
  let statusRequests = 0;
  let processedReports = 0;
  const totalSteps = (settings.days * DAY_MINUTES) / STEP_MINUTES;
  const stepsPerDay = DAY_MINUTES / STEP_MINUTES;
  const deadline = settings.maxSeconds - 45; // room for the burst, the summary and the cleanup
  timer.phase = 'fortnight';
  const loopStart = performance.now();
  let step = 0;
  let stoppedEarly = false;
  for (; step < totalSteps; step++) {
    if (elapsedSeconds() > deadline) {
      stoppedEarly = true;
      log(`--max-seconds reached: stopping at virtual day ${(step / stepsPerDay).toFixed(2)}`);
      break;
    }
    const nowMs = firstMs + step * STEP_MINUTES * MINUTE;
    const nowNtp = ntpSeconds(nowMs);
    system.setTime(nowMs);
    if (step % stepsPerDay === 0) {
      for (const phone of phones) phone.prune(nowNtp);
      if (step > 0) log(`virtual day ${step / stepsPerDay}: ${notifiedAt.size} phones notified, ${cases.filter((c) => c.declared).length} cases declared`);
    }

    // Status requests due, each phone on its own schedule (24 h + 0-12 h), sent while the
    // HELLOs of the step are built (which needs no server).
    const dueNow = due.get(step) ?? [];
    due.delete(step);
    const statusWork = (async () => {
      if (dueNow.length === 0) return;
      const busyStart = performance.now();
      await pool(dueNow, settings.concurrency, async (id) => {
        const phone = phones[id]!;
        if (!phone.isStatusDue(nowNtp)) {
          schedule(id, stepOf(phone.state.status.nextAt));
          return;
        }
        try {
          const answer = await phone.checkStatus(api, nowNtp);
          statusRequests++;
          const list = polls.get(id);
          if (list) list.push(nowMs);
          else polls.set(id, [nowMs]);
          if (answer.riskLevel >= RISK_LEVEL.high && !notifiedAt.has(id)) {
            notifiedAt.set(id, nowMs);
            notifiedWallMs.set(id, performance.now());
          }
          schedule(id, stepOf(phone.state.status.nextAt));
        } catch (error) {
          const key = errorKey(error);
          statusErrors[key] = (statusErrors[key] ?? 0) + 1;
          schedule(id, step + 1);
        }
      });
      statusBusyMs += performance.now() - busyStart;
    })();

    // HELLOs heard by the future cases during this step (see README: only those are built).
    const stepEnd = (nowMs + STEP_MINUTES * MINUTE) / 1000;
    const work: Array<Promise<void>> = [];
    for (const c of cases) {
      const plan = c.plan!;
      let i = cursors.get(c.phone)!;
      for (; i < plan.times.length && plan.times[i]! < stepEnd; i++) {
        const at = ntpSeconds(plan.times[i]! * 1000);
        const rssi = plan.rssi[i]!;
        const listener = phones[c.phone]!;
        work.push(
          phones[plan.speakers[i]!]!.hello(at).then((hello) => {
            if (!hello) hellos.missingTuple++;
            else {
              listener.hear(hello, at, rssi);
              hellos.built++;
            }
          }),
        );
      }
      cursors.set(c.phone, i);
    }
    await Promise.all([statusWork, ...work]);

    // Declarations: doctor, code, declaration, report, at their minute; the simulation then
    // waits for the worker, as a server with idle workers would process the report at once.
    for (const c of declarations.get(step) ?? []) {
      system.setTime(c.declareAt);
      try {
        const phone = phones[c.phone]!;
        const code = await issueCode(baseUrl, doctors[c.phone % doctors.length]!);
        const declared = await declare(baseUrl, code, c.onsetDate, `sim-phone-${c.phone}`);
        c.window = declared.window;
        if (declared.window.from !== c.predictedWindow.from || declared.window.to !== c.predictedWindow.to) {
          log(`case ${c.phone}: window ${declared.window.from}..${declared.window.to}, the simulation expected ${c.predictedWindow.from}..${c.predictedWindow.to}`);
        }
        const reported = await phone.report(api, declared.uploadToken, declared.window, ntpSeconds(c.declareAt));
        const reportWall = performance.now();
        c.declared = true;
        c.accepted = reported.accepted;
        c.rejectedOutsideWindow = reported.rejectedOutsideWindow;
        c.reportWallMs = reportWall;
        if (reported.accepted > 0) {
          processedReports++;
          for (;;) {
            const figures = await robertFigures(baseUrl);
            if (figures.reportsProcessed >= processedReports) break;
            if (performance.now() - reportWall > 120_000) throw new Error('the report worker took more than 120 s');
            await sleep(20);
          }
          c.processingMs = performance.now() - reportWall;
        }
        scored.push(scoreReport(c.plan!, timeStartNtp, c.declareAt));
        // The phone keeps its history; the simulation no longer needs it.
        phone.state.heard = [];
      } catch (error) {
        c.error = error instanceof Error ? error.message : String(error);
        log(`case ${c.phone}: ${c.error}`);
      }
    }
  }
  const loopSeconds = (performance.now() - loopStart) / 1000;
  log(`fortnight simulated in ${loopSeconds.toFixed(1)} s (wall): ${hellos.built} HELLOs built, ${statusRequests} status requests, ${notifiedAt.size} phones notified`);

  // 5. A burst: every phone asks its status at once, 31 minutes later (past the 2-epoch spacing).
  let burst: SimulationOutcome['burst'];
  const figuresBeforeBurst = await robertFigures(baseUrl);
  if (elapsedSeconds() < settings.maxSeconds - 20) {
    const burstMs = firstMs + step * STEP_MINUTES * MINUTE + 31 * MINUTE;
    system.setTime(burstMs);
    timer.phase = 'burst';
    const errors: Record<string, number> = {};
    let atRiskNotYetNotified = 0;
    const started = performance.now();
    await pool(
      phones.map((_, id) => id),
      settings.concurrency,
      async (id) => {
        try {
          const answer = await phones[id]!.checkStatus(api, ntpSeconds(burstMs));
          if (answer.riskLevel >= RISK_LEVEL.high && !notifiedAt.has(id)) atRiskNotYetNotified++;
        } catch (error) {
          const key = errorKey(error);
          errors[key] = (errors[key] ?? 0) + 1;
        }
      },
    );
    burst = { requests: phones.length, seconds: (performance.now() - started) / 1000, latenciesMs: timer.of('burst', 'status'), atRiskNotYetNotified, errors };
    log(`status burst: ${phones.length} requests in ${burst.seconds.toFixed(1)} s`);
  }
  const figures = await robertFigures(baseUrl);
  return {
    town,
    timeStartNtp,
    firstMs,
    cases,
    contactsByCase,
    scored,
    notifiedAt,
    notifiedWallMs,
    polls,
    statusLatenciesMs: timer.of('fortnight', 'status'),
    registerLatenciesMs: timer.of('registration', 'register'),
    statusBusyMs,
    statusErrors,
    registration: { phones: settings.phones, seconds: registrationSeconds },
    burst,
    figures,
    figuresBeforeBurst,
    virtualMinutes: step * STEP_MINUTES,
    stoppedEarly,
    hellos,
    wall: { setup: setupSeconds, town: townSeconds, registration: registrationSeconds, loop: loopSeconds, total: (performance.now() - wallStart) / 1000 },
    database: system.database,
  };
}
