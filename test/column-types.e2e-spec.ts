import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { loadAppConfig } from '../src/config/app-config.js';
import { dataSourceOptions, openDataSource } from '../src/database/data-source.js';
import { LegacyUsageEntity } from '../src/legacy/legacy-usage.entity.js';
import { RoomPeekEntity } from '../src/peeking/room-peek.entity.js';
import { EventEntity } from '../src/events/event.entity.js';
import { PresenceStateEntity } from '../src/presence/presence-state.entity.js';
import { RoomEntity } from '../src/rooms/room.entity.js';
import { FilterEntity } from '../src/sync/filter.entity.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/** Past 2^32 ms and 2^31, where an INTEGER column or a 32-bit parse would show. */
const TS = 1_795_360_634_905;

/**
 * The columns whose type differs between the databases (BIGINT, BOOLEAN, JSON kept as text) read
 * back through the entities as the very values written, on SQLite and on PostgreSQL alike.
 */
describe('column types through the entities', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDataSource(dataSourceOptions(loadAppConfig(database.env)));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function roundTrip<T extends ObjectLiteral>(target: EntityTarget<T>, row: T, where: Partial<T>): Promise<void> {
    const repository = dataSource.getRepository(target);
    await repository.insert(row);
    expect(await repository.findOneByOrFail(where as never)).toStrictEqual(Object.assign(repository.create(), row));
  }

  it('bigint timestamps and booleans, with and without a default', async () => {
    await roundTrip(RoomEntity, { roomId: '!a:x', creator: '@a:x', roomType: null, roomVersion: '10', isPublic: true, createdTs: TS }, { roomId: '!a:x' });
    await dataSource.query(`INSERT INTO rooms (room_id, creator, room_version, created_ts) VALUES ('!b:x', '@a:x', '10', ${TS})`);
    const defaulted = await dataSource.getRepository(RoomEntity).findOneByOrFail({ roomId: '!b:x' });
    expect(defaulted.isPublic).toBe(false);
    expect(defaulted.createdTs).toBe(TS);
    await roundTrip(LegacyUsageEntity, { surface: 'presence_get', userAgent: 'x', calls: 2 ** 31 - 1, firstCalledTs: TS, lastCalledTs: TS + 1 }, { surface: 'presence_get' });
    await roundTrip(RoomPeekEntity, { userId: '@a:x', roomId: '!a:x', startedId: 7, endedId: null, expiresTs: TS }, { userId: '@a:x' });
  });

  it('nullable bigints and JSON kept as text', async () => {
    const devices = [{ deviceId: 'D', state: 'busy', lastSeenTs: TS, nested: { ok: true, list: [1, 'two', null] } }];
    const base = { manual: null, appearOfflineLastActiveTs: null, statusMsg: 'ünïcode ✓', lastActiveTs: TS, devices } as const;
    await roundTrip(PresenceStateEntity, { userId: '@a:x', appearOfflineSince: TS, ...base } as unknown as PresenceStateEntity, { userId: '@a:x' });
    await roundTrip(PresenceStateEntity, { userId: '@b:x', appearOfflineSince: null, ...base } as unknown as PresenceStateEntity, { userId: '@b:x' });
    await roundTrip(
      EventEntity,
      {
        streamOrdering: 2 ** 31 - 1,
        eventId: '$e',
        roomId: '!a:x',
        type: 'm.room.message',
        stateKey: null,
        sender: '@a:x',
        content: { body: 'x', n: 1.5, deep: { a: [true, false] } },
        unsigned: null,
        originServerTs: TS,
        deviceId: 'D',
        txnId: 't',
      },
      { eventId: '$e' },
    );
    await roundTrip(FilterEntity, { userId: '@a:x', filterId: 0, definition: { room: { timeline: { limit: 2 } } } }, { userId: '@a:x', filterId: 0 });
  });
});
