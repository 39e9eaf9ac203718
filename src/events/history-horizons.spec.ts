import { LocalLink } from '../cluster/cluster-link.js';
import type { SqlStatements } from '../database/sql-statements.js';
import { HistoryHorizons } from './history-horizons.js';

async function horizonsHolding(rows: Array<{ room_id: string; purged_up_to: number | string }>): Promise<HistoryHorizons> {
  const sql = { all: async () => rows } as unknown as SqlStatements;
  const horizons = new HistoryHorizons(sql, new LocalLink());
  await horizons.onModuleInit();
  return horizons;
}

describe(HistoryHorizons.name, () => {
  it('loads the stored horizons, and only ever raises one', async () => {
    const horizons = await horizonsHolding([{ room_id: '!a:x', purged_up_to: '40' }]);
    expect(horizons.of('!a:x')).toBe(40);
    expect(horizons.of('!b:x')).toBe(0);
    await horizons.announce('!a:x', 30);
    expect(horizons.of('!a:x')).toBe(40);
    await horizons.announce('!a:x', 50);
    expect(horizons.of('!a:x')).toBe(50);
  });

  it('reads from the position given when it is at or above the horizon', async () => {
    const horizons = await horizonsHolding([{ room_id: '!a:x', purged_up_to: 40 }]);
    const reads: number[] = [];
    expect(await horizons.readFrom('!a:x', 40, async (from) => reads.push(from))).toEqual({ value: 1, from: 40 });
    expect(reads).toEqual([40]);
  });

  it('reads from the horizon when the position is below it', async () => {
    const horizons = await horizonsHolding([{ room_id: '!a:x', purged_up_to: 40 }]);
    const reads: number[] = [];
    expect((await horizons.readFrom('!a:x', 10, async (from) => reads.push(from))).from).toBe(40);
    expect(reads).toEqual([40]);
  });

  it('reads again from the new horizon when a purge overtook the read', async () => {
    const horizons = await horizonsHolding([]);
    const reads: number[] = [];
    const { from } = await horizons.readFrom('!a:x', 10, async (at) => {
      reads.push(at);
      // A purge announced while the first read was under way.
      if (reads.length === 1) await horizons.announce('!a:x', 25);
    });
    expect(from).toBe(25);
    expect(reads).toEqual([10, 25]);
  });
});
