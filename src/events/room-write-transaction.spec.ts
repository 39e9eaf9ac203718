import type { EntityManager } from 'typeorm';
import type { SqlParameter, SqlTransaction } from '../database/sql-statements.js';
import { INSERT_EVENT, UPSERT_MEMBERSHIP, UPSERT_ROOM_STATE } from './event-rows.js';
import { EventEntity } from './event.entity.js';
import { RoomState } from './room-state.js';
import { MAX_EVENT_BYTES, RoomWriteTransaction } from './room-write-transaction.js';

/** Records the statements run, answering each after a turn of the event loop as a database would. */
class RecordingSql implements SqlTransaction {
  readonly runs: Array<{ sql: string; parameters: SqlParameter[] }> = [];
  async lock(): Promise<void> {}
  async all<T>(): Promise<T[]> {
    return [];
  }
  async get<T>(): Promise<T | undefined> {
    return undefined;
  }
  async run(sql: string, ...parameters: SqlParameter[]): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.runs.push({ sql, parameters });
  }
}

const create = Object.assign(new EventEntity(), {
  streamOrdering: 1,
  eventId: '$create',
  roomId: '!r:x',
  type: 'm.room.create',
  stateKey: '',
  sender: '@a:x',
  content: { creator: '@a:x' },
});
const aliceJoined = Object.assign(new EventEntity(), { ...create, streamOrdering: 2, eventId: '$join', type: 'm.room.member', stateKey: '@a:x', content: { membership: 'join' } });

function transaction() {
  const sql = new RecordingSql();
  let position = 10;
  const tx = new RoomWriteTransaction({} as EntityManager, sql, { next: async () => ++position }, { currentState: async () => new RoomState([create, aliceJoined]) }, 1000);
  return { sql, tx };
}

describe(RoomWriteTransaction.name, () => {
  it('gives appended events the next positions and writes their rows, state and memberships', async () => {
    const { sql, tx } = transaction();
    const message = await tx.append({ roomId: '!r:x', type: 'm.room.message', sender: '@a:x', content: { body: 'hi' } });
    const invite = await tx.append({ roomId: '!r:x', type: 'm.room.member', stateKey: '@b:x', sender: '@a:x', content: { membership: 'invite' } });
    expect([message.streamOrdering, invite.streamOrdering]).toEqual([11, 12]);
    expect(sql.runs.map((run) => run.sql)).toEqual([INSERT_EVENT, INSERT_EVENT, UPSERT_ROOM_STATE, UPSERT_MEMBERSHIP]);
    expect(sql.runs[3].parameters).toEqual(['!r:x', '@b:x', 'invite', 12]);
    expect((await tx.state('!r:x')).membership('@b:x')).toBe('invite');
  });

  it('returns what it wrote: events in order, their audience, the states with its writes', async () => {
    const { tx } = transaction();
    await tx.append({ roomId: '!r:x', type: 'm.room.member', stateKey: '@b:x', sender: '@a:x', content: { membership: 'invite' } });
    await tx.append({ roomId: '!r:x', type: 'm.room.name', stateKey: '', sender: '@a:x', content: { name: 'n' } });
    const { events, audience, states } = tx.written;
    expect(events.map((event) => event.type)).toEqual(['m.room.member', 'm.room.name']);
    expect([...audience].sort()).toEqual(['@a:x', '@b:x']);
    expect(states.get('!r:x')?.content('m.room.name')).toEqual({ name: 'n' });
  });

  it('keeps what a state event replaces in unsigned', async () => {
    const { tx } = transaction();
    const left = await tx.append({ roomId: '!r:x', type: 'm.room.member', stateKey: '@a:x', sender: '@a:x', content: { membership: 'leave' } });
    expect(left.unsigned).toEqual({ prev_content: { membership: 'join' }, prev_sender: '@a:x', replaces_state: '$join' });
  });

  it('makes appends asked for at once one after another, each seeing the one before', async () => {
    const { tx } = transaction();
    const [first, second] = await Promise.all([
      tx.append({ roomId: '!r:x', type: 'm.room.topic', stateKey: '', sender: '@a:x', content: { topic: 'one' } }),
      tx.append({ roomId: '!r:x', type: 'm.room.topic', stateKey: '', sender: '@a:x', content: { topic: 'two' } }),
    ]);
    expect(second.streamOrdering).toBe(first.streamOrdering + 1);
    expect(second.unsigned?.replaces_state).toBe(first.eventId);
    expect((await tx.state('!r:x')).content('m.room.topic')).toEqual({ topic: 'two' });
  });

  it('refuses an event larger than the limit, writing nothing', async () => {
    const { sql, tx } = transaction();
    const append = tx.append({ roomId: '!r:x', type: 'm.room.message', sender: '@a:x', content: { body: 'x'.repeat(MAX_EVENT_BYTES) } });
    await expect(append).rejects.toMatchObject({ errcode: 'M_TOO_LARGE' });
    expect(sql.runs).toEqual([]);
    expect(tx.written.events).toEqual([]);
    const next = await tx.append({ roomId: '!r:x', type: 'm.room.message', sender: '@a:x', content: { body: 'short' } });
    expect(next.streamOrdering).toBe(11);
  });
});
