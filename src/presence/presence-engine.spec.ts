import fc from 'fast-check';
import { msc3032Policy } from './core/msc3032.policy.js';
import { PRESENCE_POLICIES } from './core/policies.js';
import { EMPTY_INPUTS, type PresenceInput, type PresencePolicy, type PresenceState } from './core/presence-model.js';
import { sameView } from './core/presence-rules.js';
import { DEFAULT_SETTINGS } from './core/presence-scenario.js';
import type { PacingSettings } from './core/publication-pacing.js';
import { PresenceEngine, type Publication } from './presence-engine.js';
import { TrackedPresence } from './tracked-presence.js';

/** The pacing of the default configuration (app-config.ts). */
const DEFAULTS: PacingSettings = {
  maxLagMs: 60_000,
  minIntervalMs: 0,
  settleMs: 60_000,
  offlineGraceMs: 0,
  publishActivityLapses: true,
  publishActivityBlips: false,
  lastActiveGranularityMs: DEFAULT_SETTINGS.lastActiveGranularityMs,
};
const USER = '@alice:localhost';
const OTHER = '@bob:localhost';
const TICK = 1000;

/** An engine on a fake clock, swept whenever its wheel falls due, as PresenceService's ticker would. */
class Drive {
  readonly clock = { time: 1_700_000_000_000, now: () => this.clock.time };
  readonly engine: PresenceEngine;
  readonly published: Array<Publication & { at: number }> = [];
  /** Called after each sweep, at the time the wheel fell due. */
  onSweep: () => void = () => {};

  constructor(
    pacing: Partial<PacingSettings> = {},
    readonly policy: PresencePolicy = msc3032Policy,
  ) {
    this.engine = new PresenceEngine(policy, DEFAULT_SETTINGS, { ...DEFAULTS, ...pacing }, this.clock, TICK);
  }

  /** Moves the clock to `at`, sweeping at each time the wheel falls due on the way. */
  until(at: number): this {
    for (let due = this.engine.nextDueAt(); due !== null && due <= at; due = this.engine.nextDueAt()) {
      this.clock.time = Math.max(this.clock.time, due);
      for (const publication of this.engine.sweep()) this.published.push({ ...publication, at: this.clock.time });
      this.onSweep();
    }
    this.clock.time = Math.max(this.clock.time, at);
    return this;
  }

  advance(ms: number): this {
    return this.until(this.clock.time + ms);
  }

  apply(...inputs: PresenceInput[]): this {
    const { publication } = this.engine.apply(USER, inputs);
    if (publication) this.published.push({ ...publication, at: this.clock.time });
    return this;
  }

  /** What others see now, and what the rules say they should see. */
  get seen() {
    return this.engine.view(USER, OTHER);
  }

  get truth() {
    const tracked = this.engine.tracked(USER);
    return tracked ? this.policy.evaluate(tracked.inputs, this.clock.time, DEFAULT_SETTINGS).forOthers : this.seen;
  }
}

const STATES: PresenceState[] = ['online', 'unavailable', 'busy', 'offline'];
const DEVICES = ['LAPTOP', 'PHONE'];
const input: fc.Arbitrary<PresenceInput> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sync' as const), deviceId: fc.constantFrom(...DEVICES), state: fc.constantFrom('online' as const, 'unavailable' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sync-end' as const), deviceId: fc.constantFrom(...DEVICES) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('activity' as const), deviceId: fc.constantFrom(...DEVICES) }) },
  fc.record({ kind: fc.constant('device-report' as const), deviceId: fc.constantFrom(...DEVICES), state: fc.constantFrom(...STATES) }),
  fc.record({ kind: fc.constant('manual' as const), deviceId: fc.constantFrom(...DEVICES), state: fc.constantFrom(...STATES) }),
  fc.constant({ kind: 'clear-manual' as const }),
  fc.record({ kind: fc.constant('appear-offline' as const), enabled: fc.boolean() }),
  fc.record({ kind: fc.constant('status' as const), statusMsg: fc.constantFrom(null, 'lunch') }),
);
/** Pauses around the timers that matter: the tick, the sync timeout, the granularity, the bound, the idle timeout. */
const pause = fc.constantFrom(0, 300, 1000, 15_000, 29_500, 45_000, 59_900, 61_000, 90_000, 200_000, 330_000);
const history = fc.array(fc.tuple(pause, input), { minLength: 5, maxLength: 30 });

/**
 * Plays a history, checking at every input, every sweep and every second between that what
 * others see matches the truth or has differed for no longer than the bound; returns the longest
 * difference seen.
 */
function longestDifference(drive: Drive, steps: Array<[number, PresenceInput]>, bound: number): number {
  let differsSince: number | null = null;
  let longest = 0;
  const check = () => {
    if (sameView(drive.seen, drive.truth)) differsSince = null;
    else differsSince ??= drive.clock.time;
    if (differsSince !== null) longest = Math.max(longest, drive.clock.time - differsSince);
    expect(longest).toBeLessThanOrEqual(bound);
  };
  drive.onSweep = check;
  for (const [gap, next] of [...steps, [bound * 3, null] as const]) {
    const end = drive.clock.time + gap;
    while (drive.clock.time < end) {
      drive.until(Math.min(end, drive.clock.time + 1000));
      check();
    }
    if (next) drive.apply(next);
    check();
  }
  return longest;
}

describe('PresenceEngine publication lag', () => {
  it.each(Object.values(PRESENCE_POLICIES))('never lets what others see differ from the truth for more than 60 s ($name policy, defaults)', (policy) => {
    let worst = 0;
    fc.assert(
      fc.property(history, (steps) => {
        worst = Math.max(worst, longestDifference(new Drive({}, policy), steps, 60_000));
      }),
      { seed: 15, numRuns: 40 },
    );
    // The histories did hold changes back: the property is not met by writing everything at once.
    expect(worst).toBeGreaterThan(30_000);
  });

  it.each([
    ['lapses written', { publishActivityLapses: true }],
    ['lapses derived', { publishActivityLapses: false }],
    ['blips written', { publishActivityBlips: true }],
    ['offline grace', { offlineGraceMs: 45_000 }],
    ['a minimum interval', { minIntervalMs: 20_000, settleMs: 10_000 }],
    ['a 20 s bound', { maxLagMs: 20_000, settleMs: 20_000 }],
  ])('keeps to its bound with %s', (_name, pacing: Partial<PacingSettings>) => {
    const bound = pacing.maxLagMs ?? DEFAULTS.maxLagMs;
    fc.assert(
      fc.property(history, (steps) => {
        longestDifference(new Drive(pacing), steps, bound);
      }),
      { seed: 16, numRuns: 15 },
    );
  });

  it('writes each publication no later than the bound after the change began', () => {
    fc.assert(
      fc.property(history, (steps) => {
        const drive = new Drive();
        longestDifference(drive, steps, 60_000);
        for (const publication of drive.published) expect(publication.at - publication.changedAt).toBeLessThanOrEqual(60_000);
      }),
      { seed: 17, numRuns: 30 },
    );
  });

  it('writes a folded burst before the bound when a device times out just as the burst lapses', () => {
    // Activity at 230.3 s lapses at 290.3 s, the bound. The phone's last sync ends at 260.3 s, so it
    // times out at 290.3 s too: the burst is not undone but turns into offline, which the wheel
    // notices only at 291 s.
    const phone = { kind: 'sync' as const, deviceId: 'PHONE', state: 'online' as const };
    const drive = new Drive().apply(phone).advance(230_300).apply({ kind: 'activity', deviceId: 'PHONE' });
    longestDifference(drive, [[30_000, { kind: 'sync-end', deviceId: 'PHONE' }]], 60_000);
    expect(drive.seen.presence).toBe('offline');
    for (const publication of drive.published) expect(publication.at - publication.changedAt).toBeLessThanOrEqual(60_000);
  });

  it('keeps to the bound for several users in one engine whose timeouts line up with their lapses', () => {
    // Off the tick, with pauses that make a sync timeout fall on a lapse (a sync ending 30 s after activity).
    const deviceInput: fc.Arbitrary<PresenceInput> = fc.oneof(
      fc.record({ kind: fc.constantFrom('sync-end' as const, 'activity' as const), deviceId: fc.constantFrom(...DEVICES) }),
      fc.record({ kind: fc.constant('sync' as const), deviceId: fc.constantFrom(...DEVICES), state: fc.constant('online' as const) }),
    );
    const step = fc.tuple(fc.constantFrom(0, 300, 30_000, 60_000, 90_000, 200_000), fc.constantFrom(USER, OTHER), deviceInput);
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 40 }), (steps) => {
        const drive = new Drive();
        drive.clock.time += 337;
        for (const [pause, userId, next] of steps) {
          const { publication } = drive.advance(pause).engine.apply(userId, [next]);
          if (publication) drive.published.push({ ...publication, at: drive.clock.time });
        }
        drive.advance(300_000);
        for (const publication of drive.published) expect(publication.at - publication.changedAt).toBeLessThanOrEqual(60_000);
      }),
      { seed: 18, numRuns: 300 },
    );
  });
});

describe('PresenceEngine pacing switches', () => {
  const sync = (deviceId = 'LAPTOP') => ({ kind: 'sync' as const, deviceId, state: 'online' as const });
  const activity = { kind: 'activity' as const, deviceId: 'LAPTOP' };
  const shape = (drive: Drive) => drive.published.map((p) => [p.view.presence, p.view.currentlyActive, p.at - p.changedAt]);

  it('keeps a user who stays active currently active for others, with no event after the first', () => {
    const drive = new Drive().apply(sync());
    drive.onSweep = () => expect(drive.seen.currentlyActive).toBe(true);
    for (let step = 0; step < 20; step += 1) {
      drive.advance(30_000).apply(activity);
      expect(drive.seen.currentlyActive).toBe(true);
    }
    expect(shape(drive)).toEqual([['online', true, 0]]);
  });

  it('without PRESENCE_PUBLISH_ACTIVITY_LAPSES writes nothing when currently_active lapses; every reader derives it from last_active_ts', () => {
    const drive = new Drive({ publishActivityLapses: false }).apply(sync());
    drive.advance(59_000);
    expect(drive.seen.currentlyActive).toBe(true);
    drive.advance(2000);
    expect(drive.seen).toMatchObject({ presence: 'online', currentlyActive: false });
    expect(shape(drive)).toEqual([['online', true, 0]]);
  });

  it('with lapses derived, refreshes last_active_ts a tick before readers would derive a false lapse, and only then', () => {
    const drive = new Drive({ publishActivityLapses: false }).apply(sync());
    drive.onSweep = () => expect(sameView(drive.seen, drive.truth)).toBe(true);
    for (let step = 0; step < 10; step += 1) {
      drive.advance(25_000).apply(activity);
      expect(sameView(drive.seen, drive.truth)).toBe(true);
    }
    // Activity stops: the derived lapse is the true one (idling later settles as usual).
    drive.advance(70_000);
    expect(drive.seen.currentlyActive).toBe(false);
    drive.onSweep = () => {};
    drive.advance(300_000);
    const kinds = drive.published.map((p) => (p.refresh ? 'refresh' : p.view.presence));
    // One refresh per granularity while active (activity every 25 s), none once activity stops.
    expect(kinds[0]).toBe('online');
    expect(kinds.filter((kind) => kind === 'refresh').length).toBeGreaterThanOrEqual(4);
    expect(kinds.filter((kind) => kind === 'refresh').length).toBeLessThanOrEqual(5);
    for (const publication of drive.published.filter((p) => p.refresh)) {
      expect(publication.previous!.lastActiveTs + DEFAULTS.lastActiveGranularityMs - publication.at).toBeGreaterThan(0);
      expect(publication.previous!.lastActiveTs + DEFAULTS.lastActiveGranularityMs - publication.at).toBeLessThanOrEqual(2 * TICK);
    }
  });

  it('with lapses derived, reports each derived lapse once, for live channels that do not derive', () => {
    const drive = new Drive({ publishActivityLapses: false }).apply(sync());
    expect(drive.engine.takeDerivedChanges()).toEqual([]);
    drive.advance(59_000);
    expect(drive.engine.takeDerivedChanges()).toEqual([]);
    drive.advance(2000);
    expect(drive.engine.takeDerivedChanges()).toEqual([USER]);
    drive.advance(120_000);
    expect(drive.engine.takeDerivedChanges()).toEqual([]);
    // Written lapses are publications, not derived changes.
    const written = new Drive().apply(sync()).advance(200_000);
    expect(written.engine.takeDerivedChanges()).toEqual([]);
  });

  it('with lapses derived, reports at restore a lapse readers derived while the server was down', () => {
    const drive = new Drive({ publishActivityLapses: false });
    const published = { presence: 'online' as const, currentlyActive: true, lastActiveTs: drive.clock.time - 120_000, statusMsg: null };
    drive.engine.restore(new TrackedPresence(USER, EMPTY_INPUTS, published));
    expect(drive.engine.takeDerivedChanges()).toEqual([USER]);
    const fresh = new Drive({ publishActivityLapses: false });
    fresh.engine.restore(new TrackedPresence(USER, EMPTY_INPUTS, { ...published, lastActiveTs: fresh.clock.time - 1000 }));
    expect(fresh.engine.takeDerivedChanges()).toEqual([]);
  });

  it('by default writes the lapse of currently_active once it has settled, within the bound', () => {
    const drive = new Drive().apply(sync()).advance(200_000);
    expect(shape(drive)).toEqual([
      ['online', true, 0],
      ['online', false, 60_000],
    ]);
  });

  it('with lapses derived, folds away one burst of activity that lapses within the bound, and writes a longer one at once', () => {
    const drive = new Drive({ publishActivityLapses: false }).apply(sync()).advance(120_000);
    drive.apply(activity).advance(30_000);
    // Others see the user not currently active for the blip's minute: as if written at its end.
    expect(drive.seen.currentlyActive).toBe(false);
    drive.advance(60_000).apply(activity).advance(20_000);
    expect(shape(drive)).toEqual([['online', true, 0]]);
    drive.apply(activity);
    expect(shape(drive)).toEqual([
      ['online', true, 0],
      ['online', true, 20_000],
    ]);
    expect(drive.seen.currentlyActive).toBe(true);
  });

  it('with lapses written, folds away a burst that lapses within the bound: neither its return nor its lapse is written', () => {
    const drive = new Drive().apply(sync()).advance(200_000);
    expect(shape(drive)).toEqual([
      ['online', true, 0],
      ['online', false, 60_000],
    ]);
    drive.apply(activity).advance(30_000);
    expect(drive.seen.currentlyActive).toBe(false);
    drive.advance(100_000);
    expect(shape(drive)).toHaveLength(2);
    // Two bursts 20 s apart stay active past the bound: written at once, and their lapse once settled.
    drive.apply(activity).advance(20_000).apply(activity).advance(200_000);
    expect(shape(drive).slice(2)).toEqual([
      ['online', true, 20_000],
      ['online', false, 60_000],
    ]);
    const written = new Drive({ publishActivityBlips: true }).apply(sync()).advance(200_000).apply(activity).advance(200_000);
    expect(shape(written)).toHaveLength(4);
  });

  it('with PRESENCE_PUBLISH_ACTIVITY_BLIPS writes each return to currently active at once', () => {
    const drive = new Drive({ publishActivityLapses: false, publishActivityBlips: true }).apply(sync()).advance(120_000).apply(activity);
    expect(shape(drive)).toEqual([
      ['online', true, 0],
      ['online', true, 0],
    ]);
  });

  it('writes going offline at once by default, and after PRESENCE_OFFLINE_GRACE_MS unless a device bridges the gap (lapses derived)', () => {
    const end = { kind: 'sync-end' as const, deviceId: 'LAPTOP' };
    const immediate = new Drive().apply(sync()).advance(10_000).apply(end).advance(120_000);
    expect(shape(immediate).at(-1)).toEqual(['offline', false, expect.any(Number)]);
    expect(immediate.published.at(-1)!.at - immediate.published.at(-1)!.changedAt).toBeLessThan(TICK);

    const bridged = new Drive({ offlineGraceMs: 45_000, publishActivityLapses: false }).apply(sync()).advance(10_000).apply(end).advance(60_000);
    expect(bridged.seen.presence).toBe('online');
    // Readers never see the gap; the phone coming back is activity, written as such.
    bridged.apply(sync('PHONE')).advance(120_000);
    expect(shape(bridged)).toEqual([
      ['online', true, 0],
      ['online', true, 30_000],
    ]);

    const gone = new Drive({ offlineGraceMs: 45_000, publishActivityLapses: false }).apply(sync()).advance(10_000).apply(end).advance(120_000);
    expect(shape(gone).at(-1)).toEqual(['offline', false, 45_000]);
  });

  it('lets idling settle for PRESENCE_SETTLE_MS, so a pause undone within it writes nothing (lapses derived, to show idling alone)', () => {
    // Idle from 300 s, back at 330 s: never written as unavailable; the activity is (readers lag since 300 s).
    const paused = new Drive({ publishActivityLapses: false }).apply(sync()).advance(330_000).apply(activity).advance(10_000);
    expect(shape(paused)).toEqual([
      ['online', true, 0],
      ['online', true, 30_000],
    ]);
    const idle = new Drive({ publishActivityLapses: false }).apply(sync()).advance(400_000);
    expect(shape(idle)).toEqual([
      ['online', true, 0],
      ['unavailable', false, 60_000],
    ]);
  });
});
