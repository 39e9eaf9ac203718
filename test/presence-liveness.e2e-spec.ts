import type { MatrixClient } from 'matrix-js-sdk';
import { request, TestClient, uniqueName } from './support/client.js';
import { graphql, Subscription, wsFor } from './support/graphql.js';
import { loginSdkClient, presenceSeenBy, quietMatrixSdk, registerSdkClient, startAndPrepare, syncRecorder } from './support/js-sdk.js';
import { publishedPresenceEvents } from './support/presence.js';
import type { RawSync } from './support/sync-checks.js';
import { startTestServer, type TestServer } from './support/test-server.js';

quietMatrixSdk();

/**
 * Device liveness and activity end to end (PRODUCT.md 11.2, 11.13, 11.14): signing in sets
 * last_active_ts, a device that reported busy stays live without syncing until the busy
 * timeout, and a manual choice needs a live device. Timers are scaled down; the tests wait for
 * what the server sends rather than for durations.
 */
const RATE = { RATE_LIMIT_PRESENCE_PER_SECOND: '1000', RATE_LIMIT_PRESENCE_BURST: '1000' };
/** A sync timeout of a second, a busy timeout long after it; clock-made changes written at once. */
const TIMERS = {
  ...RATE,
  PRESENCE_SYNC_ONLINE_TIMEOUT_MS: '1000',
  PRESENCE_BUSY_TIMEOUT_MS: '12000',
  PRESENCE_TIMER_TICK_MS: '50',
  PRESENCE_SETTLE_MS: '0',
};

function presenceEventsOf(syncs: RawSync[]) {
  return syncs.flatMap((sync) => sync.presence?.events ?? []);
}

/** The MSC3032 activity report for the device of `token`. */
async function reportActivity(baseUrl: string, token: string, state: string): Promise<void> {
  const response = await request(baseUrl, 'POST', '/_matrix/client/unstable/org.matrix.msc3032/presence/activity', { state }, { token });
  expect(response.status).toBe(200);
}

/** Resolves once `deviceId` no longer counts among the user's devices (GraphQL `me.devices`), and returns the others. */
async function untilDropped(client: TestClient, deviceId: string): Promise<Array<{ deviceId: string; state: string; live: boolean }>> {
  for (;;) {
    const response = await graphql<{ me: { devices: Array<{ deviceId: string; state: string; live: boolean }> } }>(
      client.baseUrl,
      client.accessToken,
      '{ me { devices { deviceId state live } } }',
    );
    const devices = response.data!.me.devices;
    if (!devices.some((device) => device.deviceId === deviceId && device.live)) return devices.filter((device) => device.deviceId !== deviceId);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('signing in is the first act (11.2), through matrix-js-sdk', () => {
  let server: TestServer;
  let alice: MatrixClient;
  let bob: MatrixClient | undefined;

  beforeAll(async () => {
    server = await startTestServer(RATE);
  });

  afterAll(async () => {
    bob?.stopClient();
    await server?.close();
  });

  it('gives last_active_ago on every m.presence of /sync and on GET, for a user who never sent anything', async () => {
    alice = await registerSdkClient(server.baseUrl, uniqueName('alice'));
    const recorder = syncRecorder();
    const bobName = uniqueName('bob');
    await registerSdkClient(server.baseUrl, bobName);
    bob = await loginSdkClient(server.baseUrl, bobName, undefined, { fetchFn: recorder.fetchFn });
    // Alice creates the room and never syncs, sends or reports: signing in is all she did.
    const { room_id: roomId } = await alice.createRoom({ preset: 'public_chat' as never });
    await bob.joinRoom(roomId);
    await startAndPrepare(bob);
    const initial = presenceEventsOf(recorder.syncs).find((event) => event.sender === alice.getUserId());
    expect(initial?.content).toMatchObject({ presence: 'offline', last_active_ago: expect.any(Number) });
    expect(await bob.getPresence(alice.getUserId()!)).toMatchObject({ presence: 'offline', last_active_ago: expect.any(Number) });
    expect(await alice.getPresence(alice.getUserId()!)).toMatchObject({ last_active_ago: expect.any(Number) });

    // A PUT of unavailable is not activity; the change bob's incremental sync brings still carries it.
    const unavailable = presenceSeenBy(bob, alice.getUserId()!, (user) => user.presence === 'unavailable');
    await alice.setPresence({ presence: 'unavailable' });
    await unavailable;
    const events = presenceEventsOf(recorder.syncs);
    expect(events.filter((event) => event.sender === alice.getUserId()).map((event) => event.content.presence)).toContain('unavailable');
    for (const event of events) expect(event.content).toMatchObject({ last_active_ago: expect.any(Number) });
  });
});

describe('signing in under the legacy policy', () => {
  it('changes nothing, as in Synapse: nothing is written and GET has no last_active_ago', async () => {
    const server = await startTestServer({ ...RATE, PRESENCE_POLICY: 'legacy' });
    try {
      const alice = await TestClient.register(server.baseUrl);
      const bob = await TestClient.register(server.baseUrl);
      await bob.join(await alice.createRoom({ preset: 'public_chat' }));
      const seen = await bob.ok('GET', `/presence/${encodeURIComponent(alice.userId)}/status`);
      expect(seen).toEqual({ presence: 'offline', status_msg: null });
      // Bob's first sync counts (Synapse sets last_active_ts when a device comes online); alice's sign-in did not.
      await bob.sync();
      expect(await publishedPresenceEvents(bob, ['m.presence'])).toHaveLength(1);
      expect(await publishedPresenceEvents(alice, ['m.presence'])).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe('a busy device stays live without syncing (11.14), and a manual choice needs a live device (11.13)', () => {
  let server: TestServer;
  let bob: MatrixClient | undefined;

  beforeAll(async () => {
    server = await startTestServer(TIMERS);
  });

  afterAll(async () => {
    bob?.stopClient();
    await server?.close();
  });

  it('keeps the manual choice while a phone in a call does not sync, offline once its report lapses, back with a device', async () => {
    const name = uniqueName('alice');
    const laptop = await registerSdkClient(server.baseUrl, name);
    const phone = await loginSdkClient(server.baseUrl, name);
    const aliceId = laptop.getUserId()!;
    const aliceOverHttp = new TestClient(server.baseUrl, aliceId, laptop.getAccessToken()!, laptop.getDeviceId()!);
    bob = await registerSdkClient(server.baseUrl, uniqueName('bob'));
    const { room_id: roomId } = await laptop.createRoom({ preset: 'public_chat' as never });
    await bob.joinRoom(roomId);
    await startAndPrepare(bob);

    await laptop.setPresence({ presence: 'unavailable' });
    await reportActivity(server.baseUrl, phone.getAccessToken()!, 'busy');
    // The laptop's last request comes after the phone's: once it has dropped out, so would have a phone that only synced.
    await aliceOverHttp.sync({ timeout: 0 });
    await presenceSeenBy(bob, aliceId, (user) => user.presence === 'unavailable');
    const remaining = await untilDropped(aliceOverHttp, laptop.getDeviceId()!);
    expect(remaining).toEqual([{ deviceId: phone.getDeviceId(), state: 'BUSY', live: true }]);
    expect(await bob.getPresence(aliceId)).toMatchObject({ presence: 'unavailable' });

    // The phone's report lapses after the busy timeout: no live device, so offline whatever was chosen.
    await presenceSeenBy(bob, aliceId, (user) => user.presence === 'offline');
    // A device coming back brings the manual choice back.
    await aliceOverHttp.sync({ timeout: 0 });
    await presenceSeenBy(bob, aliceId, (user) => user.presence === 'unavailable');
    const published = (await publishedPresenceEvents(aliceOverHttp, ['m.presence'])).map((event) => event.content.presence);
    expect(published).toEqual(['offline', 'unavailable', 'offline', 'unavailable']);
  }, 60_000);
});

describe('busy and last activity over GraphQL and graphql-ws', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(TIMERS);
  });

  afterAll(() => server?.close());

  it('streams a new user with a last activity, busy that outlives the sync timeout, then offline when it lapses', async () => {
    const phone = await TestClient.register(server.baseUrl, uniqueName('alice'), 'pw');
    const login = await request(server.baseUrl, 'POST', '/login', { type: 'm.login.password', user: phone.userId, password: 'pw' });
    const laptop = new TestClient(server.baseUrl, phone.userId, login.body.access_token, login.body.device_id);
    const watcher = await TestClient.register(server.baseUrl);
    await watcher.join(await phone.createRoom({ preset: 'public_chat' }));

    const query = 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { state lastActiveTs } }';
    const stream = new Subscription<{ presenceChanged: { state: string; lastActiveTs: number | null } }>(wsFor(watcher), query, { ids: [phone.userId] });
    const first = (await stream.next()).presenceChanged;
    expect(first).toEqual({ state: 'OFFLINE', lastActiveTs: expect.any(Number) });

    const report = new Subscription<{ reportDeviceActivity: { state: string } }>(wsFor(phone), 'mutation { reportDeviceActivity(state: BUSY) { state } }');
    expect((await report.next()).reportDeviceActivity.state).toBe('BUSY');
    await laptop.sync({ timeout: 0 });
    const seen: string[] = [];
    while (seen.at(-1) !== 'BUSY') seen.push((await stream.next()).presenceChanged.state);
    await untilDropped(phone, laptop.deviceId);
    const now = await graphql(server.baseUrl, watcher.accessToken, 'query($id: ID!) { presence(userId: $id) { state } }', { id: phone.userId });
    expect(now.data!.presence.state).toBe('BUSY');

    while (seen.at(-1) !== 'OFFLINE') seen.push((await stream.next()).presenceChanged.state);
    expect(seen).toEqual(['BUSY', 'OFFLINE']);
    stream.unsubscribe();
  }, 60_000);
});
