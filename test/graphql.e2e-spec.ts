import type { Client } from 'graphql-ws';
import { TestClient } from './support/client.js';
import { graphql, Subscription, wsClient, wsFor } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const enc = encodeURIComponent;
const PRESENCE_FIELDS = 'userId state statusMsg currentlyActive displayName';
const PRESENCE_CHANGED = `subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { ${PRESENCE_FIELDS} } }`;
const ROOM_EVENTS = `subscription($userId: ID, $since: String) { profileRoomEvents(userId: $userId, since: $since) { token event { type stateKey sender content } } }`;

describe('GraphQL API', () => {
  let server: TestServer;
  const sockets: Client[] = [];
  const open = (client: TestClient) => {
    const socket = wsFor(client);
    sockets.push(socket);
    return socket;
  };
  const register = () => TestClient.register(server.baseUrl);
  const gql = (client: TestClient | null, query: string, variables?: Record<string, unknown>) =>
    graphql(server.baseUrl, client ? client.accessToken : null, query, variables);
  const setPresence = (client: TestClient, body: Record<string, unknown>) => client.ok('PUT', `/presence/${enc(client.userId)}/status`, body);
  /** The message presenceChanged sends in place of a user it will not (or no longer) deliver. */
  const refused = (userId: string, code = 'FORBIDDEN', errcode = 'M_FORBIDDEN') => ({
    data: null,
    errors: [expect.objectContaining({ path: ['presenceChanged'], extensions: { code, errcode, userId } })],
  });

  async function roomMates(): Promise<[TestClient, TestClient]> {
    const [alice, bob] = await Promise.all([register(), register()]);
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(roomId);
    return [alice, bob];
  }

  beforeAll(async () => {
    server = await startTestServer({
      RATE_LIMIT_PRESENCE_PER_SECOND: '1000',
      RATE_LIMIT_PRESENCE_BURST: '1000',
      GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION: '5',
      GRAPHQL_MAX_DEPTH: '6',
    });
  });

  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await server.close();
  });

  describe('queries and mutations over HTTP', () => {
    it('answers me, with the viewer’s presence and devices', async () => {
      const alice = await register();
      await alice.sync();
      const response = await gql(alice, '{ me { userId deviceId appearOffline manualPresence presence { state } devices { deviceId state live } } }');
      expect(response.status).toBe(200);
      expect(response.data!.me).toEqual({
        userId: alice.userId,
        deviceId: alice.deviceId,
        appearOffline: false,
        manualPresence: null,
        presence: { state: 'ONLINE' },
        devices: [{ deviceId: alice.deviceId, state: 'ONLINE', live: true }],
      });
    });

    it('runs every presence mutation through the same engine as REST', async () => {
      const [alice, bob] = await roomMates();
      let response = await gql(alice, 'mutation { setManualPresence(state: BUSY, statusMsg: "In a call") { state statusMsg } }');
      expect(response.data!.setManualPresence).toEqual({ state: 'BUSY', statusMsg: 'In a call' });
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('busy');

      response = await gql(alice, 'mutation { setAppearOffline(enabled: true) { state } }');
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('offline');
      expect(response.data!.setAppearOffline.state).toBe('BUSY');

      await gql(alice, 'mutation { clearManualPresence { state } }');
      response = await gql(alice, 'mutation { setStatus(statusMsg: "Back") { statusMsg } }');
      expect(response.data!.setStatus.statusMsg).toBe('Back');
      response = await gql(alice, 'mutation { reportDeviceActivity(state: UNAVAILABLE) { state } }');
      expect(response.data!.reportDeviceActivity.state).toBe('UNAVAILABLE');
      expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`))).toMatchObject({ presence: 'unavailable', status_msg: 'Back' });
    });

    it('reads presence of many users in one batch, refusing only the ones the viewer may not see', async () => {
      const [alice, bob] = await roomMates();
      const stranger = await register();
      const response = await gql(alice, `query($ids: [ID!]!) { presences(userIds: $ids) { userId state } }`, {
        ids: [bob.userId, stranger.userId, '@ghost:localhost', alice.userId],
      });
      expect(response.data!.presences).toEqual([{ userId: bob.userId, state: 'OFFLINE' }, null, null, { userId: alice.userId, state: 'OFFLINE' }]);
      expect(response.errors!.map((error) => [error.path, error.extensions!.code])).toEqual([
        [['presences', 1], 'FORBIDDEN'],
        [['presences', 2], 'NOT_FOUND'],
      ]);
    });

    it('gives FORBIDDEN for a user the viewer may not see, not a leak', async () => {
      const [alice, stranger] = await Promise.all([register(), register()]);
      await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online', status_msg: 'secret' });
      for (const query of [`{ presence(userId: "${alice.userId}") { state statusMsg } }`, `{ profileRoom(userId: "${alice.userId}") { roomId fields } }`]) {
        const response = await gql(stranger, query);
        expect(response.data).toBeNull();
        expect(response.errors!.map((error) => error.extensions!.code)).toEqual(['FORBIDDEN']);
        expect(JSON.stringify(response)).not.toContain('secret');
      }
    });

    it('reads and writes the profile room: fields, privacy and state', async () => {
      const alice = await register();
      let response = await gql(alice, 'mutation { setProfileField(field: "displayname", value: "Alice G.") { fields } }');
      expect(response.data!.setProfileField.fields.displayname).toBe('Alice G.');
      response = await gql(alice, 'mutation { setProfilePrivacy(visibility: PUBLIC) { privacy alias roomId } }');
      const room = response.data!.setProfilePrivacy;
      expect(room.privacy).toBe('PUBLIC');
      expect(room.alias).toBe(`#_profile_${alice.userId.slice(1)}`);
      const stranger = await register();
      response = await gql(stranger, `query($id: ID!) { profileRoomState(roomId: $id, types: ["m.profile"]) { type stateKey content sender } }`, { id: room.roomId });
      expect(response.data!.profileRoomState).toEqual([{ type: 'm.profile', stateKey: 'displayname', content: { value: 'Alice G.' }, sender: alice.userId }]);
      response = await gql(alice, `{ profileRoom(userId: "${alice.userId}") { stateEvents(types: ["m.profile.privacy"]) { content } } }`);
      expect(response.data!.profileRoom.stateEvents).toEqual([{ content: { visibility: 'public' } }]);
      response = await gql(alice, 'mutation { setProfileField(field: "displayname", value: null) { fields } }');
      expect(response.data!.setProfileField.fields.displayname).toBeUndefined();
    });

    it('answers a missing or wrong token with 401 and a GraphQL errors body', async () => {
      const missing = await gql(null, '{ me { userId } }');
      expect(missing.status).toBe(401);
      expect(missing.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', errcode: 'M_MISSING_TOKEN' });
      const wrong = await graphql(server.baseUrl, 'pr_wrong', '{ me { userId } }');
      expect(wrong.status).toBe(401);
      expect(wrong.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', errcode: 'M_UNKNOWN_TOKEN' });
    });

    it.each([
      ['a malformed query', '{ me { ', undefined, 'GRAPHQL_VALIDATION_FAILED'],
      ['an unknown field', '{ me { shoeSize } }', undefined, 'GRAPHQL_VALIDATION_FAILED'],
      ['a wrong variable type', 'query($id: ID!) { presence(userId: $id) { state } }', { id: { not: 'an id' } }, 'GRAPHQL_VALIDATION_FAILED'],
      ['a query nested too deep', '{ me { presence { userId } } a: me { presence { userId } } __schema { types { fields { type { ofType { ofType { name } } } } } } }', undefined, 'QUERY_TOO_DEEP'],
    ])('refuses %s with 400', async (_name, query, variables, code) => {
      const alice = await register();
      const response = await gql(alice, query, variables);
      expect(response.status).toBe(400);
      expect(response.errors!.map((error) => error.extensions!.code)).toContain(code);
    });

    it('refuses a query over the complexity limit, and over 1,000 IDs', async () => {
      const alice = await register();
      const ids = Array.from({ length: 1001 }, (_, n) => `@u${n}:localhost`);
      const tooMany = await gql(alice, 'query($ids: [ID!]!) { presences(userIds: $ids) { userId } }', { ids });
      expect(tooMany.errors![0].extensions!.code).toMatch(/QUERY_TOO_COMPLEX|BAD_USER_INPUT/);
      const costly = await gql(alice, 'query($ids: [ID!]!) { presences(userIds: $ids) { userId state statusMsg lastActiveAgo lastActiveTs currentlyActive displayName avatarUrl } }', {
        ids: ids.slice(0, 400),
      });
      expect(costly.status).toBe(400);
      expect(costly.errors![0].extensions!.code).toBe('QUERY_TOO_COMPLEX');
    });

    it('validates mutation input and keeps what was stored', async () => {
      const alice = await register();
      await gql(alice, 'mutation { setStatus(statusMsg: "kept") { statusMsg } }');
      const response = await gql(alice, 'mutation($s: String) { setStatus(statusMsg: $s) { statusMsg } }', { s: 'x'.repeat(1025) });
      expect(response.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errcode: 'M_INVALID_PARAM' });
      const field = await gql(alice, 'mutation { setProfileField(field: "has space", value: 1) { roomId } }');
      expect(field.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', errcode: 'M_INVALID_PARAM' });
      const device = await gql(alice, 'mutation { reportDeviceActivity(deviceId: "NOTMINE", state: ONLINE) { state } }');
      expect(device.errors![0].extensions!.code).toBe('NOT_FOUND');
      expect((await gql(alice, '{ me { presence { statusMsg } } }')).data!.me.presence.statusMsg).toBe('kept');
    });
  });

  describe('subscriptions over graphql-ws', () => {
    it('presenceChanged: initial values, then changes made through REST and GraphQL, in order', async () => {
      const [alice, bob, watcher] = await Promise.all([register(), register(), register()]);
      const room = await alice.createRoom({ preset: 'public_chat' });
      await watcher.join(room);
      await bob.join(room);
      const subscription = new Subscription<{ presenceChanged: Record<string, unknown> }>(open(watcher), PRESENCE_CHANGED, { ids: [alice.userId, bob.userId] });
      const initial = [await subscription.next(), await subscription.next()].map((item) => item.presenceChanged);
      expect(initial).toEqual([
        expect.objectContaining({ userId: alice.userId, state: 'OFFLINE' }),
        expect.objectContaining({ userId: bob.userId, state: 'OFFLINE' }),
      ]);
      await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online', status_msg: 'via REST' });
      expect((await subscription.next()).presenceChanged).toMatchObject({ userId: alice.userId, state: 'ONLINE', statusMsg: 'via REST' });
      await gql(bob, 'mutation { setManualPresence(state: BUSY, statusMsg: "via GraphQL") { state } }');
      expect((await subscription.next()).presenceChanged).toMatchObject({ userId: bob.userId, state: 'BUSY', statusMsg: 'via GraphQL' });
      await alice.ok('PUT', `/profile/${enc(alice.userId)}/displayname`, { displayname: 'Alice Live' });
      expect((await subscription.next()).presenceChanged).toMatchObject({ userId: alice.userId, displayName: 'Alice Live' });
      subscription.unsubscribe();
    });

    it('profileRoomEvents resumes with since: two changes made while away arrive once, in order', async () => {
      const alice = await register();
      await gql(alice, 'mutation { setProfilePrivacy(visibility: PUBLIC) { privacy } }');
      const follower = await register();
      // Any stream token will do as a starting point: a /sync one here.
      const { next_batch: start } = await follower.sync();
      const first = new Subscription<{ profileRoomEvents: { token: string; event: Record<string, any> } }>(open(follower), ROOM_EVENTS, {
        userId: alice.userId,
        since: start,
      });
      await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online' });
      const seen = (await first.next()).profileRoomEvents;
      expect(seen.event).toMatchObject({ type: 'm.presence', content: { presence: 'online' } });
      first.unsubscribe();

      await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'busy', status_msg: 'away 1' });
      await gql(alice, 'mutation { setProfileField(field: "displayname", value: "While away") { roomId } }');

      const resumed = new Subscription<{ profileRoomEvents: { token: string; event: Record<string, any> } }>(open(follower), ROOM_EVENTS, {
        userId: alice.userId,
        since: seen.token,
      });
      const replay = [await resumed.next(), await resumed.next(), await resumed.next(), await resumed.next()].map((item) => item.profileRoomEvents.event);
      expect(replay.map((event) => [event.type, event.stateKey])).toEqual([
        ['m.presence', ''],
        ['m.status', ''],
        ['m.profile', 'displayname'],
        ['m.room.member', alice.userId],
      ]);
      await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online' });
      expect((await resumed.next()).profileRoomEvents.event).toMatchObject({ type: 'm.presence', content: { presence: 'online' } });
      resumed.unsubscribe();
    });

    it('denies a stranger a restricted profile: presenceChanged refuses each user alone, then completes', async () => {
      const [alice, carol, stranger] = await Promise.all([register(), register(), register()]);
      const events = new Subscription(open(stranger), ROOM_EVENTS, { userId: alice.userId });
      await events.ended();
      expect(events.error![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      const nobody = alice.userId.replace(/^@[^:]+/, '@nobody');
      const presence = new Subscription(open(stranger), PRESENCE_CHANGED, { ids: [alice.userId, nobody, carol.userId] });
      expect(await presence.result()).toEqual(refused(alice.userId));
      expect(await presence.result()).toEqual(refused(nobody, 'NOT_FOUND', 'M_NOT_FOUND'));
      expect(await presence.result()).toEqual(refused(carol.userId));
      // Nobody is left to follow: the stream completes rather than idling forever.
      await presence.ended();
      expect(presence).toMatchObject({ completed: true, error: null });
    });

    it('refuses a hidden user alone: the README loop gets one FORBIDDEN error for them and keeps streaming the other', async () => {
      const [alice, watcher] = await roomMates();
      const hidden = await register();
      const client = open(watcher);
      const seen: unknown[] = [];
      for await (const { data, errors } of client.iterate<{ presenceChanged: Record<string, unknown> }>({
        query: 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId state statusMsg currentlyActive } }',
        variables: { ids: [alice.userId, hidden.userId] },
      })) {
        seen.push(errors ?? data!.presenceChanged);
        if (seen.length === 2) {
          await setPresence(hidden, { presence: 'online', status_msg: 'unseen' });
          await setPresence(alice, { presence: 'online', status_msg: 'seen' });
        }
        if (seen.length === 3) break;
      }
      expect(seen).toEqual([
        expect.objectContaining({ userId: alice.userId }),
        refused(hidden.userId).errors,
        expect.objectContaining({ userId: alice.userId, state: 'ONLINE', statusMsg: 'seen' }),
      ]);
    });

    it('ends delivery for a user the viewer stops sharing a room with, for good on that stream, and keeps streaming the other', async () => {
      const [alice, watcher] = await roomMates();
      const bob = await register();
      const shared = await bob.createRoom({ preset: 'public_chat' });
      await watcher.join(shared);
      const subscription = new Subscription<{ presenceChanged: Record<string, unknown> }>(open(watcher), PRESENCE_CHANGED, { ids: [alice.userId, bob.userId] });
      expect([(await subscription.next()).presenceChanged.userId, (await subscription.next()).presenceChanged.userId]).toEqual([alice.userId, bob.userId]);
      await setPresence(bob, { presence: 'online', status_msg: 'seen' });
      expect((await subscription.next()).presenceChanged).toMatchObject({ userId: bob.userId, statusMsg: 'seen' });

      await watcher.leave(shared);
      await setPresence(bob, { presence: 'busy', status_msg: 'hidden now' });
      expect(await subscription.result()).toEqual(refused(bob.userId));
      // Access coming back does not resume bob on this stream; a new subscription follows him.
      await watcher.join(shared);
      await setPresence(bob, { presence: 'online', status_msg: 'after rejoin' });
      await setPresence(alice, { presence: 'online', status_msg: 'still streaming' });
      expect((await subscription.next()).presenceChanged).toMatchObject({ userId: alice.userId, statusMsg: 'still streaming' });
      expect(subscription.done).toBe(false);
      const again = new Subscription<{ presenceChanged: Record<string, unknown> }>(open(watcher), PRESENCE_CHANGED, { ids: [bob.userId] });
      expect((await again.next()).presenceChanged).toMatchObject({ userId: bob.userId, statusMsg: 'after rejoin' });
      subscription.unsubscribe();
      again.unsubscribe();
    });

    it('ends delivery for a user whose profile turns restricted, keeps the others, and completes a stream left with nobody', async () => {
      const [bob, watcher] = await roomMates();
      const alice = await register();
      await gql(alice, 'mutation { setProfilePrivacy(visibility: PUBLIC) { privacy } }');
      const both = new Subscription<{ presenceChanged: Record<string, unknown> }>(open(watcher), PRESENCE_CHANGED, { ids: [alice.userId, bob.userId] });
      const aliceOnly = new Subscription<{ presenceChanged: Record<string, unknown> }>(open(watcher), PRESENCE_CHANGED, { ids: [alice.userId] });
      expect([(await both.next()).presenceChanged.userId, (await both.next()).presenceChanged.userId]).toEqual([alice.userId, bob.userId]);
      expect((await aliceOnly.next()).presenceChanged.userId).toBe(alice.userId);

      await gql(alice, 'mutation { setProfilePrivacy(visibility: RESTRICTED) { privacy } }');
      expect(await both.result()).toEqual(refused(alice.userId));
      expect(await aliceOnly.result()).toEqual(refused(alice.userId));
      await aliceOnly.ended();
      expect(aliceOnly).toMatchObject({ completed: true, error: null });
      await setPresence(alice, { presence: 'online', status_msg: 'unseen' });
      await setPresence(bob, { presence: 'online', status_msg: 'still streaming' });
      expect((await both.next()).presenceChanged).toMatchObject({ userId: bob.userId, statusMsg: 'still streaming' });
      expect(both.done).toBe(false);
      both.unsubscribe();
    });

    it('closes the connection with 4401 without a token and 4403 with a wrong one', async () => {
      const codes = await Promise.all(
        [null, 'pr_wrong-token'].map(
          (token) =>
            new Promise<number>((resolve) => {
              const socket = wsClient(server.baseUrl, token, (code) => resolve(code));
              sockets.push(socket);
              socket.subscribe({ query: '{ me { userId } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
            }),
        ),
      );
      expect(codes).toEqual([4401, 4403]);
    });

    it('answers each subscription over the per-connection limit with an error, and keeps serving', async () => {
      const alice = await register();
      const socket = open(alice);
      const flood = Array.from({ length: 8 }, () => new Subscription(socket, PRESENCE_CHANGED, { ids: [alice.userId] }));
      const results = await Promise.all(
        flood.map(async (subscription) => {
          try {
            await subscription.next();
            return 'ok';
          } catch {
            return subscription.error?.[0]?.extensions?.code;
          }
        }),
      );
      expect(results.filter((result) => result === 'ok').length).toBeGreaterThanOrEqual(1);
      expect(results).toContain('TOO_MANY_SUBSCRIPTIONS');
      for (const subscription of flood) subscription.unsubscribe();
      const other = await register();
      expect((await gql(other, '{ me { userId } }')).data!.me.userId).toBe(other.userId);
    });

    it('answers a bad operation on the socket with an error for that operation only', async () => {
      const alice = await register();
      const socket = open(alice);
      const bad = new Subscription(socket, 'subscription { presenceChanged(userIds: 7) { nope } }');
      await bad.ended();
      expect(bad.error!.length).toBeGreaterThan(0);
      const good = new Subscription<{ presenceChanged: { userId: string } }>(socket, PRESENCE_CHANGED, { ids: [alice.userId] });
      expect((await good.next()).presenceChanged.userId).toBe(alice.userId);
      good.unsubscribe();
    });
  });
});
