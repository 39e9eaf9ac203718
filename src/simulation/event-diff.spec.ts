import { compareEvents, type ComparableEvent, sameEvent } from './event-diff.js';

const presence = (sender: string, at: number, presence: string, lastActiveTs = 1_000): ComparableEvent => ({
  sender,
  type: 'm.presence',
  content: { presence, last_active_ts: lastActiveTs, currently_active: presence === 'online' },
  at,
});

const TOLERANCE = { earlierMs: 250, laterMs: 1_000 };

describe('sameEvent', () => {
  it('takes times within the tolerance as the same, and nothing else', () => {
    expect(sameEvent(presence('@a:x', 1_000, 'online'), presence('@a:x', 1_240, 'online', 1_200), TOLERANCE)).toBe(true);
    expect(sameEvent(presence('@a:x', 1_000, 'online'), presence('@a:x', 1_900, 'online'), TOLERANCE)).toBe(true);
    expect(sameEvent(presence('@a:x', 1_000, 'online'), presence('@a:x', 2_100, 'online'), TOLERANCE)).toBe(false);
    expect(sameEvent(presence('@a:x', 1_000, 'online'), presence('@a:x', 700, 'online'), TOLERANCE)).toBe(false);
    expect(sameEvent(presence('@a:x', 1_000, 'online'), presence('@a:x', 1_000, 'online', 1_300), TOLERANCE)).toBe(false);
    expect(sameEvent(presence('@a:x', 1_000, 'online'), presence('@b:x', 1_000, 'online'), TOLERANCE)).toBe(false);
    expect(sameEvent(presence('@a:x', 1_000, 'online'), presence('@a:x', 1_000, 'unavailable'), TOLERANCE)).toBe(false);
    expect(sameEvent(presence('@a:x', 1_000, 'online', 0), presence('@a:x', 1_000, 'online', 100), TOLERANCE)).toBe(false);
    expect(sameEvent({ sender: '@a:x', type: 'm.status', content: {}, at: 0 }, { sender: '@a:x', type: 'm.status', content: { status_msg: 'hi' }, at: 0 }, TOLERANCE)).toBe(false);
  });
});

describe('compareEvents', () => {
  const predicted = [presence('@a:x', 0, 'online'), presence('@b:x', 10, 'online'), presence('@a:x', 2_000, 'unavailable'), presence('@a:x', 5_000, 'offline')];

  it('matches the same events in another interleaving of users', () => {
    const written = [predicted[1], predicted[0], predicted[2], predicted[3]];
    expect(compareEvents(written, predicted, TOLERANCE)).toEqual({ matched: true, common: 4, mismatches: [] });
  });

  it('shows a user whose events differ as a diff, with the event before each difference', () => {
    const written = [predicted[0], predicted[1], presence('@a:x', 2_100, 'busy'), predicted[3]];
    const comparison = compareEvents(written, predicted, TOLERANCE);
    expect(comparison.matched).toBe(false);
    expect(comparison.common).toBe(3);
    expect(comparison.mismatches).toEqual([
      {
        userId: '@a:x',
        lines: [
          '      0.000 s  m.presence {"presence":"online","last_active_ts":1000,"currently_active":true}',
          '-     2.000 s  m.presence {"presence":"unavailable","last_active_ts":1000,"currently_active":false}',
          '+     2.100 s  m.presence {"presence":"busy","last_active_ts":1000,"currently_active":false}',
        ],
      },
    ]);
  });

  it('counts a missing or an extra event as a difference', () => {
    expect(compareEvents(predicted.slice(0, 3), predicted, TOLERANCE).mismatches[0].lines.at(-1)).toMatch(/^- +5\.000 s/);
    expect(compareEvents([...predicted, presence('@b:x', 9_000, 'offline')], predicted, TOLERANCE).mismatches).toEqual([
      { userId: '@b:x', lines: [expect.stringMatching(/^ +0\.010 s/), expect.stringMatching(/^\+ +9\.000 s/)] },
    ]);
  });
});
