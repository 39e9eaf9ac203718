import fc from 'fast-check';
import { TestClient } from './support/client.js';
import { awkwardJsonText, shortReport } from './support/hostile-inputs.js';
import { storeOwnedData, type OwnedData } from './support/owned-data.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Fixed, so a failure names a request that can be replayed; bounded, so the run stays short. */
const SEED = 20_261_203;
const RUNS = 700;

/** Every query and mutation of schema.gql, each taking all its arguments as variables. */
const OPERATIONS = [
  'query($userId: ID!) { presence(userId: $userId) { userId state statusMsg lastActiveAgo currentlyActive displayName } }',
  'query($userIds: [ID!]!) { presences(userIds: $userIds) { userId state statusMsg } }',
  'query($userId: ID!) { profileRoom(userId: $userId) { roomId alias userId fields privacy stateEvents { type stateKey content } } }',
  'query($userId: ID!, $types: [String!]) { profileRoom(userId: $userId) { stateEvents(types: $types) { type content } } }',
  'query($roomId: ID!, $types: [String!]) { profileRoomState(roomId: $roomId, types: $types) { type stateKey sender content eventId } }',
  'query { me { userId deviceId appearOffline manualPresence presence { state statusMsg } devices { deviceId state live } } }',
  'mutation($state: PresenceState!, $statusMsg: String) { setManualPresence(state: $state, statusMsg: $statusMsg) { state statusMsg } }',
  'mutation($statusMsg: String) { setStatus(statusMsg: $statusMsg) { statusMsg } }',
  'mutation($state: PresenceState!, $deviceId: ID) { reportDeviceActivity(state: $state, deviceId: $deviceId) { state } }',
  'mutation($field: String!, $value: JSON) { setProfileField(field: $field, value: $value) { fields } }',
  'mutation($visibility: ProfileVisibility!) { setProfilePrivacy(visibility: $visibility) { privacy } }',
  'mutation($enabled: Boolean!) { setAppearOffline(enabled: $enabled) { state } }',
  'mutation { clearManualPresence { state } }',
];
const VARIABLE_NAMES = ['userId', 'userIds', 'types', 'roomId', 'state', 'statusMsg', 'deviceId', 'field', 'value', 'visibility', 'enabled'];

/** Documents that are not quite right: broken syntax, unknown fields, deep or wide selections, cycles, deep literals. */
function awkwardDocuments(ids: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '',
      '{',
      'query',
      '{ me }',
      '{ nope }',
      '{ __typename }',
      '{ __schema { types { name fields { name } } } }',
      'subscription { presenceChanged(userIds: []) { state } }',
      'fragment A on Me { ...B } fragment B on Me { ...A } query { me { ...A } }',
      'query A { me { userId } } query B { me { userId } }',
      'mutation { setProfileField(field: "displayname", value: {a: $missing}) { fields } }',
      `{ presences(userIds: ${JSON.stringify(ids)}) { userId } }`,
      '{ presences(userIds: 5) { userId } }',
      '{ presence(userId: null) { userId } }',
    ),
    fc.integer({ min: 5, max: 3000 }).map((depth) => `{ presences(userIds: ${'['.repeat(depth)}${']'.repeat(depth)}) { userId } }`),
    fc.integer({ min: 5, max: 3000 }).map((depth) => `mutation { setProfileField(field: "x", value: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}) { fields } }`),
    fc.integer({ min: 5, max: 2000 }).map((depth) => `{ me { ${'presence { '.repeat(depth)}state${' }'.repeat(depth)} } }`),
    fc.integer({ min: 5, max: 2000 }).map((count) => `{ ${Array.from({ length: count }, (_, n) => `a${n}: me { userId }`).join(' ')} }`),
    fc.tuple(fc.constantFrom(...OPERATIONS), fc.nat(), fc.string({ maxLength: 10 })).map(([document, at, junk]) => {
      const cut = at % (document.length + 1);
      return `${document.slice(0, cut)}${junk}${document.slice(cut)}`;
    }),
    fc.string({ unit: 'binary', maxLength: 80 }),
  );
}

/** Variable values as JSON text (so deep ones print as text in a report): some right, most of the wrong type, extreme, or huge. */
function variableText(ids: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom<unknown>(...ids, 'ONLINE', 'BUSY', 'OFFLINE', 'UNAVAILABLE', 'PUBLIC', 'RESTRICTED', 'displayname', 'online', ids).map((value) => JSON.stringify(value)),
    awkwardJsonText.filter((text) => text.length < 100_000),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  );
}

describe('GraphQL with generated input', () => {
  let server: TestServer;
  let fuzzer: TestClient;
  let owned: OwnedData;

  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_PRESENCE_PER_SECOND: '1000', RATE_LIMIT_PRESENCE_BURST: '1000' });
    owned = await storeOwnedData(server.baseUrl);
    fuzzer = await TestClient.register(server.baseUrl);
  });

  afterAll(() => server.close());

  it('answers every request with data or well-formed errors, never a 5xx, and leaves other users\' data alone', async () => {
    const before = await owned.read();
    const ids = [fuzzer.userId, owned.owner.userId, owned.roomId, owned.alias, '@nobody:localhost', '!nowhere:localhost', ''];
    const variables = fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .array(fc.tuple(fc.constantFrom(...VARIABLE_NAMES), variableText(ids)), { maxLength: 4 })
          .map((entries) => `{${entries.map(([name, value]) => `"${name}":${value}`).join(',')}}`),
      },
      fc.constantFrom<string | undefined>('null', '[]', '"variables"', '5', undefined),
    );
    const request = fc.record({
      query: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...OPERATIONS) }, awkwardDocuments(ids)),
      variables,
      operationName: fc.constantFrom<unknown>(undefined, undefined, 'A', null, 7),
      token: fc.constantFrom('valid', 'valid', 'valid', 'none', 'unknown'),
      method: fc.constantFrom('POST', 'POST', 'POST', 'GET'),
    });

    let answered = 0;
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (input.token === 'valid') headers.Authorization = `Bearer ${fuzzer.accessToken}`;
        if (input.token === 'unknown') headers.Authorization = 'Bearer not-a-token';
        const fields = [`"query":${JSON.stringify(input.query)}`];
        if (input.variables !== undefined) fields.push(`"variables":${input.variables}`);
        if (input.operationName !== undefined) fields.push(`"operationName":${JSON.stringify(input.operationName)}`);
        const url = new URL('/graphql', server.baseUrl);
        // A GET stays well under Node's 16 KiB header limit, whose 431 answer is not the application's.
        if (input.method === 'GET') {
          url.searchParams.set('query', input.query.slice(0, 1500));
          if (input.variables !== undefined && input.variables.length < 1500) url.searchParams.set('variables', input.variables);
        }
        const response = await fetch(url, { method: input.method, headers, body: input.method === 'POST' ? `{${fields.join(',')}}` : undefined });
        const text = await response.text();

        expect({ status: response.status, text: text.slice(0, 300) }).toEqual({ status: expect.any(Number), text: expect.any(String) });
        expect(response.status).toBeLessThan(500);
        const body = JSON.parse(text) as { data?: unknown; errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }> };
        if (body.errors !== undefined) {
          expect(Array.isArray(body.errors) && body.errors.length > 0).toBe(true);
          for (const error of body.errors) {
            expect({ message: typeof error.message, code: typeof error.extensions?.code, text: text.slice(0, 300) }).toEqual({
              message: 'string',
              code: 'string',
              text: expect.any(String),
            });
            expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
          }
        }
        if (response.status >= 300) expect({ status: response.status, errors: body.errors !== undefined, text: text.slice(0, 300) }).toEqual(expect.objectContaining({ errors: true }));
        else expect(body.data !== undefined || body.errors !== undefined).toBe(true);
        if (response.status === 200 && body.errors === undefined) answered += 1;
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true, reporter: shortReport },
    );

    // Some operations went through: the run was not all refusals.
    expect(answered).toBeGreaterThan(RUNS / 20);
    const versions = await fetch(`${server.baseUrl}/_matrix/client/versions`);
    expect(versions.status).toBe(200);
    expect(await owned.read()).toEqual(before);
  });
});
