import { PRESENCE_POLICIES } from './policies.js';
import type { PresenceInput, PresenceState } from './presence-model.js';
import { DEFAULT_SETTINGS, PresenceScenario } from './presence-scenario.js';

/**
 * `nextChangeAt` is a promise the engine builds on: until then, with the same inputs, the
 * evaluation stands (so the engine keeps the last one instead of evaluating again). Checked over
 * seeded random histories of inputs and pauses, at random moments before each promised change.
 */
const STATES: PresenceState[] = ['online', 'unavailable', 'busy', 'offline'];
const DEVICES = ['LAPTOP', 'PHONE', 'TABLET'];

/** mulberry32: a small seeded generator in 32-bit integer arithmetic, so every run sees the same histories. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function randomInput(next: () => number): PresenceInput {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
  const deviceId = pick(DEVICES);
  switch (Math.floor(next() * 10)) {
    case 0:
      return { kind: 'sync', deviceId, state: pick(['online', 'unavailable'] as const) };
    case 1:
      return { kind: 'sync-end', deviceId };
    case 2:
      return { kind: 'manual', deviceId, state: pick(STATES) };
    case 3:
      return { kind: 'clear-manual' };
    case 4:
      return { kind: 'appear-offline', enabled: next() < 0.5 };
    case 5:
      return { kind: 'device-report', deviceId, state: pick(STATES) };
    case 6:
      return { kind: 'activity', deviceId };
    case 7:
      return { kind: 'login' };
    case 8:
      // Busy reports more often, so that many histories hold a busy device that does not sync.
      return { kind: 'device-report', deviceId, state: 'busy' };
    default:
      return { kind: 'status', statusMsg: pick([null, '', 'lunch', 'in a meeting']) };
  }
}

/** The defaults, and a busy timeout shorter than the sync timeout (a busy device then lives by its requests). */
const SETTINGS = [
  { name: 'default timers', settings: DEFAULT_SETTINGS },
  { name: 'a short busy timeout', settings: { ...DEFAULT_SETTINGS, busyTimeoutMs: 5_000 } },
];

describe.each(Object.values(PRESENCE_POLICIES))('next change of the $name policy', (policy) => {
  it.each(SETTINGS)('is when the evaluation can first differ, with $name: before it, with the same inputs, it stands', ({ settings }) => {
    const pauses = [0, 1, 500, 5_000, 20_000, 30_000, 61_000, 300_000, 1_800_000, 3_599_999, 3_600_000];
    for (let seed = 1; seed <= 200; seed += 1) {
      const next = random(seed);
      const scenario = new PresenceScenario(policy, settings);
      for (let step = 0; step < 40; step += 1) {
        scenario.apply(randomInput(next)).advance(pauses[Math.floor(next() * pauses.length)]);
        const evaluation = scenario.evaluation;
        const until = evaluation.nextChangeAt ?? scenario.now + 10 * DEFAULT_SETTINGS.busyTimeoutMs;
        expect(until).toBeGreaterThan(scenario.now);
        // Moments strictly before the promised change (now + 1 is that change when it is 1 ms away).
        const moments = [scenario.now + 1, until - 1, scenario.now + Math.floor(next() * (until - scenario.now))].filter((at) => at < until);
        for (const at of moments) {
          expect(policy.evaluate(scenario.inputs, at, settings)).toEqual(evaluation);
        }
      }
    }
  });
});
