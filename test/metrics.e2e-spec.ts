import type { Client } from 'graphql-ws';
import { TestClient } from './support/client.js';
import { Subscription, wsFor } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const enc = encodeURIComponent;
const PRESENCE_PUT_ROUTE = '/_matrix/client/v3/presence/:userId/status';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(baseUrl: string): Promise<Sample[]> {
  const response = await fetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

/** Scrapes until `done` holds for the samples, pausing between scrapes. */
async function scrapeUntil(baseUrl: string, done: (samples: Sample[]) => boolean): Promise<Sample[]> {
  for (;;) {
    const samples = await scrape(baseUrl);
    if (done(samples)) return samples;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The value of one series (0 when it has not appeared yet). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  return found?.value ?? 0;
}

describe('GET /metrics', () => {
  let server: TestServer;
  const sockets: Client[] = [];

  beforeAll(async () => {
    server = await startTestServer({ PROFILE_DEFAULT_VISIBILITY: 'public' });
  });

  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await server.close();
  });

  it('moves the request, presence, fan-out and legacy counters when presence changes through the legacy PUT', async () => {
    const [alice, bob] = await Promise.all([TestClient.register(server.baseUrl), TestClient.register(server.baseUrl)]);
    const socket = wsFor(bob);
    sockets.push(socket);
    const subscription = new Subscription<Record<string, any>>(socket, 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { state statusMsg } }', {
      ids: [alice.userId],
    });
    await subscription.next();
    const before = await scrape(server.baseUrl);
    expect(valueOf(before, 'presence_rooms_graphql_ws_connections')).toBe(1);
    expect(valueOf(before, 'presence_rooms_graphql_ws_subscriptions')).toBe(1);

    await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online', status_msg: 'measured' });
    expect((await subscription.next()).presenceChanged).toEqual({ state: 'ONLINE', statusMsg: 'measured' });
    const after = await scrape(server.baseUrl);

    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('presence_rooms_http_requests_total', { method: 'PUT', route: PRESENCE_PUT_ROUTE, status: '200' })).toBe(1);
    expect(delta('presence_rooms_http_request_duration_seconds_count', { method: 'PUT', route: PRESENCE_PUT_ROUTE })).toBe(1);
    // The PUT is two inputs, the state set by hand and the status text, published at once.
    expect(delta('presence_rooms_presence_inputs_total', { kind: 'manual' })).toBe(1);
    expect(delta('presence_rooms_presence_inputs_total', { kind: 'status' })).toBe(1);
    expect(delta('presence_rooms_presence_publications_total', { cause: 'hand' })).toBe(1);
    expect(delta('presence_rooms_presence_publication_lag_seconds_count')).toBe(1);
    expect(delta('presence_rooms_legacy_calls_total', { surface: 'presence_put', mode: 'enabled' })).toBe(1);
    expect(delta('presence_rooms_presence_fanout_deliveries_total')).toBe(1);
    expect(delta('presence_rooms_presence_fanout_delivery_latency_seconds_count')).toBe(1);
    expect(valueOf(after, 'presence_rooms_presence_tracked_users')).toBeGreaterThanOrEqual(1);
    // The process defaults, event-loop lag among them.
    expect(after.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    expect(after.some((sample) => sample.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('times the presence timer sweeps', async () => {
    // The timers are swept every PRESENCE_TIMER_TICK_MS; wait for one.
    const samples = await scrapeUntil(server.baseUrl, (found) => valueOf(found, 'presence_rooms_presence_sweep_duration_seconds_count') >= 1);
    expect(valueOf(samples, 'presence_rooms_presence_sweep_duration_seconds_bucket', { le: '+Inf' })).toBeGreaterThanOrEqual(1);
  });

  it('counts a waiting /sync long-poll while it waits', async () => {
    const carol = await TestClient.register(server.baseUrl);
    const { next_batch: since } = await carol.sync();
    const waiting = carol.sync({ since, timeout: 30_000 });
    await scrapeUntil(server.baseUrl, (found) => valueOf(found, 'presence_rooms_sync_long_polls_waiting') >= 1);
    await carol.ok('PUT', '/user/' + enc(carol.userId) + '/account_data/org.example.wake', { wake: true });
    await waiting;
    const samples = await scrape(server.baseUrl);
    expect(valueOf(samples, 'presence_rooms_sync_long_polls_waiting')).toBe(0);
  });

  it('labels by route template: no raw path, user ID or token ever becomes a label value', async () => {
    const dave = await TestClient.register(server.baseUrl);
    const secretPath = `/_matrix/client/v3/no-such/${enc(dave.userId)}/x${Date.now()}`;
    await fetch(`${server.baseUrl}${secretPath}?access_token=${dave.accessToken}`);
    await dave.request('GET', `/presence/${enc(dave.userId)}/status`);
    const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(text).not.toContain(dave.userId);
    expect(text).not.toContain(enc(dave.userId));
    expect(text).not.toContain(dave.accessToken);
    const routes = new Set(parseExposition(text).flatMap((sample) => (sample.labels.route ? [sample.labels.route] : [])));
    expect(routes).toContain('unmatched');
    expect(routes).toContain('/_matrix/client/v3/presence/:userId/status');
    for (const route of routes) expect(route === 'unmatched' || !/[@!$]/.test(route)).toBe(true);
  });

  it('asks for METRICS_TOKEN as a Bearer token when it is set', async () => {
    const token = 'metrics-secret-0123456789';
    const guarded = await startTestServer({ METRICS_TOKEN: token });
    try {
      const missing = await fetch(`${guarded.baseUrl}/metrics`);
      expect(missing.status).toBe(401);
      expect(await missing.json()).toEqual({ errcode: 'M_MISSING_TOKEN', error: expect.any(String) });
      const wrong = await fetch(`${guarded.baseUrl}/metrics`, { headers: { Authorization: 'Bearer not-the-token' } });
      expect(wrong.status).toBe(403);
      expect(((await wrong.json()) as { errcode: string }).errcode).toBe('M_FORBIDDEN');
      const right = await fetch(`${guarded.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      expect(right.status).toBe(200);
      expect(await right.text()).toContain('presence_rooms_http_requests_total');
    } finally {
      await guarded.close();
    }
  });
});
