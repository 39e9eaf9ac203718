import type { PresenceView } from '../presence/core/presence-model.js';
import type { WrittenEvent } from './engine-run.js';
import { federationFigures } from './federation.js';
import type { Population } from './population.js';
import { presencePduBytes, profileRoomJoinCost, TRANSACTION_ENVELOPE_BYTES } from './wire-sizes.js';

const online: PresenceView = { presence: 'online', currentlyActive: true, lastActiveTs: 1, statusMsg: null };
const update = (at: number): WrittenEvent => ({ at, kind: 'presence', view: online, previous: null, lag: 0 });

describe('federation estimate', () => {
  // Two users; followers 0 and 1 are on the home server and server 1, followers 2 and 3 on server 2.
  const population: Population = {
    users: [
      { userId: '@a:sim.test', utcOffsetHours: 0, dayStart: 0, script: [], followers: [0, 1, 2, 3] },
      { userId: '@b:sim.test', utcOffsetHours: 0, dayStart: 0, script: [], followers: [0, 2] },
    ],
    followerServers: [0, 1, 2, 2],
    start: 0,
    end: 10_000,
  };
  const perUser = [[update(0), update(5000)], [update(100)]];

  it('sends each update once to each remote server with a follower, batched by window', () => {
    const figures = federationFigures(population, 'pdu-msc3032', perUser);
    expect(figures.servers).toBe(2);
    const [one, two] = figures.perServer;
    // Server 1 follows only @a: two updates 5 s apart, two transactions.
    expect(one).toMatchObject({ server: 1, followers: 1, followedUsers: 1, transactions: 2 });
    // Server 2 follows both: @a at 0 and @b at 100 ms share a transaction, @a at 5 s another.
    expect(two).toMatchObject({ server: 2, followers: 2, followedUsers: 2, transactions: 2 });
    const pdu = (userId: string, at: number, depth: number) => presencePduBytes(userId, 'presence', online, at, depth);
    expect(two.bytes).toBe(2 * TRANSACTION_ENVELOPE_BYTES + pdu('@a:sim.test', 0, 20) + pdu('@a:sim.test', 5000, 21) + pdu('@b:sim.test', 100, 20));
    // A server following two profile rooms fetched each one's state once.
    expect(two.joinBytes).toBe(2 * profileRoomJoinCost('@a:sim.test').bytes);
    expect(figures.transactionsPerServerDay).toBe(2);
  });

  it('has nothing to fetch up front for EDUs', () => {
    const figures = federationFigures(population, 'edu-legacy', perUser);
    expect(figures.joinEvents).toBe(0);
    expect(figures.perServer.every((server) => server.joinBytes === 0 && server.bytes > 0)).toBe(true);
  });
});
