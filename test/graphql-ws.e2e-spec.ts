import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { request, TestClient } from './support/client.js';
import { graphql, Subscription, wsFor } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const enc = encodeURIComponent;

/** A bare socket speaking graphql-transport-ws by hand, to check the protocol's edges. */
class RawSocket {
  readonly messages: Array<Record<string, any>> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiting: Array<() => void> = [];
  private readonly socket: WebSocket;

  constructor(baseUrl: string, protocol: string | null = 'graphql-transport-ws') {
    this.socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/graphql`, protocol ?? []);
    this.socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)));
      this.wake();
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    void this.closed.then(() => this.wake());
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async init(token: string): Promise<void> {
    await this.opened();
    this.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    await this.until((message) => message.type === 'connection_ack');
  }

  /** The first message (from now on, or already received) that matches. */
  async until(match: (message: Record<string, any>) => boolean): Promise<Record<string, any>> {
    for (;;) {
      const index = this.messages.findIndex(match);
      if (index >= 0) return this.messages.splice(index, 1)[0];
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error('socket closed');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

describe('GraphQL over WebSocket', () => {
  let server: TestServer;
  const clients: Client[] = [];
  const raws: RawSocket[] = [];
  const register = () => TestClient.register(server.baseUrl);
  const raw = (protocol?: string | null) => {
    const socket = new RawSocket(server.baseUrl, protocol);
    raws.push(socket);
    return socket;
  };
  const open = (client: TestClient) => {
    const socket = wsFor(client);
    clients.push(socket);
    return socket;
  };
  const setPresence = (client: TestClient, body: Record<string, unknown>) => client.ok('PUT', `/presence/${enc(client.userId)}/status`, body);

  beforeAll(async () => {
    server = await startTestServer({
      PROFILE_DEFAULT_VISIBILITY: 'public',
      RATE_LIMIT_PRESENCE_PER_SECOND: '1000',
      RATE_LIMIT_PRESENCE_BURST: '1000',
      GRAPHQL_WS_INIT_TIMEOUT_MS: '300',
    });
  });

  afterAll(async () => {
    for (const socket of raws) socket.close();
    await Promise.all(clients.map((client) => client.dispose()));
    await server.close();
  });

  describe('protocol', () => {
    it('closes a socket without the graphql-transport-ws subprotocol with 4406', async () => {
      expect((await raw(null).closed).code).toBe(4406);
    });

    it('closes a socket that never sends connection_init with 4408', async () => {
      const socket = raw();
      await socket.opened();
      expect((await socket.closed).code).toBe(4408);
    });

    it('closes on a second connection_init (4429), an operation before the ack (4401) and a malformed message (4400)', async () => {
      const alice = await register();
      const twice = raw();
      await twice.init(alice.accessToken);
      twice.send({ type: 'connection_init', payload: {} });
      const early = raw();
      await early.opened();
      early.send({ id: '1', type: 'subscribe', payload: { query: '{ me { userId } }' } });
      const garbage = raw();
      await garbage.init(alice.accessToken);
      garbage.send('{not json');
      const codes = await Promise.all([twice.closed, early.closed, garbage.closed]);
      expect(codes.map(({ code }) => code)).toEqual([4429, 4401, 4400]);
    });

    it('closes on a reused operation id with 4409', async () => {
      const alice = await register();
      const socket = raw();
      await socket.init(alice.accessToken);
      const subscribe = { id: 'same', type: 'subscribe', payload: { query: 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId } }', variables: { ids: [alice.userId] } } };
      socket.send(subscribe);
      await socket.until((message) => message.id === 'same' && message.type === 'next');
      socket.send(subscribe);
      expect(await socket.closed).toEqual({ code: 4409, reason: 'Subscriber for same already exists' });
    });

    it('ends a connection with 4403 once its token is logged out, and only that one', async () => {
      const alice = await register();
      const phone = raw();
      await phone.init(alice.accessToken);
      phone.send({ id: 'p', type: 'subscribe', payload: { query: 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId } }', variables: { ids: [alice.userId] } } });
      await phone.until((message) => message.id === 'p' && message.type === 'next');
      // The same user signed in on another device keeps its connection.
      const login = await request(server.baseUrl, 'POST', '/login', { type: 'm.login.password', identifier: { type: 'm.id.user', user: alice.userId }, password: 'secret-password' });
      const laptop = raw();
      await laptop.init(login.body.access_token);
      await alice.ok('POST', '/logout', {});
      expect(await phone.closed).toEqual({ code: 4403, reason: 'Access token revoked' });
      laptop.send({ type: 'ping' });
      expect(await laptop.until((message) => message.type === 'pong')).toEqual({ type: 'pong' });
    });

    it('answers ping with pong, and runs queries and mutations with next then complete', async () => {
      const alice = await register();
      const socket = raw();
      await socket.init(alice.accessToken);
      socket.send({ type: 'ping', payload: { n: 1 } });
      expect(await socket.until((message) => message.type === 'pong')).toEqual({ type: 'pong', payload: { n: 1 } });
      socket.send({ id: 'q', type: 'subscribe', payload: { query: '{ me { userId } }' } });
      expect(await socket.until((message) => message.id === 'q')).toEqual({ id: 'q', type: 'next', payload: { data: { me: { userId: alice.userId } } } });
      expect(await socket.until((message) => message.id === 'q')).toEqual({ id: 'q', type: 'complete' });
      socket.send({ id: 'm', type: 'subscribe', payload: { query: 'mutation { setStatus(statusMsg: "over ws") { statusMsg } }' } });
      expect((await socket.until((message) => message.id === 'm')).payload).toEqual({ data: { setStatus: { statusMsg: 'over ws' } } });
    });

    it('stops delivering an operation the client completed, and keeps the others', async () => {
      const [alice, watcher] = await Promise.all([register(), register()]);
      const socket = raw();
      await socket.init(watcher.accessToken);
      const query = 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId statusMsg } }';
      for (const id of ['kept', 'dropped']) {
        socket.send({ id, type: 'subscribe', payload: { query, variables: { ids: [alice.userId] } } });
        await socket.until((message) => message.id === id && message.type === 'next');
      }
      socket.send({ id: 'dropped', type: 'complete' });
      // One change at a time: a burst may be folded into its latest state.
      const kept: Array<Record<string, any>> = [];
      for (const status of ['first', 'second']) {
        await setPresence(alice, { presence: 'online', status_msg: status });
        kept.push(await socket.until((message) => message.id === 'kept'));
      }
      expect(kept.map((message) => message.payload.data.presenceChanged.statusMsg)).toEqual(['first', 'second']);
      expect(socket.messages.filter((message) => message.id === 'dropped')).toEqual([]);
    });
  });

  describe('presenceChanged fan-out', () => {
    it('renders each selection as asked, whatever other subscribers share the change', async () => {
      const [alice, first, second] = await Promise.all([register(), register(), register()]);
      const shared = 'subscription($ids: [ID!]!, $withStatus: Boolean!) { presenceChanged(userIds: $ids) { userId state statusMsg @include(if: $withStatus) } }';
      const aliased = 'subscription($ids: [ID!]!) { who: presenceChanged(userIds: $ids) { id: userId displayName } }';
      const withStatus = new Subscription<Record<string, any>>(open(first), shared, { ids: [alice.userId], withStatus: true });
      const withoutStatus = new Subscription<Record<string, any>>(open(second), shared, { ids: [alice.userId, second.userId], withStatus: false });
      const renamed = new Subscription<Record<string, any>>(open(second), aliased, { ids: [alice.userId] });
      await withStatus.next();
      await withoutStatus.next();
      await withoutStatus.next();
      const before = (await renamed.next()).who;

      await setPresence(alice, { presence: 'online', status_msg: 'fanned out' });
      expect(await withStatus.next()).toEqual({ presenceChanged: { userId: alice.userId, state: 'ONLINE', statusMsg: 'fanned out' } });
      expect(await withoutStatus.next()).toEqual({ presenceChanged: { userId: alice.userId, state: 'ONLINE' } });
      // Only the status changed, which this selection does not show; it still arrives, as a change.
      await alice.ok('PUT', `/profile/${enc(alice.userId)}/displayname`, { displayname: 'Alice Fanned' });
      expect((await renamed.next()).who).toEqual(before);
      expect((await renamed.next()).who).toEqual({ id: alice.userId, displayName: 'Alice Fanned' });
    });

    it('shows the owner their own truth while others see them appear offline', async () => {
      const [alice, bob] = await Promise.all([register(), register()]);
      await setPresence(alice, { presence: 'online' });
      const query = 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId state } }';
      const own = new Subscription<Record<string, any>>(open(alice), query, { ids: [alice.userId] });
      const other = new Subscription<Record<string, any>>(open(bob), query, { ids: [alice.userId] });
      expect((await own.next()).presenceChanged.state).toBe('ONLINE');
      expect((await other.next()).presenceChanged.state).toBe('ONLINE');
      await graphql(server.baseUrl, alice.accessToken, 'mutation { setAppearOffline(enabled: true) { state } }');
      expect((await other.next()).presenceChanged.state).toBe('OFFLINE');
      await setPresence(alice, { presence: 'busy' });
      expect((await own.next()).presenceChanged.state).toBe('BUSY');
    });
  });
});
