import {
  ClientEvent,
  EventType,
  RoomEvent,
  RoomMemberEvent,
  type MatrixClient,
  type MatrixEvent,
  type Room,
} from 'matrix-js-sdk';
import { TestClient, uniqueName } from './support/client.js';
import { quietMatrixSdk, registerSdkClient, startAndPrepare, syncRecorder } from './support/js-sdk.js';
import { expectMemberChangesDeliveredAlone } from './support/sync-checks.js';
import { startTestServer, type TestServer } from './support/test-server.js';

quietMatrixSdk();

function waitFor<T>(register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise(register);
}

describe('matrix-js-sdk against the server', () => {
  let server: TestServer;
  let alice: MatrixClient;
  let bob: MatrixClient;
  let bot: MatrixClient | undefined;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await registerSdkClient(server.baseUrl, uniqueName('alice'));
    bob = await registerSdkClient(server.baseUrl, uniqueName('bob'));
    await Promise.all([startAndPrepare(alice), startAndPrepare(bob)]);
  });

  afterAll(async () => {
    alice?.stopClient();
    bob?.stopClient();
    bot?.stopClient();
    await server?.close();
  });

  it('creates a room, invites, joins, delivers a message and a display name change', async () => {
    const invited = waitFor<Room>((resolve) =>
      bob.on(ClientEvent.Room, (room) => {
        if (room.getMyMembership() === 'invite') resolve(room);
      }),
    );
    const { room_id: roomId } = await alice.createRoom({ name: 'js-sdk room' });
    await alice.invite(roomId, bob.getUserId()!);
    expect((await invited).roomId).toBe(roomId);

    await bob.joinRoom(roomId);

    const received = waitFor<MatrixEvent>((resolve) =>
      bob.on(RoomEvent.Timeline, (event, room) => {
        if (room?.roomId === roomId && event.getType() === EventType.RoomMessage && event.getSender() === alice.getUserId()) {
          resolve(event);
        }
      }),
    );
    await alice.sendTextMessage(roomId, 'hello bob');
    expect((await received).getContent().body).toBe('hello bob');

    const renamed = waitFor<string>((resolve) =>
      bob.on(RoomMemberEvent.Name, (_event, member) => {
        if (member.userId === alice.getUserId() && member.roomId === roomId && member.name === 'Alice Liddell') resolve(member.name);
      }),
    );
    await alice.setDisplayName('Alice Liddell');
    expect(await renamed).toBe('Alice Liddell');
    expect(bob.getRoom(roomId)!.getMember(alice.getUserId()!)!.events.member!.getContent().displayname).toBe('Alice Liddell');

    const profileRoomId = (await alice.getRoomIdForAlias(`#_profile_${alice.getUserId()!.slice(1)}`)).room_id;
    expect(await alice.getStateEvent(profileRoomId, 'm.profile', 'displayname')).toEqual({ value: 'Alice Liddell' });
    expect((await alice.getProfileInfo(alice.getUserId()!)).displayname).toBe('Alice Liddell');
  });

  it('handles each message once when a bot changes its display name and a per-room nick', async () => {
    const human = await TestClient.register(server.baseUrl);
    const recorder = syncRecorder();
    const client = (bot = await registerSdkClient(server.baseUrl, uniqueName('bot'), undefined, { fetchFn: recorder.fetchFn }));
    const botId = client.getUserId()!;
    const rooms = [await human.createRoom({ invite: [botId] }), await human.createRoom({ invite: [botId] })];
    for (const roomId of rooms) await client.joinRoom(roomId);
    await startAndPrepare(client);

    const handled = new Map<string, number>();
    const resets: string[] = [];
    client.on(RoomEvent.Timeline, (event, _room, toStartOfTimeline) => {
      if (!toStartOfTimeline && event.getType() === EventType.RoomMessage && event.getSender() === human.userId) {
        handled.set(event.getId()!, (handled.get(event.getId()!) ?? 0) + 1);
      }
    });
    // A limited sync resets the room's live timeline: a room replayed as if newly joined.
    client.on(RoomEvent.TimelineReset, (room) => {
      if (room) resets.push(room.roomId);
    });
    const handledAll = (count: number) =>
      waitFor<void>((resolve) => {
        const check = () => {
          if (handled.size >= count) {
            client.off(RoomEvent.Timeline, check);
            resolve();
          }
        };
        client.on(RoomEvent.Timeline, check);
      });

    const sent: string[] = [];
    let waiting = handledAll(4);
    for (const roomId of rooms) for (const body of ['one', 'two']) sent.push(await human.send(roomId, { msgtype: 'm.text', body }));
    await waiting;

    const expectedNames = ['Nick in the first room', 'Renamed bot'];
    const renamed = Promise.all(
      rooms.map((roomId, index) =>
        waitFor<void>((resolve) =>
          client.on(RoomMemberEvent.Name, (_event, member) => {
            const name = member.events.member?.getContent().displayname;
            if (member.userId === botId && member.roomId === roomId && name === expectedNames[index]) resolve();
          }),
        ),
      ),
    );
    await client.setDisplayName('Renamed bot');
    await client.sendStateEvent(rooms[0], EventType.RoomMember, { membership: 'join', displayname: expectedNames[0] } as never, botId);
    await renamed;

    waiting = handledAll(5);
    sent.push(await human.send(rooms[1], { msgtype: 'm.text', body: 'three' }));
    await waiting;

    expect([...handled.keys()].sort()).toEqual([...sent].sort());
    expect([...handled.values()]).toEqual(sent.map(() => 1));
    expect(resets.filter((roomId) => rooms.includes(roomId))).toEqual([]);
    for (const roomId of rooms) {
      const timeline = client.getRoom(roomId)!.getLiveTimeline().getEvents();
      const ids = timeline.map((event) => event.getId());
      // All of the room's messages in one unbroken live timeline, each once.
      expect(new Set(ids).size).toBe(ids.length);
      expect(timeline.filter((event) => event.getType() === EventType.RoomMessage).length).toBe(roomId === rooms[0] ? 2 : 3);
    }

    // What the server sent: the SDK hides a replay, skipping the events it already has.
    expectMemberChangesDeliveredAlone(recorder.syncs, rooms, botId);
  });
});
