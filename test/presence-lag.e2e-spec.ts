import type { MatrixClient, User } from 'matrix-js-sdk';
import { request, TestClient, uniqueName } from './support/client.js';
import { Subscription, wsClient } from './support/graphql.js';
import { presenceSeenBy, quietMatrixSdk, registerSdkClient, startAndPrepare, syncRecorder } from './support/js-sdk.js';
import { publishedPresenceEvents, type PresenceEvent } from './support/presence.js';
import type { RawSync } from './support/sync-checks.js';
import { startTestServer, type TestServer } from './support/test-server.js';

quietMatrixSdk();

/**
 * The publication bound end to end (PRODUCT.md 11.15) at scaled-down timers: every change the
 * clock makes reaches a matrix-js-sdk follower (its /sync presence) and a graphql-ws
 * `presenceChanged` subscriber, and the m.presence event behind it was written no later than
 * PRESENCE_MAX_LAG_MS (and one timer tick) after the rules made it. Each bound is computed from
 * the event's own origin_server_ts and last_active_ts (or from times the test took around the
 * request that set the timer running), never from how long the test waited.
 */
const TICK = 200;
const GRANULARITY = 2000;
const IDLE = 5000;
const SYNC_ONLINE = 1500;
const BUSY = 4000;
const MAX_LAG = 2000;
/**
 * How late a busy machine may run the ticker and commit its write, beyond the bound. The exact
 * bound is the engine's, proven on a fake clock (presence-engine.spec.ts); a rule broken here would
 * be late by a settle or a bound (2000 ms), more than this.
 */
const SCHEDULING = 1000;
const TIMERS = {
  RATE_LIMIT_PRESENCE_PER_SECOND: '1000',
  RATE_LIMIT_PRESENCE_BURST: '1000',
  PRESENCE_TIMER_TICK_MS: String(TICK),
  PRESENCE_LAST_ACTIVE_GRANULARITY_MS: String(GRANULARITY),
  PRESENCE_IDLE_TIMEOUT_MS: String(IDLE),
  PRESENCE_SYNC_ONLINE_TIMEOUT_MS: String(SYNC_ONLINE),
  PRESENCE_BUSY_TIMEOUT_MS: String(BUSY),
  // As the defaults: clock-made changes settle for as long as the bound allows.
  PRESENCE_MAX_LAG_MS: String(MAX_LAG),
  PRESENCE_SETTLE_MS: String(MAX_LAG),
};

type Watched = { state: string; currentlyActive: boolean; lastActiveTs: number | null };

/** A device that keeps a /sync long-poll in flight (set_presence online, as clients do) until stopped. */
class SyncingDevice {
  private stopped = false;
  private readonly loop: Promise<void>;
  /** When the last /sync was sent. */
  lastStart = 0;

  constructor(client: TestClient) {
    this.loop = (async () => {
      let since: string | undefined;
      while (!this.stopped) {
        this.lastStart = Date.now();
        since = (await client.sync(since ? { since, timeout: 500 } : {})).next_batch;
      }
    })();
  }

  /** Stops after the poll in flight; resolves with when its last /sync was sent. */
  async stop(): Promise<number> {
    this.stopped = true;
    await this.loop;
    return this.lastStart;
  }
}

/** Reads graphql-ws presence items until one matches. */
async function streamUntil(stream: Subscription<{ presenceChanged: Watched }>, accept: (item: Watched) => boolean): Promise<Watched> {
  for (;;) {
    const item = (await stream.next()).presenceChanged;
    if (accept(item)) return item;
  }
}

/** The last m.presence event in the owner's profile room that matches, once there is one (within 30 s). */
async function publishedUntil(owner: TestClient, accept: (content: Record<string, any>) => boolean): Promise<PresenceEvent & { origin_server_ts: number }> {
  let events: PresenceEvent[] = [];
  for (let attempt = 0; attempt < 300; attempt += 1) {
    events = await publishedPresenceEvents(owner, ['m.presence']);
    const match = events.filter((event) => accept(event.content)).at(-1);
    if (match) return match as PresenceEvent & { origin_server_ts: number };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no matching m.presence among ${JSON.stringify(events.map((event) => event.content))}`);
}

/** Asserts an event was written within the bound (and the machine's scheduling) after `ruleTime`, and not before it. */
function expectWrittenWithinBound(event: { origin_server_ts: number }, ruleTime: { earliest: number; latest: number }): void {
  expect(event.origin_server_ts).toBeGreaterThanOrEqual(ruleTime.earliest);
  expect(event.origin_server_ts).toBeLessThanOrEqual(ruleTime.latest + MAX_LAG + TICK + SCHEDULING);
}

describe('every change others can see is published within PRESENCE_MAX_LAG_MS (11.15), seen through matrix-js-sdk and graphql-ws', () => {
  let server: TestServer;
  let bob: MatrixClient | undefined;
  let stream: Subscription<{ presenceChanged: Watched }> | undefined;
  let laptop: SyncingDevice | undefined;

  beforeAll(async () => {
    server = await startTestServer(TIMERS);
  });

  afterAll(async () => {
    await laptop?.stop();
    stream?.unsubscribe();
    bob?.stopClient();
    await server?.close();
  });

  it('publishes idling, currently_active lapsing, a busy report lapsing and the last device timing out within the bound; requests at once', async () => {
    const alice = await TestClient.register(server.baseUrl, uniqueName('alice'), 'pw');
    const recorder = syncRecorder();
    bob = await registerSdkClient(server.baseUrl, uniqueName('bob'), undefined, { fetchFn: recorder.fetchFn });
    await bob.joinRoom(await alice.createRoom({ preset: 'public_chat' }));
    await startAndPrepare(bob);
    const query = 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { state currentlyActive lastActiveTs } }';
    stream = new Subscription(wsClient(server.baseUrl, bob.getAccessToken()!), query, { ids: [alice.userId] });
    const sees = (accept: (user: User) => boolean) => presenceSeenBy(bob!, alice.userId, accept);
    expect((await stream.next()).presenceChanged.state).toBe('OFFLINE');

    // Request-made: the first sync raises availability, which is activity (11.2).
    laptop = new SyncingDevice(alice);
    await sees((user) => user.presence === 'online' && user.currentlyActive);
    await streamUntil(stream, (item) => item.state === 'ONLINE' && item.currentlyActive);
    const online = await publishedUntil(alice, (content) => content.presence === 'online' && content.currently_active === true);
    expectWrittenWithinBound(online, { earliest: online.content.last_active_ts, latest: online.content.last_active_ts });

    // Clock-made: currently_active lapses GRANULARITY after the last activity, with the device still syncing.
    await sees((user) => user.presence === 'online' && !user.currentlyActive);
    await streamUntil(stream, (item) => item.state === 'ONLINE' && !item.currentlyActive);
    const lapse = await publishedUntil(alice, (content) => content.presence === 'online' && content.currently_active === false);
    expect(lapse.content.last_active_ts).toBe(online.content.last_active_ts);
    const lapsedAt = lapse.content.last_active_ts + GRANULARITY;
    expectWrittenWithinBound(lapse, { earliest: lapsedAt, latest: lapsedAt });

    // Clock-made: idle IDLE after the last activity, still syncing.
    await sees((user) => user.presence === 'unavailable');
    await streamUntil(stream, (item) => item.state === 'UNAVAILABLE');
    const idle = await publishedUntil(alice, (content) => content.presence === 'unavailable');
    expect(idle.content.last_active_ts).toBe(online.content.last_active_ts);
    const idleAt = idle.content.last_active_ts + IDLE;
    expectWrittenWithinBound(idle, { earliest: idleAt, latest: idleAt });

    // Request-made: a manual choice is written before the answer.
    await alice.ok('PUT', `/presence/${encodeURIComponent(alice.userId)}/status`, { presence: 'busy' });
    const answered = Date.now();
    const manual = await publishedUntil(alice, (content) => content.presence === 'busy');
    expect(manual.origin_server_ts).toBeLessThanOrEqual(answered);
    await sees((user) => user.presence === 'busy');
    await streamUntil(stream, (item) => item.state === 'BUSY');
    await alice.ok('PUT', `/presence/${encodeURIComponent(alice.userId)}/status`, { presence: 'online' });
    await sees((user) => user.presence !== 'busy');

    // Clock-made: a phone's busy report lapses BUSY after it; the phone never syncs.
    const login = await request(server.baseUrl, 'POST', '/login', { type: 'm.login.password', user: alice.userId, password: 'pw' });
    const reportedFrom = Date.now();
    const report = await request(server.baseUrl, 'POST', '/_matrix/client/unstable/org.matrix.msc3032/presence/activity', { state: 'busy' }, { token: login.body.access_token });
    const reportedBy = Date.now();
    expect(report.status).toBe(200);
    const busy = (await publishedPresenceEvents(alice, ['m.presence'])).at(-1) as PresenceEvent & { origin_server_ts: number };
    expect(busy.content.presence).toBe('busy');
    expect(busy.origin_server_ts).toBeLessThanOrEqual(reportedBy);
    await sees((user) => user.presence === 'busy');
    await streamUntil(stream, (item) => item.state === 'BUSY');
    await sees((user) => user.presence !== 'busy');
    await streamUntil(stream, (item) => item.state !== 'BUSY');
    const events = (await publishedPresenceEvents(alice, ['m.presence'])) as Array<typeof busy & { event_id: string }>;
    const afterBusy = events[events.findIndex((event) => event.event_id === (busy as typeof busy & { event_id: string }).event_id) + 1];
    expect(afterBusy.content.presence).not.toBe('busy');
    expectWrittenWithinBound(afterBusy, { earliest: reportedFrom + BUSY, latest: reportedBy + BUSY });

    // Clock-made: the last device times out SYNC_ONLINE after its last request.
    const lastSync = await laptop.stop();
    laptop = undefined;
    const stoppedAt = Date.now();
    await sees((user) => user.presence === 'offline');
    await streamUntil(stream, (item) => item.state === 'OFFLINE');
    const offline = await publishedUntil(alice, (content) => content.presence === 'offline');
    expectWrittenWithinBound(offline, { earliest: lastSync + SYNC_ONLINE, latest: stoppedAt + SYNC_ONLINE });

    // Every m.presence bob's /sync received carried last_active_ago (11.2).
    const received = recorder.syncs.flatMap((sync: RawSync) => sync.presence?.events ?? []);
    expect(received.length).toBeGreaterThan(0);
    for (const event of received) expect(event.content).toMatchObject({ last_active_ago: expect.any(Number) });
  }, 120_000);

  it('folds away one burst of activity that lapses within the bound: neither its return nor its lapse is written', async () => {
    const alice = await TestClient.register(server.baseUrl, uniqueName('alice'));
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    const device = new SyncingDevice(alice);
    try {
      const lapse = await publishedUntil(alice, (content) => content.presence === 'online' && content.currently_active === false);
      const sentFrom = Date.now();
      await alice.send(roomId, { msgtype: 'm.text', body: 'one message' });
      // Idling, IDLE after the message, shows the message counted as activity; nothing was written for it before.
      const idle = await publishedUntil(alice, (content) => content.presence === 'unavailable');
      expect(idle.content.last_active_ts).toBeGreaterThanOrEqual(sentFrom);
      const events = (await publishedPresenceEvents(alice, ['m.presence'])) as Array<PresenceEvent & { event_id: string }>;
      const between = events.slice(events.findIndex((event) => event.event_id === (lapse as typeof lapse & { event_id: string }).event_id) + 1, -1);
      expect(between).toEqual([]);
    } finally {
      await device.stop();
    }
  }, 120_000);
});

describe('with PRESENCE_PUBLISH_ACTIVITY_LAPSES=false, readers derive currently_active lapsing from last_active_ts', () => {
  let server: TestServer;
  let bob: MatrixClient | undefined;
  let stream: Subscription<{ presenceChanged: Watched }> | undefined;
  let laptop: SyncingDevice | undefined;

  beforeAll(async () => {
    server = await startTestServer({ ...TIMERS, PRESENCE_PUBLISH_ACTIVITY_LAPSES: 'false' });
  });

  afterAll(async () => {
    await laptop?.stop();
    stream?.unsubscribe();
    bob?.stopClient();
    await server?.close();
  });

  it('refreshes last_active_ts while the user stays active, and tells /sync and graphql-ws of the lapse no event carries', async () => {
    const alice = await TestClient.register(server.baseUrl, uniqueName('alice'));
    const recorder = syncRecorder();
    bob = await registerSdkClient(server.baseUrl, uniqueName('bob'), undefined, { fetchFn: recorder.fetchFn });
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.joinRoom(roomId);
    await startAndPrepare(bob);
    const query = 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { state currentlyActive lastActiveTs } }';
    stream = new Subscription(wsClient(server.baseUrl, bob.getAccessToken()!), query, { ids: [alice.userId] });
    laptop = new SyncingDevice(alice);
    await streamUntil(stream, (item) => item.state === 'ONLINE' && item.currentlyActive);
    const online = await publishedUntil(alice, (content) => content.presence === 'online' && content.currently_active === true);

    // Active for more than two granularities: a message every 600 ms.
    let lastSentFrom = 0;
    for (let message = 0; message < 8; message += 1) {
      lastSentFrom = Date.now();
      await alice.send(roomId, { msgtype: 'm.text', body: `message ${message}` });
      await new Promise((resolve) => setTimeout(resolve, 600));
    }

    // The lapse is derived: bob's /sync and the subscription hear of it, with no event written for it.
    await presenceSeenBy(bob, alice.userId, (user) => user.presence === 'online' && user.currentlyActive === false);
    await streamUntil(stream, (item) => item.state === 'ONLINE' && !item.currentlyActive);
    const delivered = recorder.syncs.flatMap((sync: RawSync) => sync.presence?.events ?? []).filter((event) => event.sender === alice.userId);
    expect(delivered.at(-1)!.content).toMatchObject({ presence: 'online', currently_active: false, last_active_ago: expect.any(Number) });

    const active = (await publishedPresenceEvents(alice, ['m.presence'])).filter((event) => event.content.presence === 'online') as Array<
      PresenceEvent & { origin_server_ts: number }
    >;
    expect(active.every((event) => event.content.currently_active === true)).toBe(true);
    expect(active[0].content.last_active_ts).toBe(online.content.last_active_ts);
    // Refreshed while active, each before what readers derived from the one before had lapsed for longer than the bound.
    expect(active.length).toBeGreaterThanOrEqual(3);
    for (let index = 1; index < active.length; index += 1) {
      expect(active[index].content.last_active_ts).toBeGreaterThan(active[index - 1].content.last_active_ts);
      expect(active[index].origin_server_ts).toBeLessThanOrEqual(active[index - 1].content.last_active_ts + GRANULARITY + MAX_LAG + TICK + SCHEDULING);
    }
    // The last one carries the last activity, so readers derive the lapse no earlier than it happened.
    expect(active.at(-1)!.content.last_active_ts).toBeGreaterThanOrEqual(lastSentFrom);
  }, 120_000);
});
