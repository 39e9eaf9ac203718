import { startTestServer, type TestServer } from './support/test-server.js';

const DASHBOARD = '/_presence-rooms/dashboard/';
/** The one absolute URL the page holds: SVG's namespace name, an identifier that is never fetched. */
const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/** The files an HTML page or script refers to by path on this server. */
function referencedPaths(text: string): string[] {
  return [...text.matchAll(/(?:src|href)="([^"]+)"|from '(\.[^']+)'/g)].map((match) => match[1] ?? new URL(match[2], `http://x${DASHBOARD}`).pathname);
}

describe('the dashboard and /graphiql, served offline', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_IDE: 'true' });
  });

  afterAll(() => server.close());

  it('serves the page and every file it loads from this server, with nothing from elsewhere', async () => {
    const seen = new Set<string>();
    const pending = [DASHBOARD];
    while (pending.length > 0) {
      const path = pending.pop()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const response = await fetch(`${server.baseUrl}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      const text = await response.text();
      // No scheme-qualified or protocol-relative URL, so no fetch can leave this origin.
      expect(text.replaceAll(SVG_NAMESPACE, '')).not.toMatch(/https?:\/\/|["'(]\/\/[a-z]/i);
      for (const referenced of referencedPaths(text)) {
        expect(referenced.startsWith('/_presence-rooms/dashboard/')).toBe(true);
        pending.push(referenced);
      }
    }
    // The page, its styles and scripts, and the graphql-ws browser client from its npm package.
    expect([...seen].sort()).toEqual(
      ['', 'api.js', 'chart.js', 'dashboard.css', 'dashboard.js', 'graphql-ws.js'].map((file) => `${DASHBOARD}${file}`).sort(),
    );
    const client = await (await fetch(`${server.baseUrl}${DASHBOARD}graphql-ws.js`)).text();
    expect(client).toContain('graphqlWs');
  });

  it('serves nothing else under its path', async () => {
    for (const path of ['../../package.json', '..%2f..%2fpackage.json', 'index.htm', 'dashboard.ts']) {
      const response = await fetch(`${server.baseUrl}${DASHBOARD}${path}`);
      expect(response.status).toBe(404);
    }
  });

  it('leads /graphiql to the dashboard query box, and serves no CDN-loading GraphiQL page', async () => {
    const response = await fetch(`${server.baseUrl}/graphiql`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${DASHBOARD}#query`);
    const page = await (await fetch(`${server.baseUrl}${DASHBOARD}`)).text();
    expect(page).toContain('id="query"');
    for (const path of ['/graphiql/main.js', '/graphiql.html', '/graphiql/config.js']) {
      expect((await fetch(`${server.baseUrl}${path}`)).status).toBe(404);
    }
  });

  it('has no /graphiql when GRAPHQL_IDE is off', async () => {
    const off = await startTestServer({ GRAPHQL_IDE: 'false' });
    try {
      expect((await fetch(`${off.baseUrl}/graphiql`, { redirect: 'manual' })).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
