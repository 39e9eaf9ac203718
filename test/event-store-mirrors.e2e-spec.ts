import { EventStore } from '../src/events/event-store.service.js';
import { TestClient } from './support/client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** What the event store keeps in memory must always read as the committed database does. */
describe(EventStore.name, () => {
  let server: TestServer;
  let store: EventStore;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;

  beforeAll(async () => {
    server = await startTestServer();
    store = server.app.get(EventStore);
    [alice, bob, carol] = await Promise.all([1, 2, 3].map(() => TestClient.register(server.baseUrl)));
  });

  afterAll(() => server.close());

  const membershipOf = async (userId: string, roomId: string) =>
    (await store.membershipsOf(userId)).find((row) => row.roomId === roomId)?.membership;
  const join = (roomId: string, userId: string) => ({ roomId, type: 'm.room.member', stateKey: userId, sender: userId, content: { membership: 'join' } });

  it('follows joins, leaves, kicks and bans in memberships, room-mates and current state', async () => {
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    // Read everything once, so what follows must update what is remembered.
    expect(await membershipOf(bob.userId, roomId)).toBeUndefined();
    expect(await store.usersSharingRoomWith(alice.userId)).not.toContain(bob.userId);
    expect((await store.currentState(roomId)).membership(bob.userId)).toBeUndefined();

    await bob.join(roomId);
    expect(await membershipOf(bob.userId, roomId)).toBe('join');
    expect(await store.usersSharingRoomWith(alice.userId)).toContain(bob.userId);
    expect((await store.currentState(roomId)).members('join')).toEqual(expect.arrayContaining([alice.userId, bob.userId]));

    await bob.leave(roomId);
    expect(await membershipOf(bob.userId, roomId)).toBe('leave');
    expect(await store.usersSharingRoomWith(alice.userId)).not.toContain(bob.userId);

    await bob.join(roomId);
    await alice.ok('POST', `/rooms/${encodeURIComponent(roomId)}/kick`, { user_id: bob.userId });
    expect(await membershipOf(bob.userId, roomId)).toBe('leave');
    expect((await store.currentState(roomId)).membership(bob.userId)).toBe('leave');

    await alice.ok('POST', `/rooms/${encodeURIComponent(roomId)}/ban`, { user_id: bob.userId });
    expect(await membershipOf(bob.userId, roomId)).toBe('ban');
    expect(await store.usersSharingRoomWith(bob.userId)).not.toContain(alice.userId);
  });

  it('shows a kicked user the room under leave, then never again, and a rejoin with its full state', async () => {
    const roomId = await alice.createRoom({ preset: 'public_chat', name: 'kick-and-back' });
    await carol.join(roomId);
    const { next_batch: since } = await carol.sync();
    await alice.ok('POST', `/rooms/${encodeURIComponent(roomId)}/kick`, { user_id: carol.userId });
    const kicked = await carol.sync({ since });
    expect(Object.keys(kicked.rooms.leave)).toEqual([roomId]);
    expect(kicked.rooms.join[roomId]).toBeUndefined();
    const after = await carol.sync({ since: kicked.next_batch });
    expect(after.rooms.leave[roomId]).toBeUndefined();
    await carol.join(roomId);
    const back = await carol.sync({ since: after.next_batch });
    const state = [...back.rooms.join[roomId].state.events, ...back.rooms.join[roomId].timeline.events];
    expect(state).toContainEqual(expect.objectContaining({ type: 'm.room.name', content: { name: 'kick-and-back' } }));
  });

  it('keeps nothing of a write that rolled back', async () => {
    const frank = await TestClient.register(server.baseUrl);
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    const position = store.currentPosition();
    await expect(
      store.write(async (tx) => {
        await tx.append(join(roomId, frank.userId));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(store.currentPosition()).toBe(position);
    expect(await membershipOf(frank.userId, roomId)).toBeUndefined();
    expect((await store.currentState(roomId)).membership(frank.userId)).toBeUndefined();
    expect(await store.usersSharingRoomWith(alice.userId)).not.toContain(frank.userId);
    // From the start (the database) and from the last position (the recent events kept in memory).
    for (const after of [0, position - 1]) {
      const events = await store.roomEvents({ roomId, after, upTo: position + 10, limit: 50, newestFirst: true });
      expect(events.length).toBeGreaterThan(0);
      expect(events).not.toContainEqual(expect.objectContaining({ stateKey: frank.userId }));
    }
  });

  it('does not remember what it read while a write transaction was open', async () => {
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    const dave = await TestClient.register(server.baseUrl);
    const eve = await TestClient.register(server.baseUrl);
    await expect(
      store.write(async (tx) => {
        await tx.append(join(roomId, dave.userId));
        await tx.append(join(roomId, eve.userId));
        // Reads from outside the transaction, on the shared connection, while it is open.
        expect((await store.currentState(roomId)).membership(dave.userId)).toBeUndefined();
        await store.membershipsOf(dave.userId);
        await store.usersSharingRoomWith(eve.userId);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await membershipOf(dave.userId, roomId)).toBeUndefined();
    expect(await store.usersSharingRoomWith(eve.userId)).not.toContain(dave.userId);
  });

  it('reads the latest state per key between two positions alike from memory and from the database', async () => {
    const roomId = await alice.createRoom({ preset: 'public_chat', name: 'first' });
    const created = store.currentPosition();
    await alice.setState(roomId, 'm.room.name', '', { name: 'second' });
    await alice.send(roomId, { msgtype: 'm.text', body: 'between' });
    await alice.setState(roomId, 'm.room.topic', '', { topic: 'a topic' });
    await alice.setState(roomId, 'm.room.name', '', { name: 'third' });
    const before = store.currentPosition() + 1;
    const summary = (events: Array<{ type: string; content: Record<string, unknown> }>) => events.map((event) => [event.type, event.content]);
    // After the room's creation, the events kept in memory answer; from the start, the database does.
    expect(summary(await store.stateBetween(roomId, created, before))).toEqual([
      ['m.room.topic', { topic: 'a topic' }],
      ['m.room.name', { name: 'third' }],
    ]);
    const all = await store.stateBetween(roomId, 0, before);
    expect(summary(all.slice(-2))).toEqual([
      ['m.room.topic', { topic: 'a topic' }],
      ['m.room.name', { name: 'third' }],
    ]);
    expect(all.map((event) => event.streamOrdering)).toEqual([...all.map((event) => event.streamOrdering)].sort((a, b) => a - b));
  });
});
