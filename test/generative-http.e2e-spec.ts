import fc from 'fast-check';
import { routeRegistryOf } from '../src/app.js';
import { TestClient } from './support/client.js';
import { bodyText, extraHeaders, isMatrixError, pathSegment, queryPairs, queryString, shortReport } from './support/hostile-inputs.js';
import { storeOwnedData, type OwnedData } from './support/owned-data.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Fixed, so a failure names a request that can be replayed; bounded, so the run stays short. */
const SEED = 20_261_202;
const RUNS = 1000;
const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'];
/** GraphQL has its own generative test; the WebSocket is not fuzzed here. */
const SKIPPED_PATHS = new Set(['/graphql']);

/** Bodies of the right shape for some routes, for the generator to spoil one key at a time. */
function validBodies(url: string, fuzzer: TestClient): string[] {
  const bodies: Record<string, object[]> = {
    register: [{ username: 'fuzzed', password: 'secret-password', auth: { type: 'm.login.dummy' } }],
    login: [{ type: 'm.login.password', identifier: { type: 'm.id.user', user: fuzzer.userId }, password: 'secret-password' }],
    createRoom: [{ name: 'fuzzed', preset: 'public_chat', invite: [], initial_state: [{ type: 'm.room.topic', content: { topic: 't' } }] }],
    filter: [{ room: { timeline: { limit: 5, types: ['m.room.message'] } }, event_fields: ['type'] }],
    status: [{ presence: 'online', status_msg: 'fuzzing' }],
    activity: [{ state: 'online' }],
    typing: [{ typing: true, timeout: 1000 }],
    invite: [{ user_id: fuzzer.userId, reason: 'fuzzing' }],
    kick: [{ user_id: fuzzer.userId }],
    ban: [{ user_id: fuzzer.userId }],
    unban: [{ user_id: fuzzer.userId }],
    join: [{ reason: 'fuzzing' }],
    leave: [{}],
    read_markers: [{ 'm.fully_read': '$event', 'm.read': '$event' }],
    ':roomAlias': [{ room_id: '!room:localhost' }],
    ':field': [{ displayname: 'Fuzzed' }, { avatar_url: 'mxc://localhost/x' }],
    ':txnId': [{ msgtype: 'm.text', body: 'fuzzed' }],
  };
  const last = url.split('/').at(-1) ?? '';
  return (bodies[last] ?? []).map((body) => JSON.stringify(body));
}

describe('every route, with generated input', () => {
  let server: TestServer;
  let fuzzer: TestClient;
  let owned: OwnedData;
  let fuzzerRoom: string;

  beforeAll(async () => {
    server = await startTestServer();
    owned = await storeOwnedData(server.baseUrl);
    fuzzer = await TestClient.register(server.baseUrl, undefined, 'secret-password');
    fuzzerRoom = await fuzzer.createRoom({ name: 'fuzzer room', preset: 'public_chat' });
    await fuzzer.send(fuzzerRoom, { msgtype: 'm.text', body: 'fuzzer message' });
  });

  afterAll(() => server.close());

  it('answers every request with success or a Matrix error, never a 5xx, and leaves other users\' data alone', async () => {
    const before = await owned.read();
    const routes = routeRegistryOf(server.app)
      .list()
      .filter((route) => !SKIPPED_PATHS.has(route.url));
    const paths = [...new Set(routes.map((route) => route.url))];
    expect(paths.length).toBeGreaterThan(30);
    const known = [fuzzer.userId, owned.owner.userId, fuzzerRoom, owned.roomId, owned.alias, 'm.room.message', 'displayname', 'm.read'];

    // A registered method most of the time; any method sometimes (405s).
    const route = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...routes).map((one) => ({ method: one.method as string, url: one.url })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...METHODS), fc.constantFrom(...paths)).map(([method, url]) => ({ method, url })) },
    );
    const request = route.chain(({ method, url }) =>
      fc.record({
        method: fc.constant(method),
        url: fc.constant(url),
        params: fc.array(pathSegment(known), { minLength: 8, maxLength: 8 }),
        query: queryPairs,
        body: bodyText(validBodies(url, fuzzer)),
        auth: fc.constantFrom('valid', 'valid', 'query', 'none', 'unknown', 'malformed'),
        headers: extraHeaders,
        contentType: fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data'),
      }),
    );

    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        let index = 0;
        const token: Array<[string, string]> = input.auth === 'query' ? [['access_token', fuzzer.accessToken]] : [];
        const path = input.url.replace(/:[A-Za-z]+/g, () => input.params[index++]) + queryString([...input.query, ...token]);
        const headers: Record<string, string> = { ...input.headers };
        if (input.auth === 'valid') headers.Authorization = `Bearer ${fuzzer.accessToken}`;
        if (input.auth === 'unknown') headers.Authorization = 'Bearer not-a-token';
        if (input.auth === 'malformed') headers.Authorization = 'Basic dXNlcjpwYXNz';
        if (input.contentType) headers['Content-Type'] = input.contentType;
        const withBody = input.body !== undefined && input.method !== 'GET';
        const response = await fetch(`${server.baseUrl}${path}`, { method: input.method, headers, body: withBody ? input.body : undefined });
        const text = await response.text();
        seen.add(`${input.method} ${input.url} ${response.status}`);

        expect({ path, status: response.status }).toEqual({ path, status: expect.any(Number) });
        expect(response.status).toBeLessThan(500);
        if (response.status >= 300) {
          let body: unknown = null;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: reported below with the text.
          }
          expect({ path, method: input.method, matrixError: isMatrixError(body), text: text.slice(0, 200) }).toEqual(
            expect.objectContaining({ matrixError: true }),
          );
        }
        // A logout ends the fuzzer's session; log in again so valid-token requests stay valid.
        if (input.url.includes('logout') && response.status === 200) {
          const login = await fuzzer.request('POST', '/login', { type: 'm.login.password', user: fuzzer.userId, password: 'secret-password' }, { token: null });
          fuzzer = new TestClient(server.baseUrl, fuzzer.userId, login.body.access_token, login.body.device_id);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true, reporter: shortReport },
    );

    // The run reached most routes, and some requests got through to success.
    const reached = new Set([...seen].map((entry) => entry.split(' ').slice(0, 2).join(' ')));
    expect(reached.size).toBeGreaterThan(routes.length / 2);
    expect([...seen].some((entry) => entry.endsWith(' 200'))).toBe(true);

    const versions = await fetch(`${server.baseUrl}/_matrix/client/versions`);
    expect(versions.status).toBe(200);
    expect(((await versions.json()) as { versions: string[] }).versions).toContain('v1.1');
    expect(await owned.read()).toEqual(before);
  });
});
