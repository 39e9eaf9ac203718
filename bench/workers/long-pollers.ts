import { call, initialSyncToken, type Account } from '../lib/matrix.js';
import { serveJob } from '../lib/worker-side.js';

export interface LongPollersJob {
  baseUrl: string;
  pollers: Account[];
  /** `presence`: wait for m.presence with a marked status; `message`: for a marked room message (the baseline). */
  watch: 'presence' | 'message';
}

const MARK = 'bench:';
let job: LongPollersJob;
const since = new Map<string, string>();
let running = false;
let loops: Promise<void>[] = [];
const latencies: number[] = [];
let errors = 0;

function marked(text: unknown): number | null {
  return typeof text === 'string' && text.startsWith(MARK) ? Number(text.slice(MARK.length)) : null;
}

async function poll(account: Account): Promise<void> {
  while (running) {
    const response = await call(job.baseUrl, 'GET', `/sync?timeout=30000&set_presence=offline&since=${since.get(account.accessToken)}`, account.accessToken).catch(() => null);
    if (!response || response.status !== 200) {
      errors += 1;
      continue;
    }
    since.set(account.accessToken, response.body.next_batch);
    const now = Date.now();
    if (job.watch === 'presence') {
      for (const event of response.body.presence?.events ?? []) {
        const sent = marked(event.content?.status_msg);
        if (sent !== null) latencies.push(now - sent);
      }
    } else {
      for (const room of Object.values<any>(response.body.rooms?.join ?? {})) {
        for (const event of room.timeline?.events ?? []) {
          const sent = marked(event.content?.body);
          if (sent !== null) latencies.push(now - sent);
        }
      }
    }
  }
}

serveJob<LongPollersJob, { pollers: number }, { latencies: number[]; errors: number }>({
  async setup(received) {
    job = received;
    for (const account of job.pollers) {
      since.set(account.accessToken, await initialSyncToken(job.baseUrl, account, '{"room":{"timeline":{"limit":1}}}'));
    }
    return { pollers: job.pollers.length };
  },
  run() {
    running = true;
    loops = job.pollers.map((account) => poll(account));
  },
  async stop() {
    await new Promise((resolve) => setTimeout(resolve, 500));
    running = false;
    // Pending long-polls end at their timeout; results are taken now.
    const result = { latencies: [...latencies], errors };
    void loops;
    return result;
  },
});
