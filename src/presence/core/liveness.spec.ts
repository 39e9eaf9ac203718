import { legacyPolicy } from './legacy.policy.js';
import { msc3032Policy } from './msc3032.policy.js';
import type { PresenceState } from './presence-model.js';
import { DEFAULT_SETTINGS, PresenceScenario } from './presence-scenario.js';

/**
 * Device liveness and activity (PRODUCT.md 11.1, 11.2, 11.13, 11.14), on a fake clock, for the
 * default policy and for the legacy (Synapse) one where Synapse behaves the same way.
 */
const { syncOnlineTimeoutMs, busyTimeoutMs } = DEFAULT_SETTINGS;
const sync = (deviceId: string, state: 'online' | 'unavailable' = 'online') => [
  { kind: 'sync' as const, deviceId, state },
  { kind: 'sync-end' as const, deviceId },
];
const login = { kind: 'login' as const };
const manual = (deviceId: string, state: PresenceState) => ({ kind: 'manual' as const, deviceId, state });
const report = (deviceId: string, state: PresenceState) => ({ kind: 'device-report' as const, deviceId, state });

describe('msc3032 policy: liveness and activity', () => {
  let scenario: PresenceScenario;

  beforeEach(() => {
    scenario = new PresenceScenario(msc3032Policy);
  });

  describe('registering and logging in (11.2)', () => {
    it('sets last_active_ts, so a user who never sends anything still has one, without making the device live', () => {
      const signedIn = scenario.now;
      scenario.apply(login);
      expect(scenario.others).toMatchObject({ presence: 'offline', lastActiveTs: signedIn });
      // Presence starts with the device's first sync or report (one syncing with set_presence=offline says nothing).
      expect(scenario.inputs.devices).toEqual([]);
      expect(scenario.evaluation.nextChangeAt).toBeNull();
      scenario.advance(busyTimeoutMs);
      expect(scenario.others.lastActiveTs).toBe(signedIn);
    });

    it('lets the first sync after it count as activity as before, and hides a sign-in while the user appears offline', () => {
      const signedIn = scenario.now;
      scenario.apply(login).advance(1_000).apply(...sync('PHONE'));
      expect(scenario.others).toMatchObject({ presence: 'online', currentlyActive: true, lastActiveTs: signedIn + 1_000 });
      scenario.apply({ kind: 'appear-offline', enabled: true }).advance(1_000).apply(login);
      expect(scenario.others.lastActiveTs).toBe(signedIn + 1_000);
      expect(scenario.self.lastActiveTs).toBe(scenario.now);
    });
  });

  describe('a manual busy or unavailable needs a live device (11.13, the recorded decision)', () => {
    it.each(['busy', 'unavailable'] as const)('is offline with no live device, and %s again when a device returns', (state) => {
      scenario.apply(...sync('LAPTOP'), manual('LAPTOP', state)).advance(syncOnlineTimeoutMs);
      expect(scenario.others.presence).toBe('offline');
      expect(scenario.self.presence).toBe('offline');
      // Signing in on another device is no return: the device must sync or report.
      scenario.advance(busyTimeoutMs).apply(login);
      expect(scenario.others.presence).toBe('offline');
      scenario.apply(report('PHONE', 'busy'));
      expect(scenario.others.presence).toBe(state);
      // The phone's busy report keeps it live without syncing, so the choice holds until it lapses.
      scenario.advance(busyTimeoutMs - 1);
      expect(scenario.others.presence).toBe(state);
      scenario.advance(1);
      expect(scenario.others.presence).toBe('offline');
    });

    // Already the behaviour before busy devices outlived the sync timeout; kept as the statement of the decision.
    it('applies the manual choice again when a device syncs or reports, and never idles it', () => {
      scenario.apply(...sync('LAPTOP'), manual('LAPTOP', 'unavailable')).advance(syncOnlineTimeoutMs);
      expect(scenario.others.presence).toBe('offline');
      scenario.apply(report('PHONE', 'online'));
      expect(scenario.others.presence).toBe('unavailable');
      scenario.apply(manual('PHONE', 'busy'));
      scenario.syncFor('PHONE', 'online', 600_000);
      expect(scenario.others.presence).toBe('busy');
    });
  });

  describe('a device that reports busy (11.14)', () => {
    it('stays live without syncing until the busy timeout, then its report lapses and the device drops out', () => {
      scenario.apply(login, report('PHONE', 'busy'));
      const reportedAt = scenario.now;
      scenario.advance(busyTimeoutMs - 1);
      expect(scenario.others.presence).toBe('busy');
      expect(scenario.evaluation.nextChangeAt).toBe(reportedAt + busyTimeoutMs);
      scenario.advance(1);
      expect(scenario.others.presence).toBe('offline');
      expect(scenario.evaluation.nextChangeAt).toBeNull();
      // A busy timeout shorter than the sync timeout leaves the device the sync timeout.
      const short = new PresenceScenario(msc3032Policy, { ...DEFAULT_SETTINGS, busyTimeoutMs: 5_000 });
      short.apply(report('PHONE', 'busy')).advance(5_000);
      expect(short.others.presence).toBe('online');
      short.advance(syncOnlineTimeoutMs - 5_000);
      expect(short.others.presence).toBe('offline');
    });

    it('is renewed by a repeated report, and a request just before the lapse keeps the device the sync timeout after it', () => {
      scenario.apply(report('PHONE', 'busy')).advance(busyTimeoutMs - 1_000).apply(report('PHONE', 'busy'));
      scenario.advance(busyTimeoutMs - 1_000);
      expect(scenario.others.presence).toBe('busy');
      scenario.apply({ kind: 'activity', deviceId: 'PHONE' }).advance(1_000);
      expect(scenario.others.presence).toBe('online');
      scenario.advance(syncOnlineTimeoutMs - 1_000);
      expect(scenario.others.presence).toBe('offline');
    });

    it('is a live device for the manual layer: a manual choice still applies after the other devices drop out', () => {
      scenario.apply(...sync('LAPTOP'), manual('LAPTOP', 'unavailable'), report('PHONE', 'busy')).advance(busyTimeoutMs / 2);
      expect(scenario.others.presence).toBe('unavailable');
      scenario.apply({ kind: 'clear-manual' }).advance(busyTimeoutMs / 2 - 1);
      expect(scenario.others.presence).toBe('busy');
    });
  });
});

describe('legacy (Synapse) policy: liveness and activity', () => {
  let scenario: PresenceScenario;

  beforeEach(() => {
    scenario = new PresenceScenario(legacyPolicy, { ...DEFAULT_SETTINGS, syncIsActivity: true });
  });

  // The recorded decision for this policy (it ignored inputs it did not know before sign-ins existed).
  it('ignores logging in, as Synapse does: no last_active_ts', () => {
    scenario.apply(login);
    expect(scenario.others).toMatchObject({ presence: 'offline', lastActiveTs: 0 });
  });

  it('keeps a device that set busy live without syncing until the busy timeout (BUSY_ONLINE_TIMEOUT)', () => {
    scenario.apply(...sync('PHONE'), manual('PHONE', 'busy')).advance(busyTimeoutMs - 1);
    expect(scenario.others.presence).toBe('busy');
    scenario.advance(1);
    expect(scenario.others.presence).toBe('offline');
  });
});
