import type { PresenceView } from '../presence/core/presence-model.js';
import type { WrittenEvent } from './engine-run.js';
import { modelFigures } from './measure.js';
import { modelSettings, QUICK_GRID } from './models.js';
import type { Population } from './population.js';
import { storedEventBytes } from './wire-sizes.js';

const view = (presence: PresenceView['presence'], currentlyActive: boolean, statusMsg: string | null = null): PresenceView => ({ presence, currentlyActive, lastActiveTs: 1000, statusMsg });
const written = (at: number, kind: WrittenEvent['kind'], next: PresenceView, previous: PresenceView | null, lag: number): WrittenEvent => ({ at, kind, view: next, previous, lag });

describe('figures of a model over a population', () => {
  // @a is followed by followers 0, 1 and 2; @b by 2 alone: three followers follow anyone.
  const population: Population = {
    users: [
      { userId: '@a:sim.test', utcOffsetHours: 0, dayStart: 0, script: [], followers: [0, 1, 2] },
      { userId: '@b:sim.test', utcOffsetHours: 0, dayStart: 0, script: [], followers: [2] },
    ],
    followerServers: [0, 1, 1],
    start: 0,
    end: 100_000,
  };
  const online = view('online', true);
  const lapsed = view('online', false);
  const perUser = [
    [
      written(0, 'presence', online, null, 0),
      written(10_000, 'presence', lapsed, online, 4000),
      // Active again 30 s later: the lapse flip-flopped.
      written(40_000, 'presence', online, lapsed, 2000),
    ],
    [written(5000, 'presence', online, null, 0), written(5000, 'status', view('online', true, 'lunch'), online, 0)],
  ];
  const setting = modelSettings(QUICK_GRID).find((candidate) => candidate.model === 'pdu-msc3032' && candidate.isDefault)!;
  const figures = modelFigures(population, setting, perUser, [2, 3]);

  it('counts events per active user-hour, by cause', () => {
    expect(figures.activeUserHours).toBe(5);
    expect(figures.updates).toBe(5);
    expect(figures.updatesPerActiveUserHour).toBe(1);
    expect(figures.byCausePerActiveUserHour).toMatchObject({ online: 0.4, active_lapse: 0.2, active_again: 0.2, status: 0.2, offline: 0, last_active: 0 });
    expect(figures.flipFlops).toBe(1);
    expect(figures.flipFlopsPerActiveUserHour).toBe(0.2);
  });

  it('delivers each event to each follower of its user, per follower who follows anyone', () => {
    // @a's 3 events to 3 followers, @b's 2 to 1: 11 deliveries over 3 followers.
    expect(figures.deliveriesPerFollowerDay).toBeCloseTo(11 / 3);
    const bytes = perUser.map((updates, index) => updates.reduce((sum, u) => sum + storedEventBytes(population.users[index].userId, u.kind, u.view, u.previous, u.at), 0));
    expect(figures.storedBytesPerUserDay).toBeCloseTo((bytes[0] + bytes[1]) / 2);
    expect(figures.deliveredBytesPerFollowerDay).toBeCloseTo((bytes[0] * 3 + bytes[1]) / 3);
  });

  it('reports lag percentiles and maximum in seconds', () => {
    // Lags 0, 4, 2, 0, 0 s: p50 is 0, p95 and max 4.
    expect([figures.lagP50, figures.lagP95, figures.lagMax]).toEqual([0, 4, 4]);
  });

  it('persists nothing for the EDU model, which still delivers', () => {
    const edu = modelSettings(QUICK_GRID).find((candidate) => candidate.model === 'edu-legacy')!;
    const eduFigures = modelFigures(population, edu, perUser, [2, 3]);
    expect(eduFigures.storedBytesPerUserDay).toBe(0);
    expect(eduFigures.deliveriesPerFollowerDay).toBeCloseTo(11 / 3);
    expect(eduFigures.federation.joinEvents).toBe(0);
  });
});
