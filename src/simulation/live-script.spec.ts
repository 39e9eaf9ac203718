import type { ScriptedInput } from '../presence/simulation/day-script.js';
import { busiestWindow, clearOf, deadlineKeepout, devicesOf, liveOperations } from './live-script.js';

const MINUTE = 60_000;

describe('busiestWindow', () => {
  it('starts on the whole minute whose window holds the most inputs', () => {
    const activity = (at: number): ScriptedInput => ({ at, input: { kind: 'activity', deviceId: 'laptop' } });
    const scripts = [[activity(30_000), activity(10 * MINUTE + 5)], [activity(11 * MINUTE), activity(12 * MINUTE), activity(40 * MINUTE)]];
    expect(busiestWindow(scripts, 5 * MINUTE)).toEqual({ start: 8 * MINUTE, end: 13 * MINUTE });
  });
});

describe('liveOperations', () => {
  const window = { start: 10 * MINUTE, end: 20 * MINUTE };
  const script: ScriptedInput[] = [
    // A poll in flight as the window opens: left out, its end too.
    { at: 9.5 * MINUTE, input: { kind: 'sync', deviceId: 'phone', state: 'online' } },
    { at: 10 * MINUTE + 1_000, input: { kind: 'sync-end', deviceId: 'phone' } },
    { at: 10 * MINUTE + 3_000, input: { kind: 'sync', deviceId: 'laptop', state: 'unavailable' } },
    { at: 10 * MINUTE + 4_500, input: { kind: 'activity', deviceId: 'laptop' } },
    { at: 10 * MINUTE + 33_000, input: { kind: 'sync-end', deviceId: 'laptop' } },
    { at: 12 * MINUTE, input: { kind: 'status', statusMsg: 'Out for lunch' } },
    // Cut at the window's end.
    { at: 19.5 * MINUTE, input: { kind: 'sync', deviceId: 'tablet', state: 'online' } },
    { at: 20 * MINUTE + 30_000, input: { kind: 'sync-end', deviceId: 'tablet' } },
    { at: 21 * MINUTE, input: { kind: 'activity', deviceId: 'tablet' } },
  ];

  it('makes each sync and its end one long-poll, with times from the window start divided by the scale', () => {
    expect(liveOperations(script, window, 30)).toEqual([
      { at: 100, kind: 'poll', deviceId: 'laptop', state: 'unavailable', until: 1_100 },
      { at: 150, kind: 'request', input: { kind: 'activity', deviceId: 'laptop' } },
      { at: 4_000, kind: 'request', input: { kind: 'status', statusMsg: 'Out for lunch' } },
      { at: 19_000, kind: 'poll', deviceId: 'tablet', state: 'online', until: 20_000 },
    ]);
  });

  it('lists the devices the operations use', () => {
    expect(devicesOf(liveOperations(script, window, 30))).toEqual(['laptop', 'tablet']);
  });
});

describe('clearOf', () => {
  it('keeps a time outside every keep-out span, moving it past overlapping ones', () => {
    const spans = [
      { from: 100, to: 200 },
      { from: 150, to: 300 },
      { from: 500, to: 600 },
    ];
    expect(clearOf(50, spans)).toBe(50);
    expect(clearOf(120, spans)).toBe(301);
    expect(clearOf(400, spans)).toBe(400);
    expect(clearOf(600, spans)).toBe(601);
  });

  it('keeps an input off a deadline from a margin before it until a tick and a margin after its slot', () => {
    const span = deadlineKeepout(1_020, 50, 100);
    expect(span).toEqual({ from: 920, to: 1_200 });
    expect(clearOf(919, [span])).toBe(919);
    expect(clearOf(1_000, [span])).toBe(1_201);
  });
});
