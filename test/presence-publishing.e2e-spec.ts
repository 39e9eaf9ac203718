import { request, TestClient, uniqueName } from './support/client.js';
import { graphql } from './support/graphql.js';
import { presenceOf, publishedPresenceEvents, syncUntilPresence } from './support/presence.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const enc = encodeURIComponent;
const FAST = { PRESENCE_TIMER_TICK_MS: '50', RATE_LIMIT_PRESENCE_PER_SECOND: '1000', RATE_LIMIT_PRESENCE_BURST: '1000' };

async function roomMates(server: TestServer): Promise<[TestClient, TestClient, string]> {
  const [alice, bob] = await Promise.all([TestClient.register(server.baseUrl), TestClient.register(server.baseUrl)]);
  const roomId = await alice.createRoom({ preset: 'public_chat' });
  await bob.join(roomId);
  return [alice, bob, roomId];
}

const put = (client: TestClient, body: Record<string, unknown>) => client.ok('PUT', `/presence/${enc(client.userId)}/status`, body);

async function withServer(env: Record<string, string>, body: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer({ ...FAST, ...env });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe('publishing presence into the profile room', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(FAST);
  });

  afterAll(() => server.close());

  it('publishes every change of many users changing at once, each in order, before answering', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => TestClient.register(server.baseUrl)));
    await Promise.all(
      users.map(async (user) => {
        await Promise.all([put(user, { presence: 'busy' }), user.sync({ set_presence: 'offline' })]);
        await put(user, { presence: 'unavailable', status_msg: 'away' });
      }),
    );
    for (const user of users) {
      const events = await publishedPresenceEvents(user);
      // Registering wrote the first m.presence (offline, with last_active_ts).
      expect(events.map((event) => event.content.presence ?? event.content.status_msg)).toEqual(['offline', 'busy', 'unavailable', 'away']);
    }
  });

  it('writes exactly one event per change of presence, currently_active or status, and none otherwise', async () => {
    const alice = await TestClient.register(server.baseUrl);
    // Registering is the first act (PRODUCT.md 11.2): offline, but with a last_active_ts.
    const [registered] = await publishedPresenceEvents(alice);
    expect(registered.content).toEqual({ presence: 'offline', last_active_ts: expect.any(Number), currently_active: false });
    expect(registered.content.last_active_ts).toBeGreaterThan(0);

    await put(alice, { presence: 'online', status_msg: 'hello' });
    await put(alice, { presence: 'online', status_msg: 'hello' });
    await alice.sync();
    await put(alice, { presence: 'busy', status_msg: 'hello' });
    await put(alice, { presence: 'busy', status_msg: 'in a call' });
    await put(alice, { presence: 'online' });
    await put(alice, { presence: 'offline' });

    const events = (await publishedPresenceEvents(alice)).slice(1);
    expect(events.map((event) => [event.type, event.content.presence ?? event.content.status_msg ?? null])).toEqual([
      ['m.presence', 'online'],
      ['m.status', 'hello'],
      ['m.presence', 'busy'],
      ['m.status', 'in a call'],
      ['m.presence', 'online'],
      ['m.status', null],
      ['m.presence', 'offline'],
    ]);
    for (const event of events) expect(event).toMatchObject({ sender: alice.userId, state_key: '' });
    expect(events[0].content).toEqual({ presence: 'online', last_active_ts: expect.any(Number), currently_active: true });
    expect(events[2].content.currently_active).toBe(false);
  });

  it('publishes offline for appear-offline and keeps the legacy view in step with the room', async () => {
    const [alice, bob] = await roomMates(server);
    await alice.sync();
    await put(alice, { presence: 'offline' });
    const roomId = await alice.profileRoomId();
    const inRoom = await alice.ok('GET', `/rooms/${enc(roomId)}/state/m.presence/`);
    const legacy = await bob.ok('GET', `/presence/${enc(alice.userId)}/status`);
    expect(inRoom.presence).toBe('offline');
    expect(legacy.presence).toBe(inRoom.presence);
  });

  it('counts sending a message as activity, waking a device that reported unavailable', async () => {
    const [alice, bob, roomId] = await roomMates(server);
    await alice.sync({ set_presence: 'unavailable' });
    expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('unavailable');
    await alice.send(roomId, { msgtype: 'm.text', body: 'activity' });
    expect(await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).toMatchObject({ presence: 'online', currently_active: true });
  });
});

describe('receipts and typing', () => {
  it('count as activity and refuse what is not theirs to send', async () => {
    await withServer({}, async (server) => {
      const [alice, bob, roomId] = await roomMates(server);
      const eventId = await bob.send(roomId, { msgtype: 'm.text', body: 'read me' });
      await alice.sync({ set_presence: 'unavailable' });
      await alice.ok('POST', `/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`, {});
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('online');
      await alice.sync({ set_presence: 'unavailable' });
      await alice.ok('PUT', `/rooms/${enc(roomId)}/typing/${enc(alice.userId)}`, { typing: true, timeout: 30_000 });
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('online');

      expect((await alice.request('POST', `/rooms/${enc(roomId)}/receipt/m.seen/${enc(eventId)}`, {})).status).toBe(400);
      expect((await alice.request('POST', `/rooms/${enc(roomId)}/receipt/m.read/${enc('$missing')}`, {})).status).toBe(404);
      expect((await alice.request('PUT', `/rooms/${enc(roomId)}/typing/${enc(bob.userId)}`, { typing: true })).status).toBe(403);
      expect((await alice.request('PUT', `/rooms/${enc(roomId)}/typing/${enc(alice.userId)}`, { typing: 'yes' })).status).toBe(400);
      const stranger = await TestClient.register(server.baseUrl);
      expect((await stranger.request('PUT', `/rooms/${enc(roomId)}/typing/${enc(stranger.userId)}`, { typing: true })).status).toBe(403);
    });
  });
});

describe('presence timers', () => {
  it('takes a user offline after the sync timeout, and publishes it', async () => {
    await withServer({ PRESENCE_SYNC_ONLINE_TIMEOUT_MS: '1000' }, async (server) => {
      const [alice, bob] = await roomMates(server);
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      await put(alice, { presence: 'online' });
      await syncUntilPresence(bob, since, alice.userId, (content) => content.presence === 'offline');
      expect((await publishedPresenceEvents(alice)).map((event) => event.content.presence)).toEqual(['offline', 'online', 'offline']);
    });
  });

  it('keeps a device online through a long-poll longer than the sync timeout', async () => {
    await withServer({ PRESENCE_SYNC_ONLINE_TIMEOUT_MS: '1000' }, async (server) => {
      const [alice, bob] = await roomMates(server);
      // The first sync marks alice online (and returns at once with that); the next one waits.
      const { next_batch: since } = await alice.sync();
      const polling = alice.sync({ since, timeout: 5000 });
      // Three sync timeouts into the poll, alice's device is still connected.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('online');
      await polling;
      const { next_batch: later } = await bob.sync({ set_presence: 'offline' });
      await syncUntilPresence(bob, later, alice.userId, (content) => content.presence === 'offline');
    });
  });

  it('goes unavailable after the idle timeout while still syncing, and online again on activity', async () => {
    await withServer({ PRESENCE_IDLE_TIMEOUT_MS: '1000', PRESENCE_SETTLE_MS: '0' }, async (server) => {
      const [alice, bob, roomId] = await roomMates(server);
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      await alice.sync();
      const idle = await syncUntilPresence(bob, since, alice.userId, (content) => content.presence === 'unavailable');
      expect(idle.currently_active).toBeUndefined();
      const { next_batch: later } = await bob.sync({ set_presence: 'offline' });
      await alice.sync();
      await alice.send(roomId, { msgtype: 'm.text', body: 'back' });
      await syncUntilPresence(bob, later, alice.userId, (content) => content.presence === 'online');
    });
  });

  it('by default writes currently_active lapsing after the granularity', async () => {
    await withServer({ PRESENCE_LAST_ACTIVE_GRANULARITY_MS: '1000', PRESENCE_SETTLE_MS: '0', PRESENCE_PUBLISH_ACTIVITY_LAPSES: 'true' }, async (server) => {
      const [alice, bob] = await roomMates(server);
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      await put(alice, { presence: 'online' });
      await syncUntilPresence(bob, since, alice.userId, (c) => c.presence === 'online' && c.currently_active === false);
      // Registering wrote the first (offline) event.
      expect((await publishedPresenceEvents(alice, ['m.presence'])).map((event) => event.content.currently_active)).toEqual([false, true, false]);
    });
  });

  it('with PRESENCE_PUBLISH_ACTIVITY_LAPSES=false lets readers derive currently_active lapsing from last_active_ts, writing nothing for it', async () => {
    await withServer({ PRESENCE_LAST_ACTIVE_GRANULARITY_MS: '1000', PRESENCE_PUBLISH_ACTIVITY_LAPSES: 'false' }, async (server) => {
      const [alice, bob] = await roomMates(server);
      const capabilities = (await bob.ok('GET', '/capabilities')).capabilities['org.matrix.msc3032.presence'];
      expect(capabilities).toEqual({ last_active_granularity_ms: 1000, currently_active_lapses_published: false, max_publication_lag_ms: 60_000 });
      await alice.sync();
      const published = await publishedPresenceEvents(alice, ['m.presence']);
      // Registering wrote the first (offline) event.
      expect(published.map((event) => [event.content.presence, event.content.currently_active])).toEqual([
        ['offline', false],
        ['online', true],
      ]);
      // Past last_active_ts + the granularity every reader says what the published event implies.
      const lapse = published[1].content.last_active_ts + 1000;
      while (Date.now() <= lapse) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).toMatchObject({ presence: 'online', currently_active: false });
      expect(presenceOf(await bob.sync({ set_presence: 'offline' }), alice.userId)).toMatchObject({ presence: 'online', currently_active: false });
      const read = await graphql(server.baseUrl, bob.accessToken, 'query($ids: [ID!]!) { presences(userIds: $ids) { currentlyActive } }', { ids: [alice.userId] });
      expect(read.data).toEqual({ presences: [{ currentlyActive: false }] });
      expect(await publishedPresenceEvents(alice, ['m.presence'])).toHaveLength(2);
    });
  });

  it('lets an idle spell settle for PRESENCE_SETTLE_MS: a pause between messages writes nothing', async () => {
    await withServer({ PRESENCE_IDLE_TIMEOUT_MS: '2000', PRESENCE_LAST_ACTIVE_GRANULARITY_MS: '1000' }, async (server) => {
      const [alice, bob, roomId] = await roomMates(server);
      await alice.sync();
      // Alice's own view (the truth) goes idle; what others see waits for the change to settle.
      for (let own = 'online'; own !== 'unavailable'; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        own = (await alice.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence;
      }
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('online');
      await alice.send(roomId, { msgtype: 'm.text', body: 'back before it settled' });
      expect((await publishedPresenceEvents(alice)).map((event) => [event.content.presence, event.content.currently_active])).toEqual([
        ['offline', false],
        ['online', true],
      ]);
    });
  });

  it('holds automatic changes to one per PRESENCE_MIN_PUBLISH_INTERVAL_MS, publishing changes by hand at once', async () => {
    await withServer({ PRESENCE_MIN_PUBLISH_INTERVAL_MS: '1500' }, async (server) => {
      const [alice, bob] = await roomMates(server);
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      await put(alice, { presence: 'online' });
      await alice.sync({ set_presence: 'unavailable' });
      // The automatic change waits for the interval; the view others get stays what was written.
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('online');
      await syncUntilPresence(bob, since, alice.userId, (content) => content.presence === 'unavailable');
      await put(alice, { presence: 'busy' });
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('busy');
      expect((await publishedPresenceEvents(alice)).map((event) => event.content.presence)).toEqual(['offline', 'online', 'unavailable', 'busy']);
    });
  });

  it('re-arms after a restart: a user online when the server stopped goes offline', async () => {
    const first = await startTestServer({ ...FAST, PRESENCE_SYNC_ONLINE_TIMEOUT_MS: '1000' });
    const [alice, bob] = await roomMates(first);
    const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
    await put(alice, { presence: 'online' });
    await first.stop();
    const second = await startTestServer({ ...FAST, PRESENCE_SYNC_ONLINE_TIMEOUT_MS: '1000' }, { database: first.database });
    try {
      const bobAgain = new TestClient(second.baseUrl, bob.userId, bob.accessToken, bob.deviceId);
      await syncUntilPresence(bobAgain, since, alice.userId, (content) => content.presence === 'offline');
    } finally {
      await second.close();
      await first.close();
    }
  });
  it('reads what others see back from the profile room after a restart', async () => {
    const first = await startTestServer(FAST);
    const [alice, bob] = await roomMates(first);
    await put(alice, { presence: 'busy', status_msg: 'lunch' });
    await first.stop();
    // No tick runs before the reads below, so what they see is what the boot read from the room.
    const second = await startTestServer({ ...FAST, PRESENCE_TIMER_TICK_MS: '60000' }, { database: first.database });
    try {
      const bobAgain = new TestClient(second.baseUrl, bob.userId, bob.accessToken, bob.deviceId);
      expect(await bobAgain.ok('GET', `/presence/${enc(alice.userId)}/status`)).toMatchObject({ presence: 'busy', status_msg: 'lunch' });
      const aliceAgain = new TestClient(second.baseUrl, alice.userId, alice.accessToken, alice.deviceId);
      expect((await publishedPresenceEvents(aliceAgain)).map((event) => event.type)).toEqual(['m.presence', 'm.presence', 'm.status']);
    } finally {
      await second.close();
      await first.close();
    }
  });
});

describe('presence modes and policies', () => {
  it('PRESENCE_ENABLED=false serves no presence and publishes nothing', async () => {
    await withServer({ PRESENCE_ENABLED: 'false' }, async (server) => {
      const [alice, bob] = await roomMates(server);
      await put(alice, { presence: 'online', status_msg: 'ignored' });
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('offline');
      expect((await bob.sync()).presence).toBeUndefined();
      expect(await publishedPresenceEvents(alice)).toEqual([]);
    });
  });

  it('PRESENCE_ENABLED=untracked ignores client inputs but still serves reads', async () => {
    await withServer({ PRESENCE_ENABLED: 'untracked' }, async (server) => {
      const [alice, bob] = await roomMates(server);
      await put(alice, { presence: 'busy' });
      await alice.sync();
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('offline');
      expect(presenceOf(await bob.sync(), alice.userId)).toMatchObject({ presence: 'offline' });
      expect(await publishedPresenceEvents(alice)).toEqual([]);
    });
  });

  it('the legacy policy lets offline from one device leave another online; msc3032 hides the user', async () => {
    for (const [policy, expected] of [
      ['legacy', 'online'],
      ['msc3032', 'offline'],
    ]) {
      await withServer({ PRESENCE_POLICY: policy }, async (server) => {
        const username = uniqueName();
        const laptop = await TestClient.register(server.baseUrl, username, 'pw');
        const login = await request(server.baseUrl, 'POST', '/login', { type: 'm.login.password', user: username, password: 'pw' });
        const phone = new TestClient(server.baseUrl, laptop.userId, login.body.access_token, login.body.device_id);
        const bob = await TestClient.register(server.baseUrl);
        const roomId = await laptop.createRoom({ preset: 'public_chat' });
        await bob.join(roomId);
        await phone.sync();
        await put(laptop, { presence: 'offline' });
        expect((await bob.ok('GET', `/presence/${enc(laptop.userId)}/status`)).presence).toBe(expected);
      });
    }
  });

  it('writes the unstable identifiers when configured', async () => {
    await withServer({ MSC_IDENTIFIERS: 'unstable' }, async (server) => {
      const alice = await TestClient.register(server.baseUrl);
      await put(alice, { presence: 'busy', status_msg: 'unstable' });
      const events = await publishedPresenceEvents(alice, ['org.matrix.msc3032.presence', 'org.matrix.msc3032.status']);
      expect(events.map((event) => [event.type, event.content])).toEqual([
        ['org.matrix.msc3032.presence', expect.objectContaining({ presence: 'offline' })],
        ['org.matrix.msc3032.presence', expect.objectContaining({ presence: 'org.matrix.msc3026.busy' })],
        ['org.matrix.msc3032.status', { status_msg: 'unstable' }],
      ]);
      expect((await alice.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('org.matrix.msc3026.busy');
      const refused = await alice.request('PUT', `/rooms/${enc(await alice.profileRoomId())}/state/org.matrix.msc3032.presence/`, {
        presence: 'online',
      });
      expect(refused.status).toBe(403);
    });
  });
});
