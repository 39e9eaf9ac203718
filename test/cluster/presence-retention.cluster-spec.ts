import { TestClient, uniqueName } from '../support/client.js';
import { TestCluster } from '../support/cluster.js';

const enc = encodeURIComponent;
const ADMIN = uniqueName('admin');
const SETTINGS = {
  ADMIN_USERS: `@${ADMIN}:localhost`,
  PRESENCE_HISTORY_RETENTION_MS: '3000',
  PRESENCE_HISTORY_PURGE_INTERVAL_MS: '100',
  RATE_LIMIT_PRESENCE_PER_SECOND: '1000',
  RATE_LIMIT_PRESENCE_BURST: '1000',
};

/** Presence history retention with two processes: the owner purges, and the other answers stale tokens as clearly. */
describe('presence history retention in a cluster', () => {
  let cluster: TestCluster;
  let admin: TestClient;

  beforeAll(async () => {
    cluster = await TestCluster.start(2, SETTINGS);
    admin = await TestClient.register(cluster.url(0), ADMIN);
  }, 180_000);

  afterAll(() => cluster?.stop());

  const as = (client: TestClient, index: number) => new TestClient(cluster.url(index), client.userId, client.accessToken, client.deviceId);

  it('purges superseded presence history, and a process that does not own presence answers a stale /sync and /events with the gap', async () => {
    const owners = await Promise.all([0, 1].map(async (index) => (await as(admin, index).ok('GET', '/_presence-rooms/admin/presence-owner')).owner as boolean));
    expect(owners.filter(Boolean)).toHaveLength(1);
    const other = owners.indexOf(false);
    const alice = await TestClient.register(cluster.url(owners.indexOf(true)));
    const roomId = await alice.profileRoomId();
    await alice.setState(roomId, 'm.profile.privacy', '', { visibility: 'public' });
    const stale = (await as(alice, other).sync()).next_batch as string;
    const eventIds: string[] = [];
    for (const statusMsg of ['one', 'two', 'three']) {
      await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online', status_msg: statusMsg });
      eventIds.push(await currentStatusId(alice, roomId));
    }
    // 'one' and 'two' are superseded; once older than the window they go, on either process.
    for (let attempt = 0; ; attempt += 1) {
      const answers = await Promise.all(eventIds.slice(0, 2).map((eventId) => as(alice, other).request('GET', `/rooms/${enc(roomId)}/event/${enc(eventId)}`)));
      if (answers.every((answer) => answer.status === 404)) break;
      if (attempt === 300) throw new Error('never purged');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await as(alice, other).request('GET', `/rooms/${enc(roomId)}/event/${enc(eventIds[2])}`)).status).toBe(200);

    const room = (await as(alice, other).sync({ since: stale })).rooms.join[roomId];
    expect(room.timeline.limited).toBe(true);
    expect(room.state.events.map((event: { type: string }) => event.type)).toContain('m.room.create');
    const polled = await as(alice, other).ok('GET', '/events', undefined, { query: { room_id: roomId, from: stale, timeout: 0 } });
    expect(polled['org.presence_rooms.history_purged']).toBe(true);
  });
});

async function currentStatusId(client: TestClient, roomId: string): Promise<string> {
  const state = await client.ok<Array<{ type: string; event_id: string }>>('GET', `/rooms/${enc(roomId)}/state`);
  return state.find((event) => event.type === 'm.status')!.event_id;
}
