import { DataSource } from 'typeorm';
import { LocalLink } from '../src/cluster/cluster-link.js';
import { Clock } from '../src/common/clock.js';
import { DomainEventBus } from '../src/common/event-bus.js';
import { DatabaseWriter } from '../src/database/database-writer.service.js';
import { openPostgres, postgresOptions } from '../src/database/postgres.js';
import { PostgresStatements } from '../src/database/postgres-statements.js';
import { EventQueries } from '../src/events/event-queries.js';
import { EventStore } from '../src/events/event-store.service.js';
import { createTestDatabase, onPostgres, type TestDatabase } from './support/test-database.js';

/** An event store of its own, as a second server process would have, on its own connection pool (told nothing by the other). */
async function storeOn(dataSource: DataSource): Promise<EventStore> {
  const sql = new PostgresStatements(dataSource);
  const store = new EventStore(new EventQueries(sql, dataSource), new DatabaseWriter(dataSource), sql, new DomainEventBus(), new Clock(), new LocalLink());
  await store.onModuleInit();
  return store;
}

const pause = () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));

/**
 * Stream positions with more than one writer (README, "Stream positions"): a reader that reads up
 * to the highest committed position must never skip an event committed after it. SQLite has one
 * writer process, so this runs on PostgreSQL only (`npm run test:pg`).
 */
(onPostgres ? describe : describe.skip)('stream positions with two writers', () => {
  let database: TestDatabase;
  const sources: DataSource[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    // The first migrates; the second finds nothing left to do, as a second process would.
    for (let i = 0; i < 2; i += 1) sources.push(await openPostgres(postgresOptions(database.env.DATABASE_URL, 4)));
  });

  afterAll(async () => {
    for (const source of sources) await source.destroy();
    await database?.drop();
  });

  it('lets a reader stopping at the highest committed position see every event exactly once', async () => {
    const stores = await Promise.all(sources.map(storeOn));
    const roomId = '!race:localhost';
    const committed: string[] = [];
    let writing = true;

    // Each transaction appends one to three events and lingers before committing, so that were
    // positions handed out without the lock, a later one would often commit first; one in five
    // rolls back.
    const writer = async (store: EventStore, name: string) => {
      for (let n = 0; n < 60; n += 1) {
        const rollBack = n % 5 === 4;
        const ids = await store
          .write(async (tx) => {
            const appended: string[] = [];
            for (let i = 0; i <= n % 3; i += 1) {
              appended.push((await tx.append({ roomId, type: 'm.room.message', sender: `@${name}:localhost`, content: { n, i } })).eventId);
              await pause();
            }
            if (rollBack) throw new Error('rolled back');
            return appended;
          })
          .catch((error: Error) => {
            if (error.message !== 'rolled back') throw error;
            return [];
          });
        committed.push(...ids);
      }
    };

    const seen: Array<{ stream_ordering: number; event_id: string }> = [];
    const reader = async () => {
      let last = 0;
      for (;;) {
        const done = !writing;
        const [{ max }] = await database.query<{ max: number | null }>('SELECT MAX(stream_ordering) AS max FROM events');
        const upTo = Number(max ?? 0);
        seen.push(
          ...(await database.query<{ stream_ordering: number; event_id: string }>(
            'SELECT stream_ordering, event_id FROM events WHERE stream_ordering > $1 AND stream_ordering <= $2 ORDER BY stream_ordering',
            [last, upTo],
          )),
        );
        last = upTo;
        if (done) return;
        await pause();
      }
    };

    const reading = reader();
    await Promise.all([writer(stores[0], 'a'), writer(stores[1], 'b')]);
    writing = false;
    await reading;

    expect(committed.length).toBeGreaterThan(100);
    expect(seen.map((row) => row.event_id).sort()).toEqual([...committed].sort());
    // Rolled-back positions are taken again, so the committed ones have no holes either.
    expect(seen.map((row) => Number(row.stream_ordering))).toEqual(committed.map((_, index) => index + 1));
    // Each store's readers stop at what it committed itself; the other's events are below.
    expect(Math.max(...stores.map((store) => store.currentPosition()))).toBe(committed.length);
  });
});
