import { legacyPolicy } from './legacy.policy.js';
import { DEFAULT_SETTINGS, PresenceScenario } from './presence-scenario.js';

const LEGACY_SETTINGS = { ...DEFAULT_SETTINGS, syncIsActivity: true };
/** A /sync that returns at once (timeout=0): it starts and ends. */
const sync = (deviceId: string, state: 'online' | 'unavailable' = 'online') => [
  { kind: 'sync' as const, deviceId, state },
  { kind: 'sync-end' as const, deviceId },
];
const put = (deviceId: string, state: 'online' | 'unavailable' | 'busy' | 'offline') => ({ kind: 'manual' as const, deviceId, state });

describe('legacy (Synapse) policy', () => {
  let scenario: PresenceScenario;

  beforeEach(() => {
    scenario = new PresenceScenario(legacyPolicy, LEGACY_SETTINGS);
  });

  it('never idles a device that keeps syncing, since every sync is activity', () => {
    scenario.apply(...sync('A'));
    scenario.syncFor('A', 'online', 600_000);
    expect(scenario.others).toMatchObject({ presence: 'online', currentlyActive: true });
  });

  it('idles a device that stops being active only when syncs are not activity', () => {
    const strict = new PresenceScenario(legacyPolicy, DEFAULT_SETTINGS);
    strict.apply(...sync('A'));
    strict.syncFor('A', 'online', 400_000);
    expect(strict.others.presence).toBe('unavailable');
  });

  it('sets only the calling device with a PUT: offline on one device leaves another online', () => {
    scenario.apply(...sync('laptop'), ...sync('phone'), put('laptop', 'offline'));
    expect(scenario.others.presence).toBe('online');
    expect(scenario.self.presence).toBe('online');
  });

  it('lets a PUT of busy hold through that device syncs, and win over other devices', () => {
    scenario.apply(...sync('laptop'), put('phone', 'busy'));
    scenario.syncFor('phone', 'online', 60_000);
    scenario.apply(...sync('laptop'));
    expect(scenario.others.presence).toBe('busy');
  });

  it('lets a PUT of unavailable be overridden by that device next online sync', () => {
    scenario.apply(...sync('A'), put('A', 'unavailable'));
    expect(scenario.others.presence).toBe('unavailable');
    scenario.advance(1_000).apply(...sync('A'));
    expect(scenario.others.presence).toBe('online');
  });

  it('has no manual layer and no appear-offline', () => {
    scenario.apply(...sync('A'), { kind: 'appear-offline', enabled: true });
    expect(scenario.others.presence).toBe('online');
    scenario.apply(put('A', 'busy'), { kind: 'clear-manual' });
    expect(scenario.others.presence).toBe('busy');
  });

  it('combines devices without flip-flopping', () => {
    scenario.apply(...sync('A'), ...sync('B', 'unavailable'));
    for (let round = 0; round < 5; round += 1) {
      scenario.advance(5_000).apply(...sync('B', 'unavailable'));
      expect(scenario.others.presence).toBe('online');
      scenario.advance(5_000).apply(...sync('A'));
      expect(scenario.others.presence).toBe('online');
    }
  });

  it('goes offline after the sync timeout and drops busy after the busy timeout', () => {
    scenario.apply(put('A', 'busy'));
    scenario.syncFor('A', 'online', DEFAULT_SETTINGS.busyTimeoutMs + 20_000);
    expect(scenario.others.presence).toBe('online');
    scenario.advance(DEFAULT_SETTINGS.syncOnlineTimeoutMs);
    expect(scenario.others.presence).toBe('offline');
  });

  it('flips currently_active after the granularity when a device stops syncing', () => {
    scenario.apply(...sync('A'), put('B', 'online')).advance(DEFAULT_SETTINGS.lastActiveGranularityMs);
    scenario.apply(...sync('B', 'unavailable'));
    expect(scenario.others).toMatchObject({ presence: 'unavailable', currentlyActive: false });
  });
});
