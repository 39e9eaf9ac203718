import {
  ClientEvent,
  EventType,
  RoomEvent,
  RoomMemberEvent,
  type MatrixClient,
  type MatrixEvent,
  type Room,
} from 'matrix-js-sdk';
import { uniqueName } from './support/client.js';
import { quietMatrixSdk, registerSdkClient, startAndPrepare } from './support/js-sdk.js';
import { startTestServer, type TestServer } from './support/test-server.js';

quietMatrixSdk();

function waitFor<T>(register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise(register);
}

describe('matrix-js-sdk against the server', () => {
  let server: TestServer;
  let alice: MatrixClient;
  let bob: MatrixClient;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await registerSdkClient(server.baseUrl, uniqueName('alice'));
    bob = await registerSdkClient(server.baseUrl, uniqueName('bob'));
    await Promise.all([startAndPrepare(alice), startAndPrepare(bob)]);
  });

  afterAll(async () => {
    alice?.stopClient();
    bob?.stopClient();
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
});
