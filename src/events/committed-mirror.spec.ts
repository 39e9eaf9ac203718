import { jest } from '@jest/globals';
import { CommittedMirror } from './committed-mirror.js';
import { EventEntity } from './event.entity.js';
import { RoomMembershipEntity } from './room-membership.entity.js';
import { RoomState } from './room-state.js';
import type { CommittedWrite } from './room-write-transaction.js';

const member = (roomId: string, userId: string, membership: string, streamOrdering: number) =>
  Object.assign(new EventEntity(), { roomId, type: 'm.room.member', stateKey: userId, sender: userId, content: { membership }, streamOrdering });
const message = (roomId: string, streamOrdering: number) => Object.assign(new EventEntity(), { roomId, type: 'm.room.message', stateKey: null, streamOrdering });
const membershipRow = (roomId: string, userId: string, membership: 'join' | 'leave') =>
  Object.assign(new RoomMembershipEntity(), { roomId, userId, membership, streamOrdering: 1 });

function commit(events: EventEntity[], states = new Map<string, RoomState>()): CommittedWrite {
  return { events, audience: new Set(), states };
}

/** A load that resolves only when told, counting its calls. */
function controlledLoad<T>(value: T) {
  const calls: Array<() => void> = [];
  return {
    calls,
    load: () => new Promise<T>((resolve) => calls.push(() => resolve(value))),
  };
}

describe(CommittedMirror.name, () => {
  it('learns what another process committed: the state it holds, newest positions, memberships and tails, and drops reads under way', async () => {
    const mirror = new CommittedMirror(false);
    await mirror.roomState('!a', async () => new RoomState([member('!a', '@x', 'join', 1)]));
    await mirror.membershipsOf('@y', async () => []);
    const stale = controlledLoad(1);
    const reading = mirror.newestIn('!b', stale.load);
    mirror.learn([member('!a', '@y', 'join', 2), message('!a', 3), message('!b', 4)]);
    stale.calls[0]();
    await reading;
    const never = jest.fn(async () => {
      throw new Error('read from the database');
    });
    expect((await mirror.roomState('!a', never)).members('join').sort()).toEqual(['@x', '@y']);
    expect([await mirror.newestIn('!a', never), await mirror.newestIn('!b', never)]).toEqual([3, 4]);
    expect([...(await mirror.membershipsOf('@y', never)).keys()]).toEqual(['!a']);
    expect(mirror.recent('!a', 1, 3)?.map((event) => event.streamOrdering)).toEqual([2, 3]);
  });

  it('keeps a read and answers from it after', async () => {
    const mirror = new CommittedMirror(false);
    const load = jest.fn(async () => 7);
    expect(await mirror.newestIn('!a', load)).toBe(7);
    expect(await mirror.newestIn('!a', load)).toBe(7);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('drops a read that a commit settled during, since it may be older than the commit', async () => {
    const mirror = new CommittedMirror(false);
    const stale = controlledLoad(3);
    const reading = mirror.newestIn('!a', stale.load);
    mirror.beginWrite();
    mirror.settle(commit([message('!b', 4)]));
    stale.calls[0]();
    expect(await reading).toBe(3);
    const fresh = jest.fn(async () => 4);
    expect(await mirror.newestIn('!a', fresh)).toBe(4);
    expect(fresh).toHaveBeenCalledTimes(1);
  });

  it('keeps a room-mates read that only a commit without membership changes settled during', async () => {
    const mirror = new CommittedMirror(false);
    const read = controlledLoad(['@a:x', '@b:x']);
    const reading = mirror.roomMatesOf('@a:x', read.load);
    mirror.beginWrite();
    mirror.settle(commit([message('!a', 4)]));
    mirror.learn([message('!b', 5)]);
    read.calls[0]();
    await reading;
    const never = jest.fn(async (): Promise<string[]> => {
      throw new Error('read from the database');
    });
    expect([...(await mirror.roomMatesOf('@a:x', never))]).toEqual(['@a:x', '@b:x']);
  });

  it('drops memberships and room-mates reads that a membership change settled during', async () => {
    const mirror = new CommittedMirror(false);
    const mates = controlledLoad(['@a:x']);
    const rows = controlledLoad([membershipRow('!a', '@a:x', 'join')]);
    const readingMates = mirror.roomMatesOf('@a:x', mates.load);
    const readingRows = mirror.membershipsOf('@b:x', rows.load);
    mirror.learn([member('!a', '@b:x', 'join', 6)]);
    mates.calls[0]();
    rows.calls[0]();
    await Promise.all([readingMates, readingRows]);
    const again = jest.fn(async () => ['@a:x', '@b:x']);
    expect([...(await mirror.roomMatesOf('@a:x', again))]).toEqual(['@a:x', '@b:x']);
    expect(again).toHaveBeenCalledTimes(1);
    const rowsAgain = jest.fn(async () => [membershipRow('!a', '@b:x', 'join')]);
    await mirror.membershipsOf('@b:x', rowsAgain);
    expect(rowsAgain).toHaveBeenCalledTimes(1);
  });

  it('drops a read that a rollback settled during', async () => {
    const mirror = new CommittedMirror(false);
    const read = controlledLoad(['@a:x']);
    const reading = mirror.roomMatesOf('@a:x', read.load);
    mirror.beginWrite();
    mirror.settle(null);
    read.calls[0]();
    await reading;
    const again = jest.fn(async () => ['@a:x']);
    await mirror.roomMatesOf('@a:x', again);
    expect(again).toHaveBeenCalledTimes(1);
  });

  it('keeps reads made while a write is open only where reads cannot see it', async () => {
    for (const readsSeeOpenTransactions of [true, false]) {
      const mirror = new CommittedMirror(readsSeeOpenTransactions);
      mirror.beginWrite();
      await mirror.newestIn('!a', async () => 5);
      const again = jest.fn(async () => 5);
      await mirror.newestIn('!a', again);
      expect(again).toHaveBeenCalledTimes(readsSeeOpenTransactions ? 1 : 0);
    }
  });

  it('brings states, newest positions, memberships and tails up to a commit, and drops room-mates', async () => {
    const mirror = new CommittedMirror(false);
    await mirror.membershipsOf('@b:x', async () => [membershipRow('!a', '@b:x', 'leave')]);
    await mirror.roomMatesOf('@a:x', async () => ['@a:x']);
    await mirror.newestIn('!a', async () => 1);
    const joined = member('!a', '@b:x', 'join', 2);
    mirror.beginWrite();
    mirror.settle(commit([joined, message('!a', 3)], new Map([['!a', new RoomState([joined])]])));

    const unused = async (): Promise<never> => {
      throw new Error('read from the database');
    };
    expect((await mirror.membershipsOf('@b:x', unused)).get('!a')?.membership).toBe('join');
    expect(await mirror.newestIn('!a', unused)).toBe(3);
    expect((await mirror.roomState('!a', unused)).membership('@b:x')).toBe('join');
    expect(mirror.recent('!a', 1, 3)?.map((event) => event.streamOrdering)).toEqual([2, 3]);
    expect(await mirror.roomMatesOf('@a:x', async () => ['@a:x', '@b:x'])).toEqual(new Set(['@a:x', '@b:x']));
  });

  it('keeps nothing of a rollback', async () => {
    const mirror = new CommittedMirror(false);
    await mirror.newestIn('!a', async () => 1);
    mirror.beginWrite();
    mirror.settle(null);
    expect(await mirror.newestIn('!a', async () => 9)).toBe(1);
    expect(mirror.recent('!a', 0, 10)).toBeNull();
  });

  it('starts a mirror again empty when it is full', async () => {
    const mirror = new CommittedMirror(false, { rooms: 2, users: 2, tailLength: 2, tails: 2 });
    await mirror.roomMatesOf('@a:x', async () => ['@a:x']);
    await mirror.roomMatesOf('@b:x', async () => ['@b:x']);
    await mirror.roomMatesOf('@c:x', async () => ['@c:x']);
    const reload = jest.fn(async () => ['@a:x']);
    await mirror.roomMatesOf('@a:x', reload);
    expect(reload).toHaveBeenCalledTimes(1);
  });
});
