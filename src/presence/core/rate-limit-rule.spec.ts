import { legacyPolicy } from './legacy.policy.js';
import { msc3032Policy } from './msc3032.policy.js';
import type { PresenceInput, PresencePolicy, PresenceState } from './presence-model.js';
import { spendsPresenceRateLimit } from './rate-limit-rule.js';
import { DEFAULT_SETTINGS, PresenceScenario } from './presence-scenario.js';

const sync = (state: 'online' | 'unavailable' = 'online'): PresenceInput => ({ kind: 'sync', deviceId: 'A', state });
const report = (state: PresenceState): PresenceInput => ({ kind: 'device-report', deviceId: 'A', state });

/** Whether `input` spends the limit for the scenario's user now. */
const spends = (scenario: PresenceScenario, input: PresenceInput) =>
  spendsPresenceRateLimit(scenario.policy, scenario.inputs, input, scenario.now, scenario.settings);

describe.each<[string, PresencePolicy]>([
  ['msc3032', msc3032Policy],
  ['legacy', legacyPolicy],
])('the presence rate limit rule (%s policy)', (_name, policy) => {
  let scenario: PresenceScenario;

  beforeEach(() => {
    scenario = new PresenceScenario(policy, { ...DEFAULT_SETTINGS, syncIsActivity: policy === legacyPolicy });
  });

  it('charges a first sync, which brings the device online, and nothing for syncs that repeat it', () => {
    expect(spends(scenario, sync())).toBe(true);
    scenario.apply(sync(), { kind: 'sync-end', deviceId: 'A' });
    for (let round = 0; round < 10; round += 1) {
      scenario.advance(1_000);
      expect(spends(scenario, sync())).toBe(false);
      scenario.apply(sync(), { kind: 'sync-end', deviceId: 'A' });
    }
  });

  it('charges a sync that changes the device state, or brings it back after its sync timeout', () => {
    scenario.apply(sync(), { kind: 'sync-end', deviceId: 'A' });
    expect(spends(scenario, sync('unavailable'))).toBe(true);
    scenario.apply(sync('unavailable'), { kind: 'sync-end', deviceId: 'A' });
    expect(spends(scenario, sync('unavailable'))).toBe(false);
    scenario.advance(DEFAULT_SETTINGS.syncOnlineTimeoutMs + 1);
    expect(spends(scenario, sync('unavailable'))).toBe(true);
  });

  it('charges a report that changes the device state, not one that repeats or renews it', () => {
    expect(spends(scenario, report('busy'))).toBe(true);
    scenario.apply(report('busy'));
    expect(spends(scenario, report('busy'))).toBe(false);
    // A busy device stays busy through its online syncs: they change nothing it reports.
    expect(spends(scenario, sync())).toBe(false);
    expect(spends(scenario, report('online'))).toBe(true);
    expect(spends(scenario, report('offline'))).toBe(true);
  });

  it('always charges the user’s own choices, and never the end of a sync or activity', () => {
    scenario.apply(sync(), { kind: 'sync-end', deviceId: 'A' });
    expect(spends(scenario, { kind: 'manual', deviceId: 'A', state: 'online' })).toBe(true);
    expect(spends(scenario, { kind: 'clear-manual' })).toBe(true);
    expect(spends(scenario, { kind: 'appear-offline', enabled: false })).toBe(true);
    expect(spends(scenario, { kind: 'status', statusMsg: null })).toBe(true);
    expect(spends(scenario, { kind: 'sync-end', deviceId: 'A' })).toBe(false);
    expect(spends(scenario, { kind: 'activity', deviceId: 'A' })).toBe(false);
  });
});
