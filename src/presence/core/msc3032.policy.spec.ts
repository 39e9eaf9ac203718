import { msc3032Policy } from './msc3032.policy.js';
import { DEFAULT_SETTINGS, PresenceScenario } from './presence-scenario.js';

/** A /sync that returns at once (timeout=0): it starts and ends. */
const sync = (deviceId: string, state: 'online' | 'unavailable' = 'online') => [
  { kind: 'sync' as const, deviceId, state },
  { kind: 'sync-end' as const, deviceId },
];
const manual = (deviceId: string, state: 'online' | 'unavailable' | 'busy' | 'offline') => ({ kind: 'manual' as const, deviceId, state });
const report = (deviceId: string, state: 'online' | 'unavailable' | 'busy' | 'offline') => ({ kind: 'device-report' as const, deviceId, state });

describe('msc3032 policy', () => {
  let scenario: PresenceScenario;

  beforeEach(() => {
    scenario = new PresenceScenario(msc3032Policy);
  });

  it('is offline with no device', () => {
    expect(scenario.others).toMatchObject({ presence: 'offline', currentlyActive: false });
    expect(scenario.evaluation.nextChangeAt).toBeNull();
  });

  it('goes online on a first sync, which counts as activity', () => {
    scenario.apply(...sync('A'));
    expect(scenario.others).toMatchObject({ presence: 'online', currentlyActive: true, lastActiveTs: scenario.now });
  });

  describe('several devices', () => {
    it('never flip-flops between an online and an unavailable device, whatever the order of their syncs', () => {
      scenario.apply(...sync('laptop'), ...sync('phone', 'unavailable'));
      const seen = new Set<string>();
      for (let round = 0; round < 10; round += 1) {
        scenario.advance(5_000).apply(...sync('phone', 'unavailable'));
        seen.add(scenario.others.presence);
        scenario.advance(5_000).apply(...sync('laptop'));
        seen.add(scenario.others.presence);
      }
      expect([...seen]).toEqual(['online']);
    });

    it('lets busy on one device win over online on another', () => {
      scenario.apply(...sync('laptop'), report('phone', 'busy'));
      expect(scenario.others.presence).toBe('busy');
      scenario.advance(1_000).apply(...sync('laptop'));
      expect(scenario.others.presence).toBe('busy');
    });

    it('keeps a busy device busy through its own syncs', () => {
      scenario.apply(report('phone', 'busy'));
      scenario.syncFor('phone', 'online', 120_000);
      expect(scenario.others.presence).toBe('busy');
    });
  });

  describe('the manual layer', () => {
    it('holds a manual busy across syncs until cleared with online', () => {
      scenario.apply(...sync('A'), manual('A', 'busy'));
      scenario.syncFor('A', 'online', 600_000);
      expect(scenario.others.presence).toBe('busy');
      scenario.apply(manual('A', 'online'));
      expect(scenario.others).toMatchObject({ presence: 'online', currentlyActive: true });
    });

    it('holds a manual unavailable over an online device', () => {
      scenario.apply(...sync('A'), manual('A', 'unavailable'));
      scenario.syncFor('A', 'online', 60_000);
      expect(scenario.others.presence).toBe('unavailable');
    });

    it('makes a device that never syncs live with a PUT online, until the sync timeout passes', () => {
      scenario.apply(manual('curl', 'online'));
      expect(scenario.others.presence).toBe('online');
      scenario.advance(DEFAULT_SETTINGS.syncOnlineTimeoutMs - 1);
      expect(scenario.others.presence).toBe('online');
      scenario.advance(1);
      expect(scenario.others.presence).toBe('offline');
    });

    it('is offline once no device is live, whatever was chosen by hand, and the choice returns with a device', () => {
      scenario.apply(...sync('A'), manual('A', 'busy'));
      scenario.advance(DEFAULT_SETTINGS.syncOnlineTimeoutMs);
      expect(scenario.others.presence).toBe('offline');
      scenario.apply(...sync('A'));
      expect(scenario.others.presence).toBe('busy');
    });

    it('does not count a PUT of unavailable or offline as activity', () => {
      scenario.apply(...sync('A'));
      const active = scenario.others.lastActiveTs;
      scenario.advance(10_000).apply(manual('A', 'unavailable'), manual('A', 'offline'));
      expect(scenario.self.lastActiveTs).toBe(active);
    });

    it('counts a PUT of online as activity', () => {
      scenario.apply(...sync('A')).advance(120_000).apply(manual('A', 'online'));
      expect(scenario.others).toMatchObject({ lastActiveTs: scenario.now, currentlyActive: true });
    });
  });

  describe('appear offline', () => {
    it('shows offline to others and the truth to the user, even with another device online', () => {
      scenario.apply(...sync('laptop'), manual('laptop', 'offline'), ...sync('phone'));
      expect(scenario.others).toMatchObject({ presence: 'offline', currentlyActive: false });
      expect(scenario.self.presence).toBe('online');
      scenario.syncFor('phone', 'online', 60_000);
      expect(scenario.others.presence).toBe('offline');
    });

    it('does not leak activity while hidden', () => {
      scenario.apply(...sync('A'), manual('A', 'offline'));
      const hiddenAt = scenario.others.lastActiveTs;
      scenario.advance(90_000).apply({ kind: 'activity', deviceId: 'A' });
      expect(scenario.others.lastActiveTs).toBe(hiddenAt);
      expect(scenario.self.lastActiveTs).toBe(scenario.now);
    });

    it('ends with online, or with the explicit switch', () => {
      scenario.apply(...sync('A'), manual('A', 'offline'), manual('A', 'online'));
      expect(scenario.others.presence).toBe('online');
      scenario.apply({ kind: 'appear-offline', enabled: true });
      expect(scenario.others.presence).toBe('offline');
      scenario.apply({ kind: 'appear-offline', enabled: false });
      expect(scenario.others.presence).toBe('online');
    });

    it('keeps a manual busy beneath appear-offline', () => {
      scenario.apply(...sync('A'), manual('A', 'busy'), { kind: 'appear-offline', enabled: true });
      expect(scenario.self.presence).toBe('busy');
      scenario.apply({ kind: 'appear-offline', enabled: false });
      expect(scenario.others.presence).toBe('busy');
    });
  });

  describe('timers', () => {
    it('goes unavailable after the idle timeout with no activity, even while syncing', () => {
      scenario.apply(...sync('A'));
      scenario.syncFor('A', 'online', DEFAULT_SETTINGS.idleTimeoutMs - 1_000);
      expect(scenario.others.presence).toBe('online');
      scenario.syncFor('A', 'online', 1_000);
      expect(scenario.others.presence).toBe('unavailable');
    });

    it('wakes an idle device on proactive activity', () => {
      scenario.apply(...sync('A'));
      scenario.syncFor('A', 'online', 400_000);
      expect(scenario.others.presence).toBe('unavailable');
      scenario.apply({ kind: 'activity', deviceId: 'A' });
      expect(scenario.others).toMatchObject({ presence: 'online', currentlyActive: true, lastActiveTs: scenario.now });
    });

    it('wakes a device that reported unavailable on proactive activity', () => {
      scenario.apply(...sync('A', 'unavailable'));
      expect(scenario.others.presence).toBe('unavailable');
      scenario.apply({ kind: 'activity', deviceId: 'A' });
      expect(scenario.others.presence).toBe('online');
    });

    it('stays live through a long-poll longer than the sync timeout, timing out only after it ends', () => {
      scenario.apply({ kind: 'sync', deviceId: 'A', state: 'online' }).advance(DEFAULT_SETTINGS.syncOnlineTimeoutMs * 3);
      expect(scenario.others.presence).not.toBe('offline');
      scenario.apply({ kind: 'sync-end', deviceId: 'A' }).advance(DEFAULT_SETTINGS.syncOnlineTimeoutMs - 1);
      expect(scenario.others.presence).not.toBe('offline');
      scenario.advance(1);
      expect(scenario.others.presence).toBe('offline');
    });

    it('never flaps offline between back-to-back long-polls as long as the sync timeout', () => {
      scenario.apply({ kind: 'sync', deviceId: 'A', state: 'online' });
      const seen = new Set<string>();
      for (let poll = 0; poll < 10; poll += 1) {
        scenario.advance(DEFAULT_SETTINGS.syncOnlineTimeoutMs).apply({ kind: 'sync-end', deviceId: 'A' });
        seen.add(scenario.others.presence);
        scenario.apply({ kind: 'sync', deviceId: 'A', state: 'online' });
        seen.add(scenario.others.presence);
      }
      expect(seen.has('offline')).toBe(false);
    });

    it('goes offline after the sync timeout without requests', () => {
      scenario.apply(...sync('A')).advance(DEFAULT_SETTINGS.syncOnlineTimeoutMs - 1);
      expect(scenario.others.presence).toBe('online');
      scenario.advance(1);
      expect(scenario.others.presence).toBe('offline');
    });

    it('never idles a busy device but drops busy after the busy timeout', () => {
      scenario.apply(report('A', 'busy'));
      scenario.syncFor('A', 'online', DEFAULT_SETTINGS.busyTimeoutMs - 20_000);
      expect(scenario.others.presence).toBe('busy');
      scenario.syncFor('A', 'online', 40_000);
      expect(scenario.others.presence).not.toBe('busy');
    });

    it('flips currently_active after the last-active granularity', () => {
      scenario.apply(...sync('A')).syncFor('A', 'online', DEFAULT_SETTINGS.lastActiveGranularityMs - 1);
      expect(scenario.others.currentlyActive).toBe(true);
      scenario.advance(1);
      expect(scenario.others).toMatchObject({ presence: 'online', currentlyActive: false });
    });

    it('says when the answer next changes by itself', () => {
      scenario.apply(...sync('A'));
      const start = scenario.now;
      expect(scenario.evaluation.nextChangeAt).toBe(start + DEFAULT_SETTINGS.syncOnlineTimeoutMs);
      scenario.advance(20_000).apply(...sync('A'));
      expect(scenario.evaluation.nextChangeAt).toBe(start + 20_000 + DEFAULT_SETTINGS.syncOnlineTimeoutMs);
      scenario.advance(20_000).apply(...sync('A'));
      expect(scenario.evaluation.nextChangeAt).toBe(start + DEFAULT_SETTINGS.lastActiveGranularityMs);
    });

    it('re-arms from stored inputs after a restart: a user online when the server stopped goes offline', () => {
      scenario.apply(...sync('A'));
      const stored = JSON.parse(JSON.stringify(scenario.inputs));
      const restarted = new PresenceScenario(msc3032Policy);
      restarted.inputs = stored;
      restarted.now = scenario.now + 10_000;
      expect(restarted.others.presence).toBe('online');
      const wake = restarted.evaluation.nextChangeAt!;
      expect(wake).toBeGreaterThan(restarted.now);
      restarted.now = wake + DEFAULT_SETTINGS.syncOnlineTimeoutMs;
      expect(restarted.others.presence).toBe('offline');
      expect(restarted.evaluation.nextChangeAt).toBeNull();
    });
  });

  describe('status text and device reports', () => {
    it('sets and clears the status text, an empty string clearing it', () => {
      scenario.apply({ kind: 'status', statusMsg: 'At lunch' });
      expect(scenario.others.statusMsg).toBe('At lunch');
      scenario.apply({ kind: 'status', statusMsg: '' });
      expect(scenario.others.statusMsg).toBeNull();
    });

    it('keeps the status text when going offline', () => {
      scenario.apply(...sync('A'), { kind: 'status', statusMsg: 'Back soon' }).advance(60_000);
      expect(scenario.others).toMatchObject({ presence: 'offline', statusMsg: 'Back soon' });
    });

    it('drops a device that reports offline, leaving the others', () => {
      scenario.apply(...sync('A'), ...sync('B', 'unavailable'), report('A', 'offline'));
      expect(scenario.others.presence).toBe('unavailable');
      scenario.apply(report('B', 'offline'));
      expect(scenario.others.presence).toBe('offline');
    });

    it('ignores the offline device when it later sends nothing', () => {
      scenario.apply(report('A', 'online'));
      expect(scenario.others.presence).toBe('online');
    });

    it('counts every online sync as activity when configured to', () => {
      const synapseLike = new PresenceScenario(msc3032Policy, { ...DEFAULT_SETTINGS, syncIsActivity: true });
      synapseLike.apply(...sync('A'));
      synapseLike.syncFor('A', 'online', 600_000);
      expect(synapseLike.others).toMatchObject({ presence: 'online', currentlyActive: true });
    });
  });
});
