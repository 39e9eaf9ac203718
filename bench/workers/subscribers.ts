import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { serveJob } from '../lib/worker-side.js';

/** graphql-ws clients of presenceChanged, against the real server or the baseline broadcaster alike. */
export interface SubscribersJob {
  /** Each subscriber's server (one of a cluster's processes, or the baseline broadcaster), token and followed users. */
  subscribers: Array<{ url: string; token: string; follows: string[] }>;
}

export interface SubscribersResult {
  deliveries: number;
  latencies: number[];
  errors: number;
  sampleMessageBytes: number;
}

const QUERY = 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId state statusMsg currentlyActive lastActiveTs displayName } }';
const MARK = 'bench:';

let latencies: number[] = [];
let deliveries = 0;
let errors = 0;
let sampleMessageBytes = 0;
let measuring = false;
let measuringSince = 0;
const clients: Client[] = [];

/** A delivery carries the time its change was requested, in the status text. */
function record(statusMsg: unknown): void {
  if (!measuring || typeof statusMsg !== 'string' || !statusMsg.startsWith(MARK)) return;
  const requestedAt = Number(statusMsg.slice(MARK.length));
  // A change requested before the count began (a warm-up's) is not counted.
  if (requestedAt < measuringSince) return;
  deliveries += 1;
  latencies.push(Date.now() - requestedAt);
}

async function openGraphql(subscriber: SubscribersJob['subscribers'][number]): Promise<void> {
  const client = createClient({
    url: subscriber.url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${subscriber.token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => (errors += 1),
    jsonMessageReviver: undefined,
    on: {
      message: (message) => {
        if (sampleMessageBytes === 0 && message.type === 'next') sampleMessageBytes = Buffer.byteLength(JSON.stringify(message));
      },
    },
  });
  clients.push(client);
  let initial = subscriber.follows.length;
  await new Promise<void>((resolve) => {
    client.subscribe<{ presenceChanged: { statusMsg: string | null } }>(
      { query: QUERY, variables: { ids: subscriber.follows } },
      {
        next: (value) => {
          if (value.errors) errors += 1;
          else if (initial > 0 && --initial === 0) resolve();
          else record(value.data?.presenceChanged.statusMsg);
        },
        error: () => {
          errors += 1;
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
}

serveJob<SubscribersJob, { connected: number; errors: number }, SubscribersResult>({
  async setup(job) {
    for (let start = 0; start < job.subscribers.length; start += 50) {
      await Promise.all(job.subscribers.slice(start, start + 50).map((subscriber) => openGraphql(subscriber).catch(() => void (errors += 1))));
    }
    return { connected: job.subscribers.length - errors, errors };
  },
  run() {
    latencies = [];
    deliveries = 0;
    measuring = true;
    measuringSince = Date.now();
  },
  async stop() {
    // Let deliveries in flight arrive (a second at most) before counting.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    measuring = false;
    for (const client of clients) void client.dispose();
    return { deliveries, latencies, errors, sampleMessageBytes };
  },
});
