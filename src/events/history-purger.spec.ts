import { DomainEventBus } from '../common/event-bus.js';
import type { DatabaseWriter } from '../database/database-writer.service.js';
import type { SqlStatements } from '../database/sql-statements.js';
import type { HistoryHorizons } from './history-horizons.js';
import { HistoryPurger } from './history-purger.js';

const ROOM = '!profile:localhost';

/** A room with two superseded m.presence events and the current one, and a writer that counts its transactions. */
function purgerWith(told: boolean) {
  const rows = [1, 2, 3].map((n) => ({ stream_ordering: n, type: 'm.presence', state_key: '', origin_server_ts: n }));
  const sql = { all: async () => rows, within: () => ({ run: async () => undefined }) } as unknown as SqlStatements;
  const transactions: number[] = [];
  const writer = {
    transaction: async (work: (manager: unknown) => Promise<void>) => {
      transactions.push(1);
      await work({});
    },
  } as unknown as DatabaseWriter;
  const horizons = { announce: async () => told } as unknown as HistoryHorizons;
  return { purger: new HistoryPurger(sql, writer, horizons, new DomainEventBus()), transactions };
}

describe(HistoryPurger.name, () => {
  const scope = { roomTypes: ['m.profile'], eventTypes: ['m.presence'], cutoffTs: 10 };

  it('deletes nothing when the other processes could not be told the new horizon', async () => {
    const { purger, transactions } = purgerWith(false);
    expect(await purger.purgeRoom(ROOM, scope)).toBe(0);
    expect(transactions).toEqual([]);
  });

  it('deletes the superseded events once the horizon is told', async () => {
    const { purger, transactions } = purgerWith(true);
    expect(await purger.purgeRoom(ROOM, scope)).toBe(2);
    expect(transactions).toEqual([1]);
  });
});
