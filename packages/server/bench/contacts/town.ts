/**
 * A synthetic town of phone owners (people aged 15 and over: the app's users) and where each
 * one is, minute by minute, with a position in metres inside that place. Two people are in
 * Bluetooth range when they are in the same place within `range` metres; walls (another room,
 * another canteen table, another household) are out of range.
 *
 * Places and distances (chosen to be ordinary, not to suit the protocol):
 * - home (households of 1-5): kitchen and living room 5 × 4 m, positions drawn again every
 *   45 min; meals at a table (0.8-1.9 m apart); at night only a couple shares a room (phones on
 *   the two bedside tables, 1.8 m); others sleep behind walls.
 * - work (weekdays): workplaces of 2-40 split into rooms of at most 6, fixed desks at least
 *   1.6 m apart in 6 × 5 m; arrival 7:45-9:30, 8.5 h there; lunch with colleagues at a
 *   canteen table (60 % of days; tables of 6, 0.7-2.3 m); a room meeting around a table on
 *   30 % of days (30-60 min).
 * - school (students, weekdays, Wednesday afternoon off): classes of about 28 with a fixed
 *   seating plan (desks in pairs 0.7 m apart, aisles 1.3 m, rows 1.4 m: 8.0 × 6.5 m);
 *   breaks in groups of 3-6 classmates (within 2 m); canteen tables of 8 classmates.
 * - transport (40 % of workers and students): bus/metro lines, a vehicle every 10 min,
 *   rides of 10-35 min boarding at one's own stop; a place in a 12 × 2.5 m vehicle.
 * - shops (chance encounters with strangers): a third of errands at a supermarket (one per
 *   1,000 people, 40 × 30 m, 15-45 min, a new position every 2 min while walking the
 *   aisles), the others at small shops (one per 100 people: bakery, pharmacy...; 8 × 6 m,
 *   3-12 min, a new position every 3 min).
 * - friends: each person has about 4 friends; meetings at a café table (0.8-1.5 m,
 *   30-120 min) on some evenings and weekends; weekend visits between households.
 */
import type { Random } from './random.js';

export type PlaceKind = 'home' | 'visit' | 'office' | 'meeting' | 'canteen' | 'classroom' | 'break' | 'transport' | 'shop' | 'supermarket' | 'friends';
export const PLACE_KINDS: readonly PlaceKind[] = ['home', 'visit', 'office', 'meeting', 'canteen', 'classroom', 'break', 'transport', 'shop', 'supermarket', 'friends'];

type Role = 'worker' | 'student' | 'home';

interface Person {
  id: number;
  household: number;
  role: Role;
  /** One of the two adults sharing a bedroom. */
  couple: boolean;
  seatAtTable: number;
  room: number;
  desk: [number, number];
  workplace: number;
  classId: number;
  commute: { line: number; rideMinutes: number; boardOffset: number } | undefined;
  /** Usual arrival at work (minutes after midnight). */
  arrival: number;
  friends: number[];
}

/** One stretch of time during which `listener` heard `speaker` at a constant distance. */
export interface Contact {
  listener: number;
  speaker: number;
  /** Unix ms. */
  start: number;
  end: number;
  distance: number;
  kind: PlaceKind;
}

const MINUTES = 1440;
const TABLE_SEATS: ReadonlyArray<[number, number]> = [
  [0, 0],
  [0.8, 0],
  [1.6, 0],
  [0, 0.9],
  [0.8, 0.9],
  [1.6, 0.9],
  [-0.6, 0.45],
  [2.2, 0.45],
];
/** A classroom: 5 rows of 3 pairs of desks. */
const CLASS_SEATS: ReadonlyArray<[number, number]> = [0, 1.4, 2.8, 4.2, 5.6].flatMap((y) => [0, 0.7, 2.0, 2.7, 4.0, 4.7].map((x): [number, number] => [x, y]));
const CLASS_SIZE = CLASS_SEATS.length - 2;
const VEHICLE_INTERVAL = 10;
const LINE_RUN_MINUTES = 45;

export class Town {
  readonly people: Person[] = [];
  readonly households: number[][] = [];
  private readonly rooms: number[][] = [];
  private readonly workplaces: number[][] = [];
  private readonly classes: number[][] = [];
  private readonly lines: number;
  private readonly shops: number;
  private readonly supermarkets: number;

  constructor(
    readonly size: number,
    private readonly random: Random,
  ) {
    const r = random.fork('town');
    // Households of phone owners: sizes 1-5 (INSEE's distribution, shifted to people aged 15+).
    while (this.people.length < size) {
      const members = Math.min(size - this.people.length, 1 + r.weighted([0.3, 0.35, 0.15, 0.13, 0.07]));
      const household = this.households.length;
      const ids: number[] = [];
      const couple = members >= 2 && r.chance(0.75);
      for (let i = 0; i < members; i++) {
        const id = this.people.length;
        // The first two of a couple are adults; others may be students (teenagers, young adults).
        const adult = couple ? i < 2 : i === 0 || r.chance(0.5);
        const role: Role = adult ? (r.chance(0.68) ? 'worker' : 'home') : r.chance(0.75) ? 'student' : 'worker';
        this.people.push({
          id,
          household,
          role,
          couple: couple && i < 2,
          seatAtTable: i,
          room: -1,
          desk: [0, 0],
          workplace: -1,
          classId: -1,
          commute: undefined,
          arrival: Math.round(r.range(465, 570)),
          friends: [],
        });
        ids.push(id);
      }
      this.households.push(ids);
    }
    this.assignWork(r);
    this.assignSchools(r);
    this.lines = Math.max(2, Math.round(size / 250));
    this.shops = Math.max(4, Math.round(size / 100));
    this.supermarkets = Math.max(1, Math.round(size / 1000));
    for (const p of this.people) {
      if (p.role !== 'home' && r.chance(0.4)) {
        const rideMinutes = Math.round(r.range(10, 35));
        p.commute = { line: r.int(this.lines), rideMinutes, boardOffset: Math.round(r.range(0, LINE_RUN_MINUTES - rideMinutes)) };
      }
    }
    // Friends: about four each, both ways.
    for (const p of this.people) {
      while (p.friends.length < 2) {
        const other = r.int(size);
        if (other === p.id || p.friends.includes(other) || this.people[other]!.household === p.household) continue;
        p.friends.push(other);
        this.people[other]!.friends.push(p.id);
      }
    }
  }

  get counts() {
    const roles = { worker: 0, student: 0, home: 0 };
    for (const p of this.people) roles[p.role]++;
    return {
      households: this.households.length,
      ...roles,
      workplaces: this.workplaces.length,
      offices: this.rooms.length,
      classes: this.classes.length,
      commuters: this.people.filter((p) => p.commute).length,
      lines: this.lines,
      shops: this.shops,
      supermarkets: this.supermarkets,
    };
  }

  private assignWork(r: Random): void {
    const workers = r.sample(
      this.people.filter((p) => p.role === 'worker'),
      Infinity,
    );
    let next = 0;
    while (next < workers.length) {
      const size = Math.min(workers.length - next, [() => 2 + r.int(4), () => 6 + r.int(10), () => 16 + r.int(25)][r.weighted([0.4, 0.35, 0.25])]!());
      const members = workers.slice(next, next + size);
      next += size;
      const workplace = this.workplaces.length;
      this.workplaces.push(members.map((p) => p.id));
      for (let i = 0; i < members.length; i += 6) {
        const room = this.rooms.length;
        const inRoom = members.slice(i, i + 6);
        this.rooms.push(inRoom.map((p) => p.id));
        const desks = spreadPoints(r, inRoom.length, 6, 5, 1.6);
        inRoom.forEach((p, k) => {
          p.workplace = workplace;
          p.room = room;
          p.desk = desks[k]!;
        });
      }
    }
  }

  private assignSchools(r: Random): void {
    const students = r.sample(
      this.people.filter((p) => p.role === 'student'),
      Infinity,
    );
    for (let i = 0; i < students.length; i += CLASS_SIZE) {
      const classId = this.classes.length;
      const members = students.slice(i, i + CLASS_SIZE);
      this.classes.push(members.map((p) => p.id));
      const seats = r.sample(
        CLASS_SEATS.map((_, k) => k),
        members.length,
      );
      members.forEach((p, k) => {
        p.classId = classId;
        p.desk = CLASS_SEATS[seats[k]!]!;
      });
    }
  }

  /**
   * Where everyone is on day `day` (0 = the first Monday), and the contacts heard that day by
   * each of `listeners`, within `range` metres.
   */
  contactsOfDay(day: number, dayStartMs: number, listeners: readonly number[], range: number): Contact[] {
    const plan = new DayPlan(this.size);
    const r = this.random.fork(`day-${day}`);
    const weekday = day % 7;
    const weekend = weekday >= 5;
    this.planHomes(plan, r);
    if (!weekend) {
      this.planWork(plan, r);
      this.planSchool(plan, r, weekday === 2);
    }
    this.planErrands(plan, r, weekend);
    this.planFriends(plan, r, weekend);
    return plan.contacts(listeners, dayStartMs, range);
  }

  private planHomes(plan: DayPlan, r: Random): void {
    for (const members of this.households) {
      const home = plan.newPlace('home');
      const couple = members.filter((id) => this.people[id]!.couple);
      // Night: the couple's phones on the bedside tables; the others behind walls.
      couple.forEach((id, k) => {
        plan.put(id, 0, 390, home, k * 1.8, 0);
        plan.put(id, 1380, MINUTES, home, k * 1.8, 0);
      });
      // Awake at home: positions drawn again every 45 min (kitchen, living room).
      for (let from = 390; from < 1380; from += 45) {
        for (const id of members) plan.put(id, from, Math.min(from + 45, 1380), home, r.range(0, 5), r.range(0, 4));
      }
      // Meals at the table: lunch for those at home, dinner for all.
      for (const at of [750, 1170]) {
        for (const id of members) {
          const seat = TABLE_SEATS[this.people[id]!.seatAtTable % TABLE_SEATS.length]!;
          plan.put(id, at, at + 45, home, seat[0], seat[1]);
        }
      }
    }
  }

  private planWork(plan: DayPlan, r: Random): void {
    const officeOf = this.rooms.map(() => plan.newPlace('office'));
    // A meeting around a table on 30 % of days, per room.
    for (const members of this.rooms) {
      if (members.length < 2 || !r.chance(0.3)) continue;
      const meeting = plan.newPlace('meeting');
      const from = r.pick([600, 630, 840, 870]);
      const length = r.pick([30, 45, 60]);
      const seats = r.sample(TABLE_SEATS, members.length);
      members.forEach((id, k) => plan.put(id, from, from + length, meeting, seats[k]![0], seats[k]![1]));
    }
    for (const members of this.workplaces) {
      const lunch = 720 + r.int(31) - 15;
      // Colleagues of a room sit together: tables of 6 filled in room order.
      const eating = members.filter(() => r.chance(0.6));
      for (let i = 0; i < eating.length; i += 6) {
        const table = plan.newPlace('canteen');
        eating.slice(i, i + 6).forEach((id, k) => plan.put(id, lunch, lunch + 45, table, TABLE_SEATS[k]![0], TABLE_SEATS[k]![1]));
      }
      for (const id of members) {
        const p = this.people[id]!;
        const arrival = p.arrival + r.int(21) - 10;
        const leave = arrival + 510 + r.int(41) - 20;
        // Fill the day at the desk without overwriting the meeting or the canteen.
        plan.putWhereFree(id, arrival, leave, officeOf[p.room]!, p.desk[0], p.desk[1], ['meeting', 'canteen']);
        if (!eating.includes(id)) plan.put(id, lunch, lunch + 45, -1, 0, 0);
        this.ride(plan, r, p, arrival, 'to');
        this.ride(plan, r, p, leave, 'from');
      }
    }
  }

  private planSchool(plan: DayPlan, r: Random, wednesday: boolean): void {
    const end = wednesday ? 720 : 990;
    for (const members of this.classes) {
      const room = plan.newPlace('classroom');
      for (const id of members) {
        const p = this.people[id]!;
        plan.put(id, 510, 720, room, p.desk[0], p.desk[1]);
        if (!wednesday) {
          // Lunch break: canteen and playground below; away from home in between.
          plan.put(id, 720, 810, -1, 0, 0);
          plan.put(id, 810, end, room, p.desk[0], p.desk[1]);
        }
        this.ride(plan, r, p, 510, 'to');
        this.ride(plan, r, p, end, 'from');
      }
      // Breaks: groups of 3-6 classmates, each group on its own (out of range of the others).
      const breaks = wednesday ? [[600, 615]] : [[600, 615], [770, 805], [900, 915]];
      for (const [from, to] of breaks) {
        const shuffled = r.sample(members, members.length);
        for (let i = 0; i < shuffled.length; ) {
          const size = 3 + r.int(4);
          const group = plan.newPlace('break');
          for (const id of shuffled.slice(i, i + size)) plan.put(id, from!, to!, group, r.range(0, 1.6), r.range(0, 1.6));
          i += size;
        }
      }
      if (wednesday) continue;
      // Canteen: tables of 8 classmates, drawn each day.
      const shuffled = r.sample(members, members.length);
      for (let i = 0; i < shuffled.length; i += 8) {
        const table = plan.newPlace('canteen');
        shuffled.slice(i, i + 8).forEach((id, k) => plan.put(id, 725, 765, table, TABLE_SEATS[k]![0], TABLE_SEATS[k]![1]));
      }
    }
  }

  /** A bus or metro ride arriving at `at` ('to') or leaving at `at` ('from'); walking or driving alone otherwise. */
  private ride(plan: DayPlan, r: Random, p: Person, at: number, direction: 'to' | 'from'): void {
    if (!p.commute) {
      if (direction === 'to') plan.put(p.id, at - 15, at, -1, 0, 0);
      else plan.put(p.id, at, at + 15, -1, 0, 0);
      return;
    }
    const { line, rideMinutes, boardOffset } = p.commute;
    // Vehicles leave the terminus every 10 min; one boards at one's own stop (boardOffset).
    let departure: number;
    if (direction === 'to') departure = Math.floor((at - rideMinutes - boardOffset) / VEHICLE_INTERVAL) * VEHICLE_INTERVAL;
    else departure = Math.ceil((at - (LINE_RUN_MINUTES - rideMinutes - boardOffset)) / VEHICLE_INTERVAL) * VEHICLE_INTERVAL;
    const board = direction === 'to' ? departure + boardOffset : departure + (LINE_RUN_MINUTES - rideMinutes - boardOffset);
    const vehicle = plan.vehicle(`${line}/${direction}/${departure}`);
    if (direction === 'to') plan.put(p.id, board, at, -1, 0, 0);
    plan.put(p.id, board, board + rideMinutes, vehicle, r.range(0, 12), r.range(0, 2.5));
    if (direction === 'from') plan.put(p.id, at, board, -1, 0, 0);
  }

  private planErrands(plan: DayPlan, r: Random, weekend: boolean): void {
    const shops = Array.from({ length: this.shops }, () => plan.newPlace('shop'));
    const supermarkets = Array.from({ length: this.supermarkets }, () => plan.newPlace('supermarket'));
    for (const p of this.people) {
      const count = r.poisson(weekend ? 1.2 : 0.6);
      for (let i = 0; i < count; i++) {
        // In free time: after work or school on weekdays (or the day for those at home).
        const from = weekend || p.role === 'home' ? Math.round(r.range(540, 1140)) : Math.round(r.range(1080, 1150));
        const big = r.chance(1 / 3);
        const length = big ? Math.round(r.range(15, 45)) : Math.round(r.range(3, 12));
        const [place, w, h, every] = big ? [r.pick(supermarkets), 40, 30, 2] : [r.pick(shops), 8, 6, 3];
        for (let at = from; at < from + length; at += every) plan.put(p.id, at, Math.min(at + every, from + length), place, r.range(0, w), r.range(0, h));
      }
    }
  }

  private planFriends(plan: DayPlan, r: Random, weekend: boolean): void {
    // A café with a friend: about twice a week each.
    for (const p of this.people) {
      if (!r.chance(weekend ? 0.2 : 0.08)) continue;
      const friend = r.pick(p.friends);
      const place = plan.newPlace('friends');
      const from = weekend ? Math.round(r.range(840, 1080)) : Math.round(r.range(1110, 1200));
      const length = Math.round(r.range(30, 120));
      const distance = r.range(0.8, 1.5);
      plan.put(p.id, from, from + length, place, 0, 0);
      plan.put(friend, from, from + length, place, distance, 0);
    }
    if (!weekend) return;
    // Weekend visits: a household goes to a friend's home for the afternoon.
    for (const members of this.households) {
      if (!r.chance(0.15)) continue;
      const host = this.households[this.people[r.pick(this.people[members[0]!]!.friends)]!.household]!;
      if (host === members) continue;
      const place = plan.newPlace('visit');
      for (let from = 900; from < 1080; from += 30) {
        for (const id of [...members, ...host]) plan.put(id, from, from + 30, place, r.range(0, 5), r.range(0, 4));
      }
    }
  }
}

/** Where each person is (a place, or -1: out of anyone's range) and at which position, per minute of one day. */
class DayPlan {
  private readonly place: Int32Array;
  private readonly x: Float32Array;
  private readonly y: Float32Array;
  private readonly kinds: PlaceKind[] = [];
  private readonly visitors: Array<Set<number>> = [];
  private readonly vehicles = new Map<string, number>();

  constructor(size: number) {
    this.place = new Int32Array(size * MINUTES).fill(-1);
    this.x = new Float32Array(size * MINUTES);
    this.y = new Float32Array(size * MINUTES);
  }

  newPlace(kind: PlaceKind): number {
    this.kinds.push(kind);
    this.visitors.push(new Set());
    return this.kinds.length - 1;
  }

  vehicle(key: string): number {
    let id = this.vehicles.get(key);
    if (id === undefined) this.vehicles.set(key, (id = this.newPlace('transport')));
    return id;
  }

  put(person: number, from: number, to: number, place: number, x: number, y: number): void {
    const a = Math.max(0, Math.round(from));
    const b = Math.min(MINUTES, Math.round(to));
    if (b <= a) return;
    const base = person * MINUTES;
    this.place.fill(place, base + a, base + b);
    this.x.fill(x, base + a, base + b);
    this.y.fill(y, base + a, base + b);
    if (place >= 0) this.visitors[place]!.add(person);
  }

  /** As put, but leaving the minutes spent in places of the given kinds. */
  putWhereFree(person: number, from: number, to: number, place: number, x: number, y: number, keep: readonly PlaceKind[]): void {
    const base = person * MINUTES;
    let runStart = -1;
    for (let m = Math.max(0, from); m <= Math.min(MINUTES, to); m++) {
      const current = m < to && m < MINUTES ? this.place[base + m]! : -2;
      const free = current !== -2 && !(current >= 0 && keep.includes(this.kinds[current]!));
      if (free && runStart < 0) runStart = m;
      if (!free && runStart >= 0) {
        this.put(person, runStart, m, place, x, y);
        runStart = -1;
      }
    }
  }

  /** The stretches of constant distance during which each listener was within `range` of someone. */
  contacts(listeners: readonly number[], dayStartMs: number, range: number): Contact[] {
    const out: Contact[] = [];
    for (const listener of listeners) {
      const open = new Map<number, Contact>();
      const base = listener * MINUTES;
      for (let m = 0; m < MINUTES; m++) {
        const place = this.place[base + m]!;
        if (place < 0) continue;
        const lx = this.x[base + m]!;
        const ly = this.y[base + m]!;
        for (const other of this.visitors[place]!) {
          if (other === listener) continue;
          const o = other * MINUTES + m;
          if (this.place[o] !== place) continue;
          const distance = Math.hypot(this.x[o]! - lx, this.y[o]! - ly);
          if (distance > range) continue;
          const start = dayStartMs + m * 60_000;
          const current = open.get(other);
          if (current && current.end === start && current.distance === distance && current.kind === this.kinds[place]) {
            current.end = start + 60_000;
          } else {
            if (current) out.push(current);
            open.set(other, { listener, speaker: other, start, end: start + 60_000, distance, kind: this.kinds[place]! });
          }
        }
      }
      out.push(...open.values());
    }
    return out;
  }
}

/** `count` points in a w × h rectangle at least `gap` apart (best effort). */
function spreadPoints(r: Random, count: number, w: number, h: number, gap: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let tries = 0; points.length < count && tries < 10_000; tries++) {
    const p: [number, number] = [r.range(0, w), r.range(0, h)];
    if (points.every((q) => Math.hypot(q[0] - p[0], q[1] - p[1]) >= gap)) points.push(p);
  }
  while (points.length < count) points.push([r.range(0, w), r.range(0, h)]);
  return points;
}
