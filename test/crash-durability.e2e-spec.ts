import WebSocket from 'ws';
import { TestClient, uniqueName } from './support/client.js';
import { graphql } from './support/graphql.js';
import { compiledServerPerTest, type CompiledServerProcess } from './support/compiled-server.js';

const enc = encodeURIComponent;
const USERS = 12;
const TICK_MS = 250;
/** A round stops its load once this many PUTs were answered with 200 (or after LOAD_LIMIT_MS). */
const ACKS_PER_ROUND = USERS * 8;
const LOAD_LIMIT_MS = 20_000;
const PUTS_PER_USER = 500;
const ENV = {
  RATE_LIMIT_PRESENCE_PER_SECOND: '100000',
  RATE_LIMIT_PRESENCE_BURST: '100000',
  // Devices stay live across the restarts, so only what was written decides presence.
  PRESENCE_SYNC_ONLINE_TIMEOUT_MS: '3600000',
  PRESENCE_TIMER_TICK_MS: String(TICK_MS),
  // A client that stops reading is cut off this long after SIGTERM.
  SHUTDOWN_TIMEOUT_MS: '2000',
};

interface Put {
  presence: 'busy' | 'unavailable';
  statusMsg: string;
}

interface User {
  client: TestClient;
  profileRoomId: string;
  /** The last PUT answered with 200, and one sent after it with no answer (either may be in force). */
  acked: Put | null;
  unanswered: Put | null;
}

interface Observed {
  put: Put;
  eventIds: string[];
}

/**
 * Crash safety of presence: a PUT answered with 200 survives kill -9 and SIGTERM. The server runs
 * as a process of its own on one database, under a load of legacy PUTs (each user one at a
 * time, changing presence and a unique status text), is stopped mid-load and started again; every
 * user's last acknowledged PUT (or the one still unanswered) must then be what every reader sees,
 * and stay so once the engine's timers have run.
 */
describe('presence across kill -9 and SIGTERM', () => {
  const start = compiledServerPerTest(ENV);

  it('keeps every acknowledged PUT through kill -9 and restart, also after the timers run', async () => {
    let server = await start();
    const { users, watcher } = await setUp(server);
    for (let round = 0; round < 3; round += 1) {
      await loadThenStop(server, users, round, 'SIGKILL');
      server = await start();
      await verifyAfterRestart(server, users, watcher);
    }
  }, 120_000);

  it('keeps every acknowledged PUT through SIGTERM, also with a WebSocket client that stopped reading', async () => {
    let server = await start();
    const { users, watcher } = await setUp(server);
    await loadThenStop(server, users, 0, 'SIGTERM');
    server = await start();
    await verifyAfterRestart(server, users, watcher);
    const stalled = await stalledSubscriber(server, watcher, users);
    // The server waits for that socket's close handshake, answering requests meanwhile, until
    // SHUTDOWN_TIMEOUT_MS, when it destroys the socket and finishes stopping.
    await loadThenStop(server, users, 1, 'SIGTERM');
    stalled.terminate();
    await verifyAfterRestart(await start(), users, watcher);
  }, 120_000);
});

async function setUp(server: CompiledServerProcess): Promise<{ users: User[]; watcher: TestClient }> {
  const watcher = await TestClient.register(server.baseUrl, uniqueName('watcher'));
  const roomId = await watcher.createRoom({ preset: 'public_chat' });
  const users = await Promise.all(
    Array.from({ length: USERS }, async () => {
      const client = await TestClient.register(server.baseUrl, uniqueName('crash'));
      await client.join(roomId);
      return { client, profileRoomId: await client.profileRoomId(), acked: null, unanswered: null };
    }),
  );
  return { users, watcher };
}

/**
 * Each user PUTs one at a time until the server goes away; once enough PUTs were acknowledged
 * the server is sent `signal`, so it stops with PUTs in flight; stopped by SIGTERM, it exits 0.
 */
async function loadThenStop(
  server: CompiledServerProcess,
  users: User[],
  round: number,
  signal: NodeJS.Signals,
): Promise<void> {
  let acks = 0;
  let enough!: () => void;
  const enoughAcks = new Promise<void>((resolve) => (enough = resolve));
  const failures: string[] = [];
  const loops = users.map(async (user, index) => {
    for (let n = 0; n < PUTS_PER_USER; n += 1) {
      const put: Put = { presence: (n + index + round) % 2 === 0 ? 'busy' : 'unavailable', statusMsg: `${user.client.userId} round ${round} put ${n}` };
      user.unanswered = put;
      let status: number;
      try {
        ({ status } = await user.client.request('PUT', `/presence/${enc(user.client.userId)}/status`, {
          presence: put.presence,
          status_msg: put.statusMsg,
        }));
      } catch {
        return; // the server is gone: this PUT may or may not have been applied
      }
      // A refusal while stopping (503) applied nothing; anything else is a failure of the test's own.
      if (status === 503) return;
      if (status !== 200) {
        failures.push(`${user.client.userId}: ${status}`);
        return;
      }
      user.acked = put;
      user.unanswered = null;
      if ((acks += 1) >= ACKS_PER_ROUND) enough();
    }
  });
  await Promise.race([enoughAcks, new Promise((resolve) => setTimeout(resolve, LOAD_LIMIT_MS))]);
  server.child.kill(signal);
  const exit = await server.exited;
  if (signal === 'SIGTERM') expect(exit).toEqual({ code: 0, signal: null });
  await Promise.all(loops);
  expect(failures).toEqual([]);
  expect(acks).toBeGreaterThan(0);
}

/**
 * After a restart every reader agrees with each user's last acknowledged PUT (or the unanswered
 * one), and still does, with no new event, once several timer ticks have passed.
 */
async function verifyAfterRestart(server: CompiledServerProcess, users: User[], watcher: TestClient): Promise<void> {
  const again = users.map((user) => ({ ...user, client: new TestClient(server.baseUrl, user.client.userId, user.client.accessToken, user.client.deviceId) }));
  const viewer = new TestClient(server.baseUrl, watcher.userId, watcher.accessToken, watcher.deviceId);
  const first = await Promise.all(again.map((user) => observe(user, viewer)));
  expect(mismatches(again, first)).toEqual([]);
  await new Promise((resolve) => setTimeout(resolve, TICK_MS * 6));
  const later = await Promise.all(again.map((user) => observe(user, viewer)));
  expect(later.map(summary)).toEqual(first.map(summary));
  users.forEach((user, index) => {
    user.client = again[index].client;
    user.acked = (first[index] as Observed).put;
    user.unanswered = null;
  });
}

function summary(observed: Observed | string): string {
  return typeof observed === 'string' ? observed : JSON.stringify(observed);
}

function mismatches(users: User[], observed: Array<Observed | string>): string[] {
  return users.flatMap((user, index) => {
    const seen = observed[index];
    if (typeof seen === 'string') return [seen];
    const allowed = [user.acked, user.unanswered].filter((put): put is Put => put !== null);
    return allowed.some((put) => put.presence === seen.put.presence && put.statusMsg === seen.put.statusMsg)
      ? []
      : [`${user.client.userId} shows ${JSON.stringify(seen.put)}; acknowledged ${JSON.stringify(user.acked)}, unanswered ${JSON.stringify(user.unanswered)}`];
  });
}

/** What every reader shows for the user, or a description of how the readers disagree. */
async function observe(user: User, watcher: TestClient): Promise<Observed | string> {
  const path = `/presence/${enc(user.client.userId)}/status`;
  const self = await user.client.ok('GET', path);
  const mate = await watcher.ok('GET', path);
  const gql = await graphql(watcher.baseUrl, watcher.accessToken, 'query ($id: ID!) { presence(userId: $id) { state statusMsg } }', {
    id: user.client.userId,
  });
  const room = `/rooms/${enc(user.profileRoomId)}/state`;
  const state = await user.client.ok<Array<Record<string, any>>>('GET', room);
  const presenceEvent = state.find((event) => event.type === 'm.presence' && event.state_key === '');
  const statusEvent = state.find((event) => event.type === 'm.status' && event.state_key === '');
  const readings = {
    self: { presence: self.presence, statusMsg: self.status_msg },
    roomMate: { presence: mate.presence, statusMsg: mate.status_msg },
    graphql: { presence: String(gql.data?.presence?.state).toLowerCase(), statusMsg: gql.data?.presence?.statusMsg },
    profileRoom: { presence: presenceEvent?.content.presence, statusMsg: statusEvent?.content.status_msg ?? null },
  };
  const put = readings.self as Put;
  const agree = Object.values(readings).every((reading) => reading.presence === put.presence && reading.statusMsg === put.statusMsg);
  if (!agree) return `${user.client.userId}: readers disagree ${JSON.stringify(readings)}`;
  return { put: { presence: put.presence, statusMsg: put.statusMsg }, eventIds: [presenceEvent?.event_id, statusEvent?.event_id] };
}

/**
 * A graphql-ws client following every user's presence that stops reading its socket, so the
 * server's sends back up while the load runs and at shutdown.
 */
async function stalledSubscriber(server: CompiledServerProcess, watcher: TestClient, users: User[]): Promise<WebSocket> {
  const socket = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  const acked = new Promise<void>((resolve) => socket.on('message', (data) => String(data).includes('connection_ack') && resolve()));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${watcher.accessToken}` } }));
  await acked;
  const firstItem = new Promise<void>((resolve) => socket.on('message', (data) => String(data).includes('"next"') && resolve()));
  socket.send(
    JSON.stringify({
      id: '1',
      type: 'subscribe',
      payload: {
        query: 'subscription ($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId state statusMsg } }',
        variables: { ids: users.map((user) => user.client.userId) },
      },
    }),
  );
  // The subscription is live once its first item (the current presence) has come.
  await firstItem;
  socket.pause();
  return socket;
}

