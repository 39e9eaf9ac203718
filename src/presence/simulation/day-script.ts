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
}

/**
 * One user's day, as their clients would report it: a workday on a laptop (with meetings
 * without input and a lunch break), short phone sessions, an evening on a tablet for some; each
 * device long-polls /sync every 30 s while open; some users set busy by hand for a meeting.
 */
export function scriptUserDay(random: () => number, dayStart: number): ScriptedInput[] {
  const sessions: Session[] = [];
  const deviceCount = 1 + Math.floor(random() * 3);
  const at = (hours: number) => dayStart + hours * HOUR + Math.floor(random() * 30 * MINUTE);
  sessions.push({ device: 'laptop', start: at(8.5), end: at(12), meanActivityGap: 4 * MINUTE, reportsIdle: true });
  sessions.push({ device: 'laptop', start: at(13), end: at(17), meanActivityGap: 4 * MINUTE, reportsIdle: true });
  if (deviceCount >= 2) {
    const count = 6 + Math.floor(random() * 7);
    for (let n = 0; n < count; n += 1) {
      const start = dayStart + Math.floor(random() * 16 * HOUR) + 7 * HOUR;
      sessions.push({ device: 'phone', start, end: start + (2 + random() * 13) * MINUTE, meanActivityGap: 90_000, reportsIdle: false });
    }
  }
  if (deviceCount >= 3) sessions.push({ device: 'tablet', start: at(20), end: at(21), meanActivityGap: 6 * MINUTE, reportsIdle: false });

  const script: ScriptedInput[] = [];
  for (const session of sessions) {
    let nextActivity = session.start + random() * session.meanActivityGap;
    let lastActivity = session.start;
    let reportedIdle = false;
    // A meeting: an hour without input at the laptop.
    const meetingStart = session.device === 'laptop' && random() < 0.5 ? session.start + random() * (session.end - session.start - HOUR) : -1;
    for (let time = session.start; time < session.end; time += 30_000) {
      while (nextActivity < time + 30_000 && nextActivity < session.end) {
        const inMeeting = meetingStart > 0 && nextActivity >= meetingStart && nextActivity < meetingStart + HOUR;
        if (!inMeeting) {
          script.push({ at: Math.floor(nextActivity), input: { kind: 'activity', deviceId: session.device } });
          lastActivity = nextActivity;
          reportedIdle = false;
        }
        nextActivity += -Math.log(1 - random()) * session.meanActivityGap;
      }
      const idle = session.reportsIdle && time - lastActivity > 3 * MINUTE;
      if (idle !== reportedIdle) reportedIdle = idle;
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
