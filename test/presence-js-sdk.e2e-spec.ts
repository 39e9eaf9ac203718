import { ClientEvent, SetPresence, type MatrixClient } from 'matrix-js-sdk';
import { uniqueName } from './support/client.js';
import { presenceSeenBy, quietMatrixSdk, registerSdkClient, startAndPrepare } from './support/js-sdk.js';
import { startTestServer, type TestServer } from './support/test-server.js';

quietMatrixSdk();

describe('presence through matrix-js-sdk', () => {
  let server: TestServer;
  let alice: MatrixClient;
  let bob: MatrixClient;
  let roomId: string;

  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_PRESENCE_PER_SECOND: '100', RATE_LIMIT_PRESENCE_BURST: '100' });
    alice = await registerSdkClient(server.baseUrl, uniqueName('alice'));
    bob = await registerSdkClient(server.baseUrl, uniqueName('bob'));
    ({ room_id: roomId } = await alice.createRoom({ preset: 'public_chat' as never }));
    await bob.joinRoom(roomId);
    await Promise.all([startAndPrepare(alice), startAndPrepare(bob)]);
  });

  afterAll(async () => {
    alice?.stopClient();
    bob?.stopClient();
    await server?.close();
  });

  it('shows a syncing user online to a room-mate', async () => {
    const user = await presenceSeenBy(bob, alice.getUserId()!, (u) => u.presence === 'online');
    expect(user.presence).toBe('online');
  });

  it('setPresence and getPresence round-trip, and the room-mate sees the change', async () => {
    const seen = presenceSeenBy(bob, alice.getUserId()!, (u) => u.presence === 'unavailable' && u.presenceStatusMsg === 'Out for lunch');
    await alice.setPresence({ presence: 'unavailable', status_msg: 'Out for lunch' });
    expect(await alice.getPresence(alice.getUserId()!)).toMatchObject({ presence: 'unavailable', status_msg: 'Out for lunch' });
    const user = await seen;
    expect(user.presenceStatusMsg).toBe('Out for lunch');
    expect(await bob.getPresence(alice.getUserId()!)).toMatchObject({ presence: 'unavailable' });
  });

  it('clears the manual layer with online, and reports busy', async () => {
    const online = presenceSeenBy(bob, alice.getUserId()!, (u) => u.presence === 'online');
    await alice.setPresence({ presence: 'online' });
    expect((await online).currentlyActive).toBe(true);
    // The SDK's setPresence only knows the spec's three states, so busy goes over plain HTTP.
    const busy = presenceSeenBy(bob, alice.getUserId()!, (u) => u.presence === 'busy');
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/presence/${encodeURIComponent(alice.getUserId()!)}/status`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${alice.getAccessToken()}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ presence: 'busy', status_msg: 'On a call' }),
    });
    expect(response.status).toBe(200);
    expect((await busy).presenceStatusMsg).toBe('On a call');
    await alice.setPresence({ presence: 'online' });
  });

  it('setSyncPresence(unavailable) makes the syncing device idle', async () => {
    const idle = presenceSeenBy(alice, bob.getUserId()!, (u) => u.presence === 'unavailable');
    await bob.setSyncPresence(SetPresence.Unavailable);
    // The setting rides on bob's next /sync; a message ends the one waiting now.
    await alice.sendTextMessage(roomId, 'wake bob up');
    expect((await idle).presence).toBe('unavailable');
  });
});

describe('the presence rate limit with matrix-js-sdk', () => {
  let server: TestServer;
  let client: MatrixClient | undefined;

  beforeAll(async () => {
    // A token back takes 100 s: nothing refills during the test.
    server = await startTestServer({ RATE_LIMIT_PRESENCE_PER_SECOND: '0.01', RATE_LIMIT_PRESENCE_BURST: '2' });
  });

  afterAll(async () => {
    client?.stopClient();
    await server?.close();
  });

  it('lets setPresence through after many ordinary syncs, and still limits presence updates', async () => {
    const sdk = (client = await registerSdkClient(server.baseUrl, uniqueName('carol')));
    const synced = new Promise<void>((resolve) => {
      let syncs = 0;
      sdk.on(ClientEvent.Sync, () => {
        syncs += 1;
        if (syncs === 6) resolve();
      });
    });
    // No long-poll: the client syncs again as soon as a sync returns.
    await sdk.startClient({ pollTimeout: 0 });
    await synced;
    await sdk.setPresence({ presence: 'unavailable', status_msg: 'Reading' });
    expect(await sdk.getPresence(sdk.getUserId()!)).toMatchObject({ presence: 'unavailable', status_msg: 'Reading' });
    // The device coming online and that setPresence used the burst of two.
    await expect(sdk.setPresence({ presence: 'online' })).rejects.toMatchObject({ httpStatus: 429, errcode: 'M_LIMIT_EXCEEDED' });
  });
});
