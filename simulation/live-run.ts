import { runEngine } from '../src/simulation/engine-run.js';
import { type ComparableEvent, compareEvents, type EventComparison, predictedEvents, type Tolerance } from '../src/simulation/event-diff.js';
import { LiveRecorder } from '../src/simulation/live-recorder.js';
import { clearOf, deadlineKeepout, devicesOf, type Keepout, type LiveOperation } from '../src/simulation/live-script.js';
import { advertisedDifferences, type LiveServerSettings } from '../src/simulation/live-settings.js';
import { call, type LiveDevice } from './live-client.js';
import { requestInputs, setUpUser, tookEffect, type LiveUser } from './live-users.js';

export interface LiveRunOptions {
  baseUrl: string;
  /** The settings the server runs under (what the predictor replays with). */
  server: LiveServerSettings;
  /** Each user's operations, times in ms from the script's start. */
  plans: LiveOperation[][];
  /** How far inputs keep from a deadline of their user, and the slack of every time compared (ms). */
  marginMs: number;
  progress?: (done: number, total: number) => void;
}

export interface LiveRunResult {
  baseUrl: string;
  users: number;
  devices: number;
  /** Inputs the server took (sign-ins, each sync's start and end, requests). */
  inputs: number;
  /** Inputs sent later than scripted to keep clear of a deadline. */
  held: number;
  /** From the script's start to the end of the compared span (ms). */
  spanMs: number;
  marginMs: number;
  tolerance: Tolerance;
  /** The requests' round trips (ms, sorted): an input's time is uncertain by half of its own. */
  roundTripMs: { p50: number; p99: number; max: number };
  written: ComparableEvent[];
  predicted: ComparableEvent[];
  comparison: EventComparison;
}

/** A filter under which a long-poll finds nothing to return: it ends when its timeout does, as the script says. */
const QUIET_FILTER = JSON.stringify({ room: { rooms: [] }, presence: { types: [] }, account_data: { types: [] } });

/** How much later than predicted an event may be written (ms): see Tolerance. */
const LATE_WRITE_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Replays the plans against a running server over HTTP, as real clients: users registered and
 * signed in on their devices, /sync long-polls with set_presence, typing as activity, the
 * MSC3032 device report, the legacy PUT and GraphQL mutations. Each input is held clear of its
 * user's next deadline and recorded at the time it took effect (a sync's start when sent, its
 * end when answered, a request halfway between sending and its answer). Then the events the
 * server wrote in each profile room are read back and compared, event for event, with what
 * runEngine predicts for the recorded inputs.
 */
export async function runLive(options: LiveRunOptions): Promise<LiveRunResult> {
  const { baseUrl, server, marginMs } = options;
  const recorder = new LiveRecorder(server, Date.now());
  const tag = `live${Date.now().toString(36)}`;
  const users: LiveUser[] = [];
  // A few at a time: registration hashes a password.
  for (let index = 0; index < options.plans.length; index += 4) {
    const batch = options.plans.slice(index, index + 4).map((plan, offset) => setUpUser(baseUrl, `${tag}_${index + offset}`, devicesOf(plan), recorder, QUIET_FILTER));
    users.push(...(await Promise.all(batch)));
  }
  const capability = (await users[0].device(undefined).request<{ capabilities?: Record<string, Record<string, unknown>> }>('GET', '/capabilities')).capabilities?.[
    'org.matrix.msc3032.presence'
  ];
  const differences = advertisedDifferences(capability, server);
  if (differences.length > 0) throw new Error(`the server does not run with the settings the run expects (those \`npm run simulate -- --live-env\` prints for the scale):\n${differences.join('\n')}`);

  const total = options.plans.reduce((sum, plan) => sum + plan.length, 0);
  const counters = { done: 0, held: 0 };
  const roundTrips: number[] = [];
  const startAt = Date.now() + 500;
  await Promise.all(
    users.map((user, index) =>
      runLane(user, options.plans[index], startAt, recorder, server, marginMs, counters, roundTrips, () => options.progress?.(++counters.done, total)),
    ),
  );

  // Long enough after the last input for the devices to time out and what that changes to be written.
  const { settings, pacing, tickMs } = server;
  const drainMs = settings.syncOnlineTimeoutMs + pacing.offlineGraceMs + settings.lastActiveGranularityMs + Math.max(pacing.settleMs, pacing.maxLagMs) + 2 * tickMs + 2 * marginMs;
  const tolerance = { earlierMs: tickMs + marginMs, laterMs: LATE_WRITE_MS };
  const lastInput = Date.now();
  // The span compared ends clear of any predicted write, so none lands on either side of it by chance.
  const preview = predictedEvents(runEngine(server.policy, settings, pacing, recorder.scripts, lastInput + 3 * drainMs, tickMs), server.ids);
  const endAt = clearOf(lastInput + drainMs, preview.map((event) => ({ from: event.at - tolerance.earlierMs - marginMs, to: event.at + tolerance.laterMs + marginMs })));
  await sleep(endAt + tolerance.laterMs + marginMs - Date.now());

  const written: ComparableEvent[] = [];
  for (const user of users) written.push(...(await writtenEvents(user, server)));
  const relative = (events: ComparableEvent[]) => events.filter((event) => event.at <= endAt).map((event) => ({ ...event, at: event.at - startAt }));
  const predicted = relative(predictedEvents(runEngine(server.policy, settings, pacing, recorder.scripts, endAt, tickMs), server.ids));
  const ours = relative(written).sort((a, b) => a.at - b.at);
  return {
    baseUrl,
    users: users.length,
    devices: users.reduce((sum, user) => sum + user.devices.size, 0),
    inputs: recorder.inputCount,
    held: counters.held,
    spanMs: endAt - startAt,
    marginMs,
    tolerance,
    roundTripMs: { p50: quantile(roundTrips, 0.5), p99: quantile(roundTrips, 0.99), max: quantile(roundTrips, 1) },
    written: ours,
    predicted,
    comparison: compareEvents(ours, predicted, tolerance),
  };
}

/**
 * One user's clients: the operations in order, each at its time (or once the device's previous
 * poll has returned) and clear of the user's deadlines and of the ends of their polls in flight.
 */
async function runLane(
  user: LiveUser,
  operations: LiveOperation[],
  startAt: number,
  recorder: LiveRecorder,
  server: LiveServerSettings,
  marginMs: number,
  counters: { held: number },
  roundTrips: number[],
  done: () => void,
): Promise<void> {
  const polls = new Map<string, { end: number; returned: Promise<void> }>();
  const keepouts = (): Keepout[] => {
    const wake = recorder.wakeOf(user.userId);
    const spans = [...polls.values()].map(({ end }) => ({ from: end - marginMs, to: end + marginMs }));
    return wake === null ? spans : [...spans, deadlineKeepout(wake, server.tickMs, marginMs)];
  };
  /** Waits until now is clear of every keep-out span; returns whether it had to wait. */
  const clearNow = async (): Promise<boolean> => {
    let waited = false;
    for (;;) {
      const now = Date.now();
      recorder.advance(now);
      const at = clearOf(now, keepouts());
      if (at <= now) return waited;
      waited = true;
      await sleep(at - now);
    }
  };
  for (const operation of operations) {
    await sleep(startAt + operation.at - Date.now());
    if (operation.kind === 'poll') await polls.get(operation.deviceId)?.returned;
    if (await clearNow()) counters.held += 1;
    const device = user.device(operation.kind === 'poll' ? operation.deviceId : 'deviceId' in operation.input ? operation.input.deviceId : undefined);
    if (operation.kind === 'poll') {
      const sentAt = Date.now();
      const end = clearOf(sentAt + operation.until - operation.at, keepouts());
      recorder.record(user.userId, [{ kind: 'sync', deviceId: device.deviceId, state: operation.state }], sentAt);
      const returned = poll(device, user, operation.state, end - sentAt).then(() => {
        polls.delete(device.deviceId);
        recorder.record(user.userId, [{ kind: 'sync-end', deviceId: device.deviceId }], Date.now());
      });
      polls.set(device.deviceId, { end, returned });
    } else {
      const sentAt = Date.now();
      const inputs = await requestInputs(user, device, operation.input);
      roundTrips.push(Date.now() - sentAt);
      recorder.record(user.userId, inputs, tookEffect(sentAt));
    }
    done();
  }
  await Promise.all([...polls.values()].map(({ returned }) => returned));
}

/** One /sync long-poll of the device, from its last position. */
async function poll(device: LiveDevice, user: LiveUser, state: 'online' | 'unavailable', timeoutMs: number): Promise<void> {
  const since = user.since.get(device.deviceId)!;
  const answer = await device.request<{ next_batch: string }>('GET', '/sync', undefined, { since, timeout: String(timeoutMs), set_presence: state, filter: QUIET_FILTER });
  user.since.set(device.deviceId, answer.next_batch);
}

/** The m.presence and m.status events in the user's profile room, as a client pages them with /messages. */
async function writtenEvents(user: LiveUser, server: LiveServerSettings): Promise<ComparableEvent[]> {
  const filter = JSON.stringify({ types: [...server.ids.both('presence'), ...server.ids.both('status')] });
  const device = user.device(undefined);
  const events: ComparableEvent[] = [];
  for (let from: string | undefined; ; ) {
    const page = await device.request<{ chunk?: Array<{ sender: string; type: string; content: Record<string, unknown>; origin_server_ts: number }>; end?: string }>('GET', `/rooms/${encodeURIComponent(user.profileRoomId)}/messages`, undefined, { dir: 'f', limit: '1000', filter, ...(from ? { from } : {}) });
    for (const event of page.chunk ?? []) events.push({ sender: event.sender, type: event.type, content: event.content, at: event.origin_server_ts });
    if (!page.end || (page.chunk ?? []).length === 0) return events;
    from = page.end;
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.round(q * (sorted.length - 1))];
}

/** Whether a server answers at `baseUrl`. */
export async function serving(baseUrl: string): Promise<boolean> {
  try {
    await call(baseUrl, 'GET', '/_matrix/client/versions');
    return true;
  } catch {
    return false;
  }
}
