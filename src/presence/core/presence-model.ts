/**
 * The presence model's data: what a user and each of their devices said, and what the server
 * concludes from it. Plain data, so a policy is a pure function over it.
 */

/** Presence as others see it (MSC3026 adds busy). */
export type PresenceState = 'online' | 'unavailable' | 'busy' | 'offline';
export const PRESENCE_STATES: readonly PresenceState[] = ['online', 'unavailable', 'busy', 'offline'];

/** The longest status text accepted, in bytes of UTF-8. */
export const MAX_STATUS_MSG_BYTES = 1024;

/** The manual layer: what the user chose by hand until they clear it (`online` clears it). */
export type ManualState = 'busy' | 'unavailable';

/** What one device last reported about itself, and when it was last seen and active. */
export interface DeviceInputs {
  deviceId: string;
  /** `offline`: the device said it is going away; it no longer counts. */
  state: PresenceState;
  /** When `state` was last set (a busy report lapses after the busy timeout). */
  stateSinceTs: number;
  /** The device's last request of any kind: a sign of life. */
  lastSeenTs: number;
  /** The device's last proactive activity, or null if none yet. */
  lastActiveTs: number | null;
  /** /sync requests of this device in flight: a long-polling device is live until its poll ends. */
  syncing?: number;
}

export interface PresenceInputs {
  manual: ManualState | null;
  /** Appear offline: others see offline; the user's own devices still see the truth. */
  appearOffline: { since: number; lastActiveTs: number } | null;
  statusMsg: string | null;
  /** The user's last proactive activity on any device; 0 when never. */
  lastActiveTs: number;
  devices: DeviceInputs[];
}

export const EMPTY_INPUTS: PresenceInputs = Object.freeze({
  manual: null,
  appearOffline: null,
  statusMsg: null,
  lastActiveTs: 0,
  devices: [],
}) as PresenceInputs;

export interface PresenceTimers {
  idleTimeoutMs: number;
  syncOnlineTimeoutMs: number;
  busyTimeoutMs: number;
  lastActiveGranularityMs: number;
}

export interface PresenceSettings extends PresenceTimers {
  /** Whether a /sync (with set_presence online) counts as proactive activity. */
  syncIsActivity: boolean;
}

/** One view of a user's presence. */
export interface PresenceView {
  presence: PresenceState;
  currentlyActive: boolean;
  lastActiveTs: number;
  statusMsg: string | null;
}

export interface PresenceEvaluation {
  /** What everyone else sees, and what is published in the profile room. */
  forOthers: PresenceView;
  /** What the user's own devices see (differs only while appearing offline). */
  forSelf: PresenceView;
  /** When the answer may next change by itself (timeouts), or null if it will not. */
  nextChangeAt: number | null;
}

/** Something that happened that bears on presence. */
export type PresenceInput =
  /** A /sync with set_presence `online` (or none) or `unavailable` has started... */
  | { kind: 'sync'; deviceId: string; state: 'online' | 'unavailable' }
  /** ...and has ended: the sync timeout counts from here. */
  | { kind: 'sync-end'; deviceId: string }
  /** The user's own choice: legacy PUT /presence/{userId}/status or the GraphQL mutation. */
  | { kind: 'manual'; deviceId: string; state: PresenceState }
  /** Clear the manual layer (and appear-offline), back to automatic. */
  | { kind: 'clear-manual' }
  | { kind: 'appear-offline'; enabled: boolean }
  /** An explicit per-device report (MSC3032 activity endpoint, GraphQL). */
  | { kind: 'device-report'; deviceId: string; state: PresenceState }
  /** Registering or logging in: a new device's first act. */
  | { kind: 'login' }
  /** Proactive activity: sending an event, a receipt, typing. */
  | { kind: 'activity'; deviceId: string }
  | { kind: 'status'; statusMsg: string | null };

/** A policy: how inputs change the stored state, and how the state becomes presence. */
export interface PresencePolicy {
  readonly name: string;
  apply(inputs: PresenceInputs, input: PresenceInput, now: number, settings: PresenceSettings): PresenceInputs;
  evaluate(inputs: PresenceInputs, now: number, settings: PresenceSettings): PresenceEvaluation;
}
