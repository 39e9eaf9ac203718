import type { PresenceInput } from '../core/presence-model.js';

/** A deterministic pseudo-random generator (mulberry32), so a simulated day is reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScriptedInput {
  at: number;
  input: PresenceInput;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Session {
  device: string;
  start: number;
  end: number;
  /** Mean time between proactive actions (messages, receipts) while the user is at the device. */
  meanActivityGap: number;
  /** Whether the client reports `unavailable` after 3 minutes without input, as desktop clients do. */
  reportsIdle: boolean;
  /** Spells away from the open device (a meeting, breaks): no input and no activity. */
  away: Array<{ start: number; end: number }>;
}

/** A laptop session's time away from the keyboard: a one-hour meeting for half of them, up to two breaks. */
function awaySpells(random: () => number, start: number, end: number): Session['away'] {
  const away: Session['away'] = [];
  if (random() < 0.5) {
    const meeting = start + random() * (end - start - HOUR);
    away.push({ start: meeting, end: meeting + HOUR });
  }
  const breaks = Math.floor(random() * 3);
  for (let n = 0; n < breaks; n += 1) {
    const spell = start + random() * (end - start - 20 * MINUTE);
    away.push({ start: spell, end: spell + (5 + random() * 15) * MINUTE });
  }
  return away;
}

/**
 * One user's day, as their clients would report it: a workday on a laptop (with a lunch break,
 * meetings and short breaks away from it), short phone sessions, an evening on a tablet for
 * some; each device long-polls /sync every 30 s while open; some users set busy by hand for a
 * meeting. A desktop client's idle report follows the user's input at the device (typing,
 * reading, scrolling), which goes on between the messages they send; it reports idle only when
 * the user has been away for 3 minutes.
 */
export function scriptUserDay(random: () => number, dayStart: number): ScriptedInput[] {
  const sessions: Session[] = [];
  const deviceCount = 1 + Math.floor(random() * 3);
  const at = (hours: number) => dayStart + hours * HOUR + Math.floor(random() * 30 * MINUTE);
  for (const [from, to] of [
    [8.5, 12],
    [13, 17],
  ]) {
    const start = at(from);
    const end = at(to);
    sessions.push({ device: 'laptop', start, end, meanActivityGap: 4 * MINUTE, reportsIdle: true, away: awaySpells(random, start, end) });
  }
  if (deviceCount >= 2) {
    const count = 6 + Math.floor(random() * 7);
    for (let n = 0; n < count; n += 1) {
      const start = dayStart + Math.floor(random() * 16 * HOUR) + 7 * HOUR;
      sessions.push({ device: 'phone', start, end: start + (2 + random() * 13) * MINUTE, meanActivityGap: 90_000, reportsIdle: false, away: [] });
    }
  }
  if (deviceCount >= 3) sessions.push({ device: 'tablet', start: at(20), end: at(21), meanActivityGap: 6 * MINUTE, reportsIdle: false, away: [] });

  const script: ScriptedInput[] = [];
  for (const session of sessions) {
    const awayAt = (time: number) => session.away.find((spell) => time >= spell.start && time < spell.end);
    let nextActivity = session.start + random() * session.meanActivityGap;
    for (let time = session.start; time < session.end; time += 30_000) {
      while (nextActivity < time + 30_000 && nextActivity < session.end) {
        if (!awayAt(nextActivity)) script.push({ at: Math.floor(nextActivity), input: { kind: 'activity', deviceId: session.device } });
        nextActivity += -Math.log(1 - random()) * session.meanActivityGap;
      }
      const away = awayAt(time);
      const idle = session.reportsIdle && away !== undefined && time - away.start > 3 * MINUTE;
      // A long-poll: in flight for 30 s, the next one starting as it returns.
      script.push({ at: time, input: { kind: 'sync', deviceId: session.device, state: idle ? 'unavailable' : 'online' } });
      script.push({ at: Math.min(time + 30_000, session.end), input: { kind: 'sync-end', deviceId: session.device } });
    }
  }
  if (random() < 0.2) {
    const start = at(10);
    script.push({ at: start, input: { kind: 'manual', deviceId: 'laptop', state: 'busy' } });
    script.push({ at: start + HOUR, input: { kind: 'manual', deviceId: 'laptop', state: 'online' } });
  }
  return script.sort((a, b) => a.at - b.at);
}
