import type { PresenceInput } from '../src/presence/core/presence-model.js';
import type { LiveRecorder } from '../src/simulation/live-recorder.js';
import type { RequestInput } from '../src/simulation/live-script.js';
import { type LiveDevice, login, register } from './live-client.js';

const PASSWORD = 'simulated-password';
/** How long a typing notification holds (ms); only its start counts as activity. */
const TYPING_TIMEOUT_MS = 30_000;

/** A simulated user on the server: their signed-in devices, a room to type in, their profile room. */
export interface LiveUser {
  userId: string;
  devices: Map<string, LiveDevice>;
  /** Each device's /sync position. */
  since: Map<string, string>;
  roomId: string;
  profileRoomId: string;
  /** The status text last set, which the legacy PUT repeats so as not to clear it. */
  statusMsg: string | null;
  /** The named device, or the first one for a request that names none. */
  device(deviceId: string | undefined): LiveDevice;
}

/**
 * Registers a user signed in on their first device, signs them in on the others (each sign-in
 * recorded as the input it is), takes each device's /sync position with a sync that reports
 * nothing (set_presence=offline), and makes a room for them to type in.
 */
export async function setUpUser(baseUrl: string, username: string, deviceIds: string[], recorder: LiveRecorder, filter: string): Promise<LiveUser> {
  const [first, ...others] = deviceIds.length > 0 ? deviceIds : ['laptop'];
  const devices = new Map<string, LiveDevice>();
  const signIn = async (request: () => Promise<LiveDevice>) => {
    const sentAt = Date.now();
    const device = await request();
    recorder.record(device.userId, [{ kind: 'login' }], tookEffect(sentAt));
    devices.set(device.deviceId, device);
    return device;
  };
  const owner = await signIn(() => register(baseUrl, username, PASSWORD, first));
  for (const deviceId of others) await signIn(() => login(baseUrl, owner.userId, PASSWORD, deviceId));
  const since = new Map<string, string>();
  for (const device of devices.values()) since.set(device.deviceId, (await device.request<{ next_batch: string }>('GET', '/sync', undefined, { set_presence: 'offline', filter })).next_batch);
  const roomId = (await owner.request<{ room_id: string }>('POST', '/createRoom', { preset: 'private_chat', name: 'typing' })).room_id;
  const server = owner.userId.slice(owner.userId.indexOf(':') + 1);
  const profileRoomId = (await owner.request<{ room_id: string }>('GET', `/directory/room/${encodeURIComponent(`#_profile_${username}:${server}`)}`)).room_id;
  return {
    userId: owner.userId,
    devices,
    since,
    roomId,
    profileRoomId,
    statusMsg: null,
    device: (deviceId) => (deviceId === undefined ? owner : devices.get(deviceId)) ?? owner,
  };
}

/**
 * When a request sent at `sentAt` and answered now took effect, as best the client can tell: the
 * server applied it somewhere between, so the middle is off by half the round trip at most.
 */
export function tookEffect(sentAt: number): number {
  return Math.round((sentAt + Date.now()) / 2);
}

/**
 * Sends one scripted input the way a client does, and returns the inputs the server took from
 * it: activity as a typing notification, a device's report through the MSC3032 activity
 * endpoint, manual presence through the legacy PUT (repeating the status text, as clients do),
 * appear-offline and the status text through GraphQL.
 */
export async function requestInputs(user: LiveUser, device: LiveDevice, input: RequestInput): Promise<PresenceInput[]> {
  switch (input.kind) {
    case 'activity':
      await device.request('PUT', `/rooms/${encodeURIComponent(user.roomId)}/typing/${encodeURIComponent(user.userId)}`, { typing: true, timeout: TYPING_TIMEOUT_MS });
      return [{ kind: 'activity', deviceId: device.deviceId }];
    case 'device-report':
      await device.request('POST', '/_matrix/client/unstable/org.matrix.msc3032/presence/activity', { state: input.state });
      return [{ kind: 'device-report', deviceId: device.deviceId, state: input.state }];
    case 'manual': {
      const body: Record<string, unknown> = { presence: input.state };
      if (user.statusMsg !== null) body.status_msg = user.statusMsg;
      await device.request('PUT', `/presence/${encodeURIComponent(user.userId)}/status`, body);
      return [
        { kind: 'manual', deviceId: device.deviceId, state: input.state },
        { kind: 'status', statusMsg: user.statusMsg },
      ];
    }
    case 'clear-manual':
      await device.graphql('mutation { clearManualPresence { state } }', {});
      return [input];
    case 'appear-offline':
      await device.graphql('mutation ($enabled: Boolean!) { setAppearOffline(enabled: $enabled) { state } }', { enabled: input.enabled });
      return [input];
    case 'status':
      await device.graphql('mutation ($statusMsg: String) { setStatus(statusMsg: $statusMsg) { state } }', { statusMsg: input.statusMsg });
      user.statusMsg = input.statusMsg;
      return [input];
  }
}
