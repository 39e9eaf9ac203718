import { TestClient } from '../support/client.js';
import { TestCluster } from '../support/cluster.js';

const enc = encodeURIComponent;
const ADMIN = 'clusteradmin';
/** A sync timeout of a second; clock-made changes written at once; a lease of a second. */
const SETTINGS = {
  RATE_LIMIT_PRESENCE_PER_SECOND: '1000',
  RATE_LIMIT_PRESENCE_BURST: '1000',
  PRESENCE_SYNC_ONLINE_TIMEOUT_MS: '1000',
  PRESENCE_BUSY_TIMEOUT_MS: '120000',
  PRESENCE_TIMER_TICK_MS: '50',
  PRESENCE_SETTLE_MS: '0',
  PRESENCE_OWNER_LEASE_MS: '1000',
  ADMIN_USERS: `@${ADMIN}:localhost`,
};

async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A client that keeps its long-poll open, as an app does, until its process goes away. */
async function keepSyncing(client: TestClient): Promise<string> {
  let since: string | undefined;
  for (;;) {
    const response = await client.request('GET', '/sync', undefined, { query: { since, timeout: 60_000, set_presence: 'online' } }).catch(() => null);
    if (!response || response.status !== 200) return 'cut off';
    since = response.body.next_batch;
  }
}

/** One presence owner among three processes, and what happens when it is killed with -9. */
describe('presence owner failover', () => {
  let cluster: TestCluster;
  let admin: TestClient;

  beforeAll(async () => {
    cluster = await TestCluster.start(3, SETTINGS);
    admin = await TestClient.register(cluster.url(0), ADMIN);
  }, 180_000);

  afterAll(() => cluster?.stop());

  const as = (client: TestClient, index: number) => new TestClient(cluster.url(index), client.userId, client.accessToken, client.deviceId);
  const ownerFlags = (indexes: number[]) =>
    Promise.all(indexes.map(async (index) => (await as(admin, index).ok('GET', '/_presence-rooms/admin/presence-owner')).owner as boolean));
  const presenceOf = async (viewer: TestClient, index: number, userId: string) =>
    as(viewer, index).ok('GET', `/presence/${enc(userId)}/status`) as Promise<{ presence: string; status_msg?: string | null }>;

  let survivors: number[] = [];

  it('has one owner; once it is killed another takes over, ends the dead process syncs, keeps every acknowledged write and takes inputs again', async () => {
    const flags = await ownerFlags([0, 1, 2]);
    expect(flags.filter(Boolean)).toHaveLength(1);
    const owner = flags.indexOf(true);
    survivors = [0, 1, 2].filter((index) => index !== owner);

    // Acknowledged writes, one through each process (two of them forwarded to the owner).
    const writers = await Promise.all([0, 1, 2].map((index) => TestClient.register(cluster.url(index))));
    for (const [index, writer] of writers.entries()) {
      await writer.ok('PUT', `/presence/${enc(writer.userId)}/status`, { presence: 'unavailable', status_msg: `kept ${index}` });
    }

    // Dave's only device is in a long-poll on the owner when it dies; an observer shares a room with him.
    const dave = await TestClient.register(cluster.url(owner));
    const roomId = await dave.createRoom({ preset: 'public_chat' });
    const observer = await TestClient.register(cluster.url(survivors[0]));
    await observer.join(roomId);
    const syncing = keepSyncing(dave);
    await until(() => presenceOf(observer, survivors[0], dave.userId), (seen) => seen.presence === 'online');

    const hank = await TestClient.register(cluster.url(survivors[1]));

    cluster.processes[owner].child.kill('SIGKILL');
    // Taken during the handover: retried until the new owner answers, then acknowledged.
    const duringHandover = hank.request('PUT', `/presence/${enc(hank.userId)}/status`, { presence: 'unavailable', status_msg: 'during handover' });
    expect(await syncing).toBe('cut off');

    const after = await until(() => ownerFlags(survivors), (seen) => seen.some(Boolean));
    expect(after.filter(Boolean)).toHaveLength(1);
    expect((await duringHandover).status).toBe(200);
    expect(await presenceOf(hank, survivors[1], hank.userId)).toMatchObject({ presence: 'unavailable', status_msg: 'during handover' });
    // The sync cut off with the owner no longer counts: Dave goes offline after the sync timeout.
    for (const index of survivors) await until(() => presenceOf(observer, index, dave.userId), (seen) => seen.presence === 'offline');

    for (const [index, writer] of writers.entries()) {
      for (const survivor of survivors) {
        expect(await presenceOf(writer, survivor, writer.userId)).toMatchObject({ status_msg: `kept ${index}` });
      }
    }

    // Inputs reach the new owner from either survivor.
    const carol = await TestClient.register(cluster.url(survivors[0]));
    for (const index of survivors) {
      await as(carol, index).ok('PUT', `/presence/${enc(carol.userId)}/status`, { presence: 'unavailable', status_msg: `after, via ${index}` });
      // The process that took the change answers with it at once.
      expect(await presenceOf(carol, index, carol.userId)).toMatchObject({ presence: 'unavailable', status_msg: `after, via ${index}` });
      // Read on the other survivor once the owner's publication has reached it.
      await until(() => presenceOf(carol, survivors[1 - survivors.indexOf(index)], carol.userId), (seen) => seen.status_msg === `after, via ${index}`);
    }
  });

  it('ends the syncs of a process that is not the owner when it is killed: its user goes offline', async () => {
    const flags = await ownerFlags(survivors);
    const owner = survivors[flags.indexOf(true)];
    const other = survivors[flags.indexOf(false)];
    const erin = await TestClient.register(cluster.url(other));
    const roomId = await erin.createRoom({ preset: 'public_chat' });
    const observer = await TestClient.register(cluster.url(owner));
    await observer.join(roomId);
    const syncing = keepSyncing(erin);
    await until(() => presenceOf(observer, owner, erin.userId), (seen) => seen.presence === 'online');

    cluster.processes[other].child.kill('SIGKILL');
    expect(await syncing).toBe('cut off');
    // Its heartbeat lapses after the lease; the owner then ends its syncs, and the sync timeout runs.
    await until(() => presenceOf(observer, owner, erin.userId), (seen) => seen.presence === 'offline');
    expect((await ownerFlags([owner]))[0]).toBe(true);
  });
});
