import { AppConfig } from '../config/app-config.js';
import { legacyPolicy } from '../presence/core/legacy.policy.js';
import { msc3032Policy } from '../presence/core/msc3032.policy.js';
import type { PresencePolicy, PresenceSettings } from '../presence/core/presence-model.js';
import type { PacingSettings } from '../presence/core/publication-pacing.js';
import { pacingSettingsOf, presenceSettingsOf } from '../presence/presence-settings.js';

/**
 * The models compared: the legacy model (a Synapse-style server sending every change and
 * last-active bump as an EDU to every room-mate's server, persisting nothing), and this server's
 * engine publishing state events in profile rooms under either policy.
 */
export type ModelName = 'edu-legacy' | 'pdu-msc3032' | 'pdu-legacy';
export const MODEL_NAMES: readonly ModelName[] = ['edu-legacy', 'pdu-msc3032', 'pdu-legacy'];

/** The knobs a grid varies, as the settings that set them. */
export interface Knobs {
  settleMs: number;
  minIntervalMs: number;
  idleTimeoutMs: number;
  publishActivityLapses: boolean;
}

export interface ModelSetting {
  /** A stable, readable name: model and knobs. */
  id: string;
  model: ModelName;
  policy: PresencePolicy;
  settings: PresenceSettings;
  /** How the engine paces publications; null for the EDU model, which sends at once. */
  pacing: PacingSettings | null;
  knobs: Knobs;
  /** Whether these are the server's default settings for the model. */
  isDefault: boolean;
}

export interface Grid {
  settleMs: number[];
  minIntervalMs: number[];
  idleTimeoutMs: number[];
  publishActivityLapses: boolean[];
}

/** The default configuration's settings and pacing (README, Configuration). */
const DEFAULT_CONFIG = new AppConfig();
export const DEFAULT_PACING: PacingSettings = pacingSettingsOf(DEFAULT_CONFIG);
const DEFAULT_PRESENCE: PresenceSettings = presenceSettingsOf(DEFAULT_CONFIG);
export const DEFAULT_KNOBS: Knobs = {
  settleMs: DEFAULT_PACING.settleMs,
  minIntervalMs: DEFAULT_PACING.minIntervalMs,
  idleTimeoutMs: DEFAULT_PRESENCE.idleTimeoutMs,
  publishActivityLapses: DEFAULT_PACING.publishActivityLapses,
};

export const FULL_GRID: Grid = {
  settleMs: [0, 60_000, 300_000],
  minIntervalMs: [0, 60_000],
  idleTimeoutMs: [300_000, 600_000],
  publishActivityLapses: [true, false],
};

export const QUICK_GRID: Grid = { settleMs: [0, 60_000], minIntervalMs: [0], idleTimeoutMs: [300_000], publishActivityLapses: [true, false] };

function knobLabel(knobs: Knobs, model: ModelName): string {
  const idle = `idle=${knobs.idleTimeoutMs / 1000}s`;
  if (model === 'edu-legacy') return idle;
  return `settle=${knobs.settleMs / 1000}s interval=${knobs.minIntervalMs / 1000}s ${idle} lapses=${knobs.publishActivityLapses ? 'on' : 'off'}`;
}

function sameKnobs(a: Knobs, b: Knobs, model: ModelName): boolean {
  return a.idleTimeoutMs === b.idleTimeoutMs && (model === 'edu-legacy' || (a.settleMs === b.settleMs && a.minIntervalMs === b.minIntervalMs && a.publishActivityLapses === b.publishActivityLapses));
}

/**
 * Every model under every combination of the grid (the EDU model varies only the idle
 * timeout: it has no pacing). The bound on lag stays the default unless a knob needs more room.
 * The default settings are always included.
 */
export function modelSettings(grid: Grid): ModelSetting[] {
  const settings: ModelSetting[] = [];
  const add = (model: ModelName, knobs: Knobs) => {
    if (settings.some((setting) => setting.model === model && sameKnobs(setting.knobs, knobs, model))) return;
    const policy = model === 'pdu-msc3032' ? msc3032Policy : legacyPolicy;
    // The legacy policy counts a sync as activity (PRESENCE_SYNC_IS_ACTIVITY's default follows the policy).
    const presence = { ...DEFAULT_PRESENCE, idleTimeoutMs: knobs.idleTimeoutMs, syncIsActivity: policy === legacyPolicy };
    const pacing =
      model === 'edu-legacy'
        ? null
        : {
            ...DEFAULT_PACING,
            settleMs: knobs.settleMs,
            minIntervalMs: knobs.minIntervalMs,
            publishActivityLapses: knobs.publishActivityLapses,
            maxLagMs: Math.max(DEFAULT_PACING.maxLagMs, knobs.settleMs, knobs.minIntervalMs),
          };
    const isDefault = sameKnobs(knobs, DEFAULT_KNOBS, model);
    settings.push({ id: `${model} ${knobLabel(knobs, model)}`, model, policy, settings: presence, pacing, knobs, isDefault });
  };
  for (const model of MODEL_NAMES) {
    add(model, DEFAULT_KNOBS);
    for (const idleTimeoutMs of grid.idleTimeoutMs) {
      for (const settleMs of grid.settleMs) {
        for (const minIntervalMs of grid.minIntervalMs) {
          for (const publishActivityLapses of grid.publishActivityLapses) add(model, { settleMs, minIntervalMs, idleTimeoutMs, publishActivityLapses });
        }
      }
    }
  }
  return settings;
}
