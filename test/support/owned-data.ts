import { TestClient } from './client.js';

/**
 * Data a user stores through the API (profile, presence, a private room with messages, account
 * data, an alias), for a fuzzer that never holds this user's token to try to disturb: a random
 * request of the fuzzer's own may legitimately change the fuzzer's data, never this.
 */
export interface OwnedData {
  owner: TestClient;
  roomId: string;
  alias: string;
  /** What reading everything back gives; equal before and after fuzzing when nothing leaked. */
  read(): Promise<unknown>;
}

export async function storeOwnedData(baseUrl: string): Promise<OwnedData> {
  const owner = await TestClient.register(baseUrl);
  const localpart = owner.userId.slice(1, owner.userId.indexOf(':'));
  const aliasName = `owned_${localpart}`;
  const roomId = (await owner.ok('POST', '/createRoom', { name: 'owned room', room_alias_name: aliasName, preset: 'private_chat' })).room_id as string;
  const alias = `#${aliasName}:${owner.userId.slice(owner.userId.indexOf(':') + 1)}`;
  for (let n = 0; n < 3; n++) await owner.send(roomId, { msgtype: 'm.text', body: `owned message ${n}` });
  const user = encodeURIComponent(owner.userId);
  await owner.ok('PUT', `/profile/${user}/displayname`, { displayname: 'Owner Name' });
  await owner.ok('PUT', `/presence/${user}/status`, { presence: 'unavailable', status_msg: 'owned status' });
  await owner.ok('PUT', `/user/${user}/account_data/org.example.owned`, { kept: [1, 2, 3] });
  const room = encodeURIComponent(roomId);

  const read = async () => {
    const messages = await owner.ok('GET', `/rooms/${room}/messages`, undefined, { query: { dir: 'b', limit: 50 } });
    const presence = await owner.ok('GET', `/presence/${user}/status`);
    return {
      whoami: await owner.ok('GET', '/account/whoami'),
      profile: await owner.ok('GET', `/profile/${user}`),
      presence: { presence: presence.presence, status_msg: presence.status_msg },
      accountData: await owner.ok('GET', `/user/${user}/account_data/org.example.owned`),
      joinedRooms: await owner.ok('GET', '/joined_rooms'),
      alias: await owner.ok('GET', `/directory/room/${encodeURIComponent(alias)}`),
      members: (await owner.ok('GET', `/rooms/${room}/joined_members`)).joined,
      state: (await owner.state(roomId)).map((event) => [event.type, event.state_key, event.event_id]).sort(),
      messages: (messages.chunk as Array<Record<string, any>>).map((event) => [event.event_id, event.type, event.content]),
    };
  };
  return { owner, roomId, alias, read };
}
