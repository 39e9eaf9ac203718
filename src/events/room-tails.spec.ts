import { EventEntity } from './event.entity.js';
import { RoomTails } from './room-tails.js';

const event = (roomId: string, streamOrdering: number) => Object.assign(new EventEntity(), { roomId, streamOrdering, type: 'm.room.message' });
const positions = (events: EventEntity[] | null) => events?.map((e) => e.streamOrdering) ?? null;

describe(RoomTails.name, () => {
  it('knows nothing of a room before a commit writes to it', () => {
    expect(new RoomTails(3, 10).between('!a', 0, 100)).toBeNull();
  });

  it('is complete from just before the first event it saw of a room', () => {
    const tails = new RoomTails(3, 10);
    tails.add([event('!a', 5), event('!b', 6), event('!a', 7)]);
    expect(positions(tails.between('!a', 4, 100))).toEqual([5, 7]);
    expect(positions(tails.between('!a', 5, 100))).toEqual([7]);
    expect(positions(tails.between('!a', 4, 6))).toEqual([5]);
    expect(tails.between('!a', 3, 100)).toBeNull();
    expect(positions(tails.between('!b', 5, 100))).toEqual([6]);
  });

  it('forgets the oldest events beyond its length, and then how far back it reaches', () => {
    const tails = new RoomTails(2, 10);
    tails.add([event('!a', 1), event('!a', 2)]);
    tails.add([event('!a', 3)]);
    expect(tails.between('!a', 0, 100)).toBeNull();
    expect(positions(tails.between('!a', 1, 100))).toEqual([2, 3]);
    expect(positions(tails.between('!a', 3, 100))).toEqual([]);
  });

  it('starts again empty when it holds too many rooms', () => {
    const tails = new RoomTails(2, 2);
    tails.add([event('!a', 1), event('!b', 2)]);
    tails.add([event('!c', 3)]);
    expect(tails.between('!a', 0, 100)).toBeNull();
    expect(positions(tails.between('!c', 2, 100))).toEqual([3]);
  });

  it('answers any window within the tail, with an array of its own', () => {
    const tails = new RoomTails(10, 10);
    tails.add([1, 2, 4, 8, 9].map((ordering) => event('!a', ordering)));
    expect(positions(tails.between('!a', 2, 8))).toEqual([4, 8]);
    expect(positions(tails.between('!a', 3, 3))).toEqual([]);
    expect(positions(tails.between('!a', 0, 0))).toEqual([]);
    expect(positions(tails.between('!a', 9, 100))).toEqual([]);
    tails.between('!a', 0, 100)!.reverse();
    expect(positions(tails.between('!a', 0, 100))).toEqual([1, 2, 4, 8, 9]);
  });
});
