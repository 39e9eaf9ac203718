import { TestClient } from './support/client.js';
import { graphql } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** GraphQL-over-HTTP inputs that once failed inside the server instead of being refused. */
describe('bad GraphQL input', () => {
  let server: TestServer;
  let alice: TestClient;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await TestClient.register(server.baseUrl);
  });

  afterAll(() => server.close());

  it('refuses a subscription over HTTP with a request error, not an internal one', async () => {
    const response = await graphql(server.baseUrl, alice.accessToken, 'subscription { presenceChanged(userIds: []) { state } }');
    expect(response.status).toBe(400);
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_REQUEST']);
  });

  it('reads a variable inside a JSON literal as its value', async () => {
    const query = 'mutation($v: String) { setProfileField(field: "org.example.nested", value: {inner: $v}) { fields } }';
    const response = await graphql(server.baseUrl, alice.accessToken, query, { v: 'from a variable' });
    expect(response.errors).toBeUndefined();
    expect(response.data?.setProfileField.fields['org.example.nested']).toEqual({ inner: 'from a variable' });
    const undefinedVariable = await graphql(server.baseUrl, alice.accessToken, 'mutation { setProfileField(field: "x", value: {a: $missing}) { fields } }');
    expect(undefinedVariable.status).toBe(400);
    expect(undefinedVariable.errors?.every((error) => error.extensions?.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
  });

  it.each([
    ['a list literal', `{ presences(userIds: ${'['.repeat(3000)}${']'.repeat(3000)}) { userId } }`],
    ['an object literal', `mutation { setProfileField(field: "x", value: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}) { fields } }`],
  ])('refuses %s nested 3,000 levels deep before parsing it', async (_name, query) => {
    const response = await graphql(server.baseUrl, alice.accessToken, query);
    expect(response.status).toBe(400);
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_DEEP']);
  });
});
