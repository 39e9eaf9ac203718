import type { WrittenEvent } from './engine-run.js';
import { batchTransactions, type Outgoing, ratio } from './figures.js';
import type { ModelName } from './models.js';
import type { Population } from './population.js';
import { PRESENCE_EDU_WRAPPER_BYTES, presenceEduEntryBytes, presencePduBytes, profileRoomJoinCost, TRANSACTION_ENVELOPE_BYTES } from './wire-sizes.js';

/** Items that become ready within one round trip share a transaction. */
export const TRANSACTION_WINDOW_MS = 1000;
/** Synapse's limits per transaction. */
const MAX_PDUS = 50;
const MAX_EDUS = 100;

export interface ServerTraffic {
  server: number;
  /** Followers on this server (of any simulated user). */
  followers: number;
  /** Simulated users with at least one follower here: whose updates it receives. */
  followedUsers: number;
  transactions: number;
  bytes: number;
  /** For state events: what it fetched once to start following those users (their profile rooms' state). */
  joinBytes: number;
}

export interface FederationFigures {
  /** Remote servers with at least one follower. */
  servers: number;
  transactionsPerServerDay: number;
  bytesPerServerDay: number;
  /** For state events, what a server fetches to start peeking one profile room (its state, whose auth chain is a subset). */
  joinEvents: number;
  joinBytesPerRoom: number;
  perServer: ServerTraffic[];
}

/**
 * The federation traffic one day of updates makes: each update goes to every remote server
 * (server 0 is home) with a follower of its user, once; as an EDU in the legacy model, as a PDU
 * when it is a state event. Each server's items are batched into transactions.
 */
export function federationFigures(population: Population, model: ModelName, perUser: WrittenEvent[][]): FederationFigures {
  const byServer = new Map<number, { followers: Set<number>; users: number[] }>();
  population.users.forEach((user, index) => {
    const servers = new Set<number>();
    for (const follower of user.followers) {
      const server = population.followerServers[follower];
      if (server === 0) continue;
      let entry = byServer.get(server);
      if (!entry) byServer.set(server, (entry = { followers: new Set(), users: [] }));
      entry.followers.add(follower);
      servers.add(server);
    }
    for (const server of servers) byServer.get(server)!.users.push(index);
  });
  // Each update's size on the wire does not depend on where it goes.
  const sizes = perUser.map((updates, index) => {
    const userId = population.users[index].userId;
    return updates.map((update, depth) =>
      model === 'edu-legacy' ? presenceEduEntryBytes(userId, update.view) : presencePduBytes(userId, update.kind, update.view, update.at, 20 + depth),
    );
  });
  const join = profileRoomJoinCost(population.users[0]?.userId ?? '@user0:sim.test');
  const perServer: ServerTraffic[] = [];
  for (const [server, { followers, users }] of [...byServer].sort((a, b) => a[0] - b[0])) {
    const items: Outgoing[] = [];
    for (const index of users) perUser[index].forEach((update, n) => items.push({ at: update.at, bytes: sizes[index][n] }));
    const tally =
      model === 'edu-legacy'
        ? batchTransactions(items, { windowMs: TRANSACTION_WINDOW_MS, maxItems: MAX_EDUS, envelopeBytes: TRANSACTION_ENVELOPE_BYTES, perTransactionBytes: PRESENCE_EDU_WRAPPER_BYTES })
        : batchTransactions(items, { windowMs: TRANSACTION_WINDOW_MS, maxItems: MAX_PDUS, envelopeBytes: TRANSACTION_ENVELOPE_BYTES });
    const joinBytes = model === 'edu-legacy' ? 0 : users.length * join.bytes;
    perServer.push({ server, followers: followers.size, followedUsers: users.length, ...tally, joinBytes });
  }
  const total = (key: 'transactions' | 'bytes') => perServer.reduce((sum, traffic) => sum + traffic[key], 0);
  return {
    servers: perServer.length,
    transactionsPerServerDay: ratio(total('transactions'), perServer.length),
    bytesPerServerDay: ratio(total('bytes'), perServer.length),
    joinEvents: model === 'edu-legacy' ? 0 : join.events,
    joinBytesPerRoom: model === 'edu-legacy' ? 0 : join.bytes,
    perServer,
  };
}
