import { legacyPolicy } from '../presence/core/legacy.policy.js';
import { msc3032Policy } from '../presence/core/msc3032.policy.js';
import { DEFAULT_SETTINGS } from '../presence/core/presence-scenario.js';
import { replayDay } from '../presence/simulation/presence-cost.js';
import { presenceEventCause } from '../presence/core/publication-pacing.js';
import { runEngine } from './engine-run.js';
import { DEFAULT_PACING } from './models.js';
import { buildPopulation } from './population.js';

const population = buildPopulation({ users: 12, seed: 11, servers: 3, minFollowers: 2, followerTailShape: 1.2 });
const scripts = new Map(population.users.map((user) => [user.userId, user.script]));

describe.each([
  ['msc3032', msc3032Policy, DEFAULT_SETTINGS],
  ['legacy', legacyPolicy, { ...DEFAULT_SETTINGS, syncIsActivity: true }],
])('the population run through one engine, %s policy', (_name, policy, settings) => {
  it.each([
    ['default pacing', DEFAULT_PACING],
    ['every change at once', { ...DEFAULT_PACING, settleMs: 0, publishActivityBlips: true }],
    ['derived lapses, 5 min settle', { ...DEFAULT_PACING, publishActivityLapses: false, maxLagMs: 300_000, settleMs: 300_000 }],
  ])('publishes for each user what the single-user replay does, event for event (%s)', (_pacingName, pacing) => {
    const runs = runEngine(policy, settings, pacing, scripts, population.end);
    let events = 0;
    let statusEvents = 0;
    for (const [userId, script] of scripts) {
      const run = runs.get(userId)!;
      const replay = replayDay(policy, settings, pacing, script, population.end);
      const presence = run.events.filter((event) => event.kind === 'presence');
      expect(presence.length).toBe(replay.presenceEvents);
      expect(run.events.length - presence.length).toBe(replay.statusEvents);
      // The replay has one lag per publication; a publication writing both events has the same lag on each.
      const publications = run.events.filter((event, index) => !(event.kind === 'status' && run.events[index - 1]?.at === event.at && run.events[index - 1]?.kind === 'presence'));
      expect(publications.map((event) => event.lag)).toEqual(replay.lags);
      for (const cause of Object.keys(replay.byCause)) {
        expect(presence.filter((event) => presenceEventCause(event.previous, event.view, event.refresh) === cause).length).toBe(replay.byCause[cause as keyof typeof replay.byCause]);
      }
      events += run.events.length;
      statusEvents += run.events.length - presence.length;
    }
    expect(events).toBeGreaterThan(statusEvents);
    expect(statusEvents).toBeGreaterThan(0);
  });
});
