import { call, initialSyncToken, type Account } from '../lib/matrix.js';
import { serveJob } from '../lib/worker-side.js';

export interface HttpLoadJob {
  /** The server processes: device n of the job talks to baseUrls[n % length], always the same one. */
  baseUrls: string[];
  mode: 'whoami' | 'presence';
  devices: Account[];
  concurrency: number;
  maxRequests: number;
}

export interface HttpLoadResult {
  latencies: number[];
  errors: number;
  durationMs: number;
  statuses: Record<string, number>;
}

const STATES = ['online', 'unavailable', 'busy'];
const deviceIndex = new Map<Account, number>();

function baseUrlOf(device: Account): string {
  if (deviceIndex.size === 0) job.devices.forEach((one, index) => deviceIndex.set(one, index));
  return job.baseUrls[deviceIndex.get(device)! % job.baseUrls.length];
}
let job: HttpLoadJob;
const since = new Map<string, string>();
let running = false;
let startedAt = 0;
let endedAt = 0;
let latencies: number[] = [];
let statuses: Record<string, number> = {};
let errors = 0;
let loops: Promise<void>[] = [];
/** Each loop's next step: a run goes on through the devices and states where the last one stopped. */
const nextStep: number[] = [];

/** One request of the mix: a presence PUT (changing state, so work is done) or a /sync with set_presence. */
async function once(device: Account, step: number): Promise<number> {
  const baseUrl = baseUrlOf(device);
  if (job.mode === 'whoami') return (await call(baseUrl, 'GET', '/account/whoami', device.accessToken)).status;
  const state = STATES[step % STATES.length];
  if (step % 2 === 0) {
    return (await call(baseUrl, 'PUT', `/presence/${encodeURIComponent(device.userId)}/status`, device.accessToken, { presence: state })).status;
  }
  const query = `?timeout=0&set_presence=${state === 'busy' ? 'online' : state}&since=${since.get(device.accessToken) ?? ''}`;
  const response = await call(baseUrl, 'GET', `/sync${query}`, device.accessToken);
  if (response.status === 200) since.set(device.accessToken, response.body.next_batch);
  return response.status;
}

serveJob<HttpLoadJob, { devices: number }, HttpLoadResult>({
  async setup(received) {
    job = received;
    if (job.mode === 'presence') {
      for (const device of job.devices) since.set(device.accessToken, await initialSyncToken(baseUrlOf(device), device));
    }
    return { devices: job.devices.length };
  },
  run() {
    running = true;
    latencies = [];
    statuses = {};
    errors = 0;
    startedAt = performance.now();
    let issued = 0;
    loops = Array.from({ length: job.concurrency }, async (_, slot) => {
      let step = nextStep[slot] ?? slot;
      while (running && issued < job.maxRequests) {
        issued += 1;
        const device = job.devices[(slot + step * job.concurrency) % job.devices.length];
        const begin = performance.now();
        try {
          const status = await once(device, step);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status !== 200) errors += 1;
          else latencies.push(performance.now() - begin);
        } catch {
          errors += 1;
        }
        step += 1;
      }
      nextStep[slot] = step;
      endedAt = performance.now();
    });
  },
  async stop() {
    running = false;
    await Promise.all(loops);
    return { latencies, errors, durationMs: endedAt - startedAt, statuses };
  },
});
