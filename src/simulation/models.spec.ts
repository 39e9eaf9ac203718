import { loadAppConfig } from '../config/app-config.js';
import { pacingSettingsOf, presenceSettingsOf } from '../presence/presence-settings.js';
import { FULL_GRID, MODEL_NAMES, modelSettings } from './models.js';

describe('models and settings compared', () => {
  const settings = modelSettings(FULL_GRID);

  it('has each model at its defaults exactly once, and no setting twice', () => {
    for (const model of MODEL_NAMES) expect(settings.filter((setting) => setting.model === model && setting.isDefault)).toHaveLength(1);
    expect(new Set(settings.map((setting) => setting.id)).size).toBe(settings.length);
    // The EDU model varies only the idle timeout; the state-event models the whole grid.
    expect(settings.filter((setting) => setting.model === 'edu-legacy')).toHaveLength(FULL_GRID.idleTimeoutMs.length);
    expect(settings.filter((setting) => setting.model === 'pdu-msc3032')).toHaveLength(3 * 2 * 2 * 2);
  });

  it('runs each state-event setting as the server would under the same configuration', () => {
    for (const setting of settings.filter((candidate) => candidate.pacing !== null)) {
      const pacing = setting.pacing!;
      const config = loadAppConfig({
        PRESENCE_POLICY: setting.model === 'pdu-legacy' ? 'legacy' : 'msc3032',
        PRESENCE_IDLE_TIMEOUT_MS: String(setting.settings.idleTimeoutMs),
        PRESENCE_MAX_LAG_MS: String(pacing.maxLagMs),
        PRESENCE_SETTLE_MS: String(pacing.settleMs),
        PRESENCE_MIN_PUBLISH_INTERVAL_MS: String(pacing.minIntervalMs),
        PRESENCE_PUBLISH_ACTIVITY_LAPSES: String(pacing.publishActivityLapses),
      });
      expect(presenceSettingsOf(config)).toEqual(setting.settings);
      expect(pacingSettingsOf(config)).toEqual(pacing);
    }
  });
});
