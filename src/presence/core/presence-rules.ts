import type {
  DeviceInputs,
  PresenceEvaluation,
  PresenceInput,
  PresenceInputs,
  PresenceSettings,
  PresenceState,
  PresenceTimers,
  PresenceView,
} from './presence-model.js';

/**
 * The rules both policies share: device liveness, idleness, the busy timeout, combining devices
 * and currently_active (PRODUCT.md section 5, steps 3 and 4).
 */

/** Combining order: busy > online > unavailable > offline. */
const COMBINE_RANK: Record<PresenceState, number> = { offline: 0, unavailable: 1, online: 2, busy: 3 };

/** Availability order for "raising" (seeds): offline < unavailable < online; busy counts as online. */
const AVAILABILITY_RANK: Record<PresenceState, number> = { offline: 0, unavailable: 1, online: 2, busy: 2 };

/**
 * Until when a device counts with no further request: while a /sync is in flight, for the sync
 * timeout after its last request, and a device that reported busy until that report lapses
 * (PRODUCT.md 11.14: a phone in a call does not sync).
 */
export function liveUntil(device: DeviceInputs, timers: PresenceTimers): number {
  if (device.state === 'offline') return Number.NEGATIVE_INFINITY;
  if ((device.syncing ?? 0) > 0) return Number.POSITIVE_INFINITY;
  const synced = device.lastSeenTs + timers.syncOnlineTimeoutMs;
  return device.state === 'busy' ? Math.max(synced, device.stateSinceTs + timers.busyTimeoutMs) : synced;
}

export function isLive(device: DeviceInputs, now: number, timers: PresenceTimers): boolean {
  return now < liveUntil(device, timers);
}

/** What a device reports now, counting a device that is gone as offline. */
export function reportedState(device: DeviceInputs | undefined, now: number, timers: PresenceTimers): PresenceState {
  return device && isLive(device, now, timers) ? device.state : 'offline';
}

/** Moving to a higher level of availability is proactive activity. */
export function isRaising(from: PresenceState, to: PresenceState): boolean {
  return AVAILABILITY_RANK[to] > AVAILABILITY_RANK[from];
}

export function isBusyLapsed(device: DeviceInputs, now: number, timers: PresenceTimers): boolean {
  return device.state === 'busy' && now >= device.stateSinceTs + timers.busyTimeoutMs;
}

/** `at` if it is still to come, else Infinity (never). */
function ahead(now: number, at: number): number {
  return at > now ? at : Number.POSITIVE_INFINITY;
}

/** The earlier of two times still to come (Infinity when neither is); no arrays, as sweeps run this for thousands of users. */
function soonest(now: number, a: number, b: number): number {
  return Math.min(ahead(now, a), ahead(now, b));
}

/** One device's contribution now, and the next time it would change by itself (Infinity: never). */
export function deviceLevel(device: DeviceInputs, now: number, timers: PresenceTimers): { state: PresenceState; nextAt: number } {
  // While a sync is in flight the device cannot time out; its end is an input, not a timer.
  const until = liveUntil(device, timers);
  if (now >= until) return { state: 'offline', nextAt: Number.POSITIVE_INFINITY };
  if (device.state === 'busy' && !isBusyLapsed(device, now, timers)) {
    // A busy device never idles; its busy report lapses after the busy timeout.
    return { state: 'busy', nextAt: soonest(now, until, device.stateSinceTs + timers.busyTimeoutMs) };
  }
  if (device.state === 'unavailable') return { state: 'unavailable', nextAt: ahead(now, until) };
  // online (or busy that lapsed): online while active within the idle timeout, else idle.
  const idleAt = device.lastActiveTs === null ? now : device.lastActiveTs + timers.idleTimeoutMs;
  return now < idleAt
    ? { state: 'online', nextAt: soonest(now, until, idleAt) }
    : { state: 'unavailable', nextAt: ahead(now, until) };
}

/** The highest level over the live devices (offline when none is live), and when any of them changes next. */
export function combineDevices(devices: DeviceInputs[], now: number, timers: PresenceTimers): { state: PresenceState; nextAt: number } {
  let state: PresenceState = 'offline';
  let nextAt = Number.POSITIVE_INFINITY;
  for (const device of devices) {
    const level = deviceLevel(device, now, timers);
    if (COMBINE_RANK[level.state] > COMBINE_RANK[state]) state = level.state;
    if (level.nextAt < nextAt) nextAt = level.nextAt;
  }
  return { state, nextAt };
}

function view(presence: PresenceState, lastActiveTs: number, statusMsg: string | null, now: number, timers: PresenceTimers): PresenceView {
  return {
    presence,
    currentlyActive: presence === 'online' && now < lastActiveTs + timers.lastActiveGranularityMs,
    lastActiveTs,
    statusMsg,
  };
}

/**
 * The effective presence (PRODUCT.md section 5): appear-offline hides the user from others; a
 * manual busy or unavailable wins while any device is live; otherwise the devices decide.
 * With no live device the user is offline whatever they chose by hand (their choice is kept
 * and applies again when a device comes back).
 */
export function evaluateLayers(inputs: PresenceInputs, now: number, settings: PresenceSettings): PresenceEvaluation {
  const devices = combineDevices(inputs.devices, now, settings);
  const real: PresenceState = devices.state !== 'offline' && inputs.manual ? inputs.manual : devices.state;
  const forSelf = view(real, inputs.lastActiveTs, inputs.statusMsg, now, settings);
  const forOthers = inputs.appearOffline
    ? { presence: 'offline' as const, currentlyActive: false, lastActiveTs: inputs.appearOffline.lastActiveTs, statusMsg: inputs.statusMsg }
    : forSelf;
  const nextAt = forSelf.currentlyActive ? soonest(now, devices.nextAt, inputs.lastActiveTs + settings.lastActiveGranularityMs) : devices.nextAt;
  return { forOthers, forSelf, nextChangeAt: Number.isFinite(nextAt) ? nextAt : null };
}

/** The device's slot, or a new live one, with this request counted as a sign of life. */
export function touchDevice(inputs: PresenceInputs, deviceId: string, now: number, timers: PresenceTimers): DeviceInputs {
  const existing = inputs.devices.find((device) => device.deviceId === deviceId);
  if (existing && isLive(existing, now, timers)) return { ...existing, lastSeenTs: now };
  // A device coming back (or new) starts from online; its previous report has expired.
  return { deviceId, state: 'online', stateSinceTs: now, lastSeenTs: now, lastActiveTs: existing?.lastActiveTs ?? null, syncing: existing?.syncing ?? 0 };
}

/** Replaces one device's slot and drops slots that have long expired, keeping the state small. */
export function withDevice(inputs: PresenceInputs, device: DeviceInputs, now: number, timers: PresenceTimers): PresenceInputs {
  const others = inputs.devices.filter((other) => other.deviceId !== device.deviceId && isLive(other, now, timers));
  return { ...inputs, devices: [...others, device] };
}

/** Records proactive activity on a device (and for the user). */
export function markActive(inputs: PresenceInputs, device: DeviceInputs, now: number): { inputs: PresenceInputs; device: DeviceInputs } {
  return { inputs: { ...inputs, lastActiveTs: Math.max(inputs.lastActiveTs, now) }, device: { ...device, lastActiveTs: now } };
}

export function normaliseStatus(statusMsg: string | null): string | null {
  return statusMsg === null || statusMsg === '' ? null : statusMsg;
}

export function sameView(a: PresenceView, b: PresenceView): boolean {
  return a.presence === b.presence && a.currentlyActive === b.currentlyActive && a.statusMsg === b.statusMsg;
}

/**
 * The state events a change of what others see calls for (PRODUCT.md section 6): m.presence when
 * presence or currently_active moved (or nothing was published yet), m.status when the text did.
 * A bare last-active bump writes nothing, unless it is a refresh readers need to keep deriving
 * the user as currently active (lapses derived, publication-pacing.ts).
 */
export function publicationEvents(previous: PresenceView | null, next: PresenceView, refresh = false): Array<'presence' | 'status'> {
  const events: Array<'presence' | 'status'> = [];
  if (refresh || !previous || previous.presence !== next.presence || previous.currentlyActive !== next.currentlyActive) events.push('presence');
  if ((previous?.statusMsg ?? null) !== next.statusMsg) events.push('status');
  return events;
}

// ---- input reducers both policies use --------------------------------------------------

/**
 * A device reports a state (a /sync's set_presence, or an explicit report). Raising the
 * device's availability is proactive activity; so is every online sync when the settings say
 * syncs are activity. A busy report holds through syncs until it lapses.
 */
export function applyDeviceState(
  inputs: PresenceInputs,
  deviceId: string,
  state: PresenceState,
  now: number,
  settings: PresenceSettings,
  options: { fromSync: boolean },
): PresenceInputs {
  const previous = reportedState(inputs.devices.find((device) => device.deviceId === deviceId), now, settings);
  let device = touchDevice(inputs, deviceId, now, settings);
  if (options.fromSync) device = { ...device, syncing: (device.syncing ?? 0) + 1 };
  const holdsBusy = options.fromSync && device.state === 'busy' && !isBusyLapsed(device, now, settings);
  if (!holdsBusy && (device.state !== state || state === 'busy')) device = { ...device, state, stateSinceTs: now };
  let next = inputs;
  const active = isRaising(previous, device.state) || (options.fromSync && settings.syncIsActivity && state === 'online');
  if (active) ({ inputs: next, device } = markActive(next, device, now));
  return withDevice(next, device, now, settings);
}

/** A /sync has ended: one fewer in flight, and the sync timeout starts now. */
export function applySyncEnd(inputs: PresenceInputs, deviceId: string, now: number, settings: PresenceSettings): PresenceInputs {
  const device = inputs.devices.find((one) => one.deviceId === deviceId);
  if (!device) return inputs;
  const ended = { ...device, syncing: Math.max(0, (device.syncing ?? 0) - 1), lastSeenTs: Math.max(device.lastSeenTs, now) };
  return withDevice(inputs, ended, now, settings);
}

/** Sending an event, a receipt or typing: activity, and an idle device is awake again. */
export function applyActivity(inputs: PresenceInputs, deviceId: string, now: number, settings: PresenceSettings): PresenceInputs {
  let device = touchDevice(inputs, deviceId, now, settings);
  if (device.state === 'unavailable' || isBusyLapsed(device, now, settings)) device = { ...device, state: 'online', stateSinceTs: now };
  let next: PresenceInputs;
  ({ inputs: next, device } = markActive(inputs, device, now));
  return withDevice(next, device, now, settings);
}

/**
 * Registering or logging in: the new device's first act (PRODUCT.md 11.2), so the user has a
 * last_active_ts from then on even if they never send anything. It does not make the device
 * live: signing in is not an authenticated request of the device (11.1), and what the device
 * says about presence starts with its first sync or report (a client syncing with
 * set_presence=offline, or reporting only through the activity endpoint, stays as it says).
 */
export function applyLogin(inputs: PresenceInputs, now: number): PresenceInputs {
  return { ...inputs, lastActiveTs: Math.max(inputs.lastActiveTs, now) };
}

export function applyStatus(inputs: PresenceInputs, statusMsg: string | null): PresenceInputs {
  return { ...inputs, statusMsg: normaliseStatus(statusMsg) };
}

/**
 * The inputs both policies treat alike: device reports, syncs, activity and status text. Returns
 * null for the inputs a policy decides itself (the manual layer and appear-offline).
 */
export function applyAutomatic(
  inputs: PresenceInputs,
  input: PresenceInput,
  now: number,
  settings: PresenceSettings,
): PresenceInputs | null {
  switch (input.kind) {
    case 'sync':
      return applyDeviceState(inputs, input.deviceId, input.state, now, settings, { fromSync: true });
    case 'sync-end':
      return applySyncEnd(inputs, input.deviceId, now, settings);
    case 'device-report':
      return applyDeviceState(inputs, input.deviceId, input.state, now, settings, { fromSync: false });
    case 'activity':
      return applyActivity(inputs, input.deviceId, now, settings);
    case 'status':
      return applyStatus(inputs, input.statusMsg);
    default:
      return null;
  }
}

/** Inputs that are the user's own choice: published at once whatever the interval. */
export const BY_HAND_INPUTS: ReadonlySet<string> = new Set(['manual', 'clear-manual', 'appear-offline', 'status']);
