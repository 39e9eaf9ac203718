import type { PresenceInput } from '../presence/core/presence-model.js';
import { type ScriptedInput, scriptUserDay, seededRandom } from '../presence/simulation/day-script.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Midnight UTC of the simulated day (a Monday): real timestamps, so events have their real sizes. */
export const SIMULATED_DAY = Date.UTC(2026, 0, 5);

/** UTC offsets (hours) users live at, with their weights: the Americas, Europe, India, East Asia. */
const TIME_ZONES: ReadonlyArray<[offset: number, weight: number]> = [
  [-8, 2],
  [-5, 3],
  [0, 2],
  [1, 4],
  [2, 1],
  [5.5, 1],
  [8, 1],
  [9, 1],
];

export interface PopulationOptions {
  users: number;
  seed: number;
  /** Remote servers followers live on (server 0 is the users' own; its followers need no federation). */
  servers: number;
  /** The fewest followers a user has; the Pareto tail starts here. */
  minFollowers: number;
  /** The Pareto shape of the follower count: smaller is heavier-tailed. */
  followerTailShape: number;
}

export interface SimulatedUser {
  userId: string;
  /** The user's UTC offset in hours: their day runs from `dayStart`. */
  utcOffsetHours: number;
  dayStart: number;
  script: ScriptedInput[];
  /** Indexes into `Population.followerServers`: who follows this user. */
  followers: number[];
}

export interface Population {
  users: SimulatedUser[];
  /** For each follower: the server they are on (0 = the users' own server). */
  followerServers: number[];
  /** The earliest and latest input of any script: the simulated window. */
  start: number;
  end: number;
}

/** A draw from weighted choices. */
export function weightedPick<T>(random: () => number, choices: ReadonlyArray<[T, number]>): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = random() * total;
  for (const [value, weight] of choices) {
    draw -= weight;
    if (draw < 0) return value;
  }
  return choices[choices.length - 1][0];
}

/** A Pareto draw, rounded down and capped: few users have many followers, most have few. */
export function paretoCount(random: () => number, minimum: number, shape: number, cap: number): number {
  return Math.min(cap, Math.floor(minimum * Math.pow(1 - random(), -1 / shape)));
}

/**
 * The server of each follower: server sizes follow Zipf's law (a few large servers, a long tail
 * of small ones), and server 0 is the home server.
 */
export function followerServersOf(random: () => number, count: number, servers: number): number[] {
  const weights: Array<[number, number]> = Array.from({ length: servers }, (_, server) => [server, 1 / (server + 1)]);
  return Array.from({ length: count }, () => weightedPick(random, weights));
}

/**
 * Drops a phone's connection for a spell: polls that would start in it never arrive (nor their
 * ends), and neither does activity. The in-flight poll ends as it would have.
 */
export function withNetworkDrops(script: ScriptedInput[], deviceId: string, drops: ReadonlyArray<{ start: number; end: number }>): ScriptedInput[] {
  const dropped = (at: number) => drops.some((drop) => at >= drop.start && at < drop.end);
  let skipNextEnd = false;
  return script.filter(({ at, input }) => {
    if (!('deviceId' in input) || input.deviceId !== deviceId) return true;
    if (input.kind === 'sync-end' && skipNextEnd) {
      skipNextEnd = false;
      return false;
    }
    if (input.kind === 'sync' && dropped(at)) {
      skipNextEnd = true;
      return false;
    }
    return !(input.kind === 'activity' && dropped(at));
  });
}

/**
 * What the base day script leaves out, drawn from its own stream: calls (the laptop reports busy
 * for the call), a status text for a while, appear-offline for an afternoon, and network drops
 * on the phone.
 */
function extras(random: () => number, dayStart: number, script: ScriptedInput[]): ScriptedInput[] {
  const added: ScriptedInput[] = [];
  const push = (at: number, input: PresenceInput) => added.push({ at: Math.floor(at), input });
  const calls = random() < 0.4 ? 1 + Math.floor(random() * 2) : 0;
  for (let call = 0; call < calls; call += 1) {
    const start = dayStart + (9 + random() * 7) * HOUR;
    push(start, { kind: 'device-report', deviceId: 'laptop', state: 'busy' });
    push(start + (15 + random() * 45) * MINUTE, { kind: 'device-report', deviceId: 'laptop', state: 'online' });
  }
  if (random() < 0.1) {
    const start = dayStart + (9 + random() * 8) * HOUR;
    push(start, { kind: 'status', statusMsg: 'Out for lunch' });
    push(start + (30 + random() * 60) * MINUTE, { kind: 'status', statusMsg: null });
  }
  if (random() < 0.05) {
    const start = dayStart + (13 + random() * 3) * HOUR;
    push(start, { kind: 'appear-offline', enabled: true });
    push(start + (1 + random() * 3) * HOUR, { kind: 'appear-offline', enabled: false });
  }
  const phoneSyncs = script.filter(({ input }) => input.kind === 'sync' && input.deviceId === 'phone').map(({ at }) => at);
  const drops = phoneSyncs.filter(() => random() < 0.02).map((at) => ({ start: at, end: at + (1 + random() * 4) * MINUTE }));
  return [...withNetworkDrops(script, 'phone', drops), ...added].sort((a, b) => a.at - b.at);
}

/**
 * A seeded population: each user's day (the day script of src/presence/simulation, plus calls,
 * status texts, appear-offline and phone network drops) placed in their time zone, and who follows them.
 * The same options give the same population.
 */
export function buildPopulation(options: PopulationOptions): Population {
  const graph = seededRandom(options.seed ^ 0x5eed);
  const followerServers = followerServersOf(graph, options.users, options.servers + 1);
  const users: SimulatedUser[] = [];
  let start = Infinity;
  let end = -Infinity;
  for (let index = 0; index < options.users; index += 1) {
    const random = seededRandom(options.seed * 1_000_003 + index);
    const utcOffsetHours = weightedPick(random, TIME_ZONES);
    const dayStart = SIMULATED_DAY - utcOffsetHours * HOUR;
    const script = extras(seededRandom(options.seed * 7_919 + index), dayStart, scriptUserDay(random, dayStart));
    const count = paretoCount(graph, options.minFollowers, options.followerTailShape, options.users - 1);
    users.push({ userId: `@user${index}:sim.test`, utcOffsetHours, dayStart, script, followers: sampleFollowers(graph, count, options.users, index) });
    if (script.length > 0) {
      start = Math.min(start, script[0].at);
      end = Math.max(end, script[script.length - 1].at);
    }
  }
  return { users, followerServers, start: Number.isFinite(start) ? start : SIMULATED_DAY, end: Number.isFinite(end) ? end + HOUR : SIMULATED_DAY + DAY };
}

/** `count` distinct followers out of `pool`, never the user themselves. */
function sampleFollowers(random: () => number, count: number, pool: number, self: number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < count) {
    const follower = Math.floor(random() * pool);
    if (follower !== self) chosen.add(follower);
  }
  return [...chosen];
}
