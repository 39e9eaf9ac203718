import { DataSource } from 'typeorm';
import { ReadinessChecks } from '../src/operations/readiness-checks.js';
import { startTestServer, type TestServer } from './support/test-server.js';

async function get(baseUrl: string, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL(path, baseUrl));
  return { status: response.status, body: await response.json() };
}

describe('health endpoints', () => {
  let server: TestServer;
  let ownerUp = true;

  beforeAll(async () => {
    server = await startTestServer();
    // The extension point a clustered deployment uses: readiness follows what is registered.
    const indicators = server.app.get(ReadinessChecks);
    indicators.register('presence-owner', async () => ({ 'presence-owner': { status: ownerUp ? 'up' : 'down' } }));
  });

  afterAll(() => server.close());

  it('answers liveness without a token', async () => {
    const response = await get(server.baseUrl, '/health/live');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
  });

  it('is ready once the database answers and every migration ran, naming nothing but its checks', async () => {
    const response = await get(server.baseUrl, '/health/ready');
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
    expect(Object.keys(response.body.details).sort()).toEqual(['database', 'migrations', 'presence-owner', 'shutdown']);
    for (const detail of Object.values<{ status: string }>(response.body.details)) expect(detail.status).toBe('up');
  });

  it('is not ready (503, same shape) while a registered check is down', async () => {
    ownerUp = false;
    try {
      const response = await get(server.baseUrl, '/health/ready');
      expect(response.status).toBe(503);
      expect(response.body.status).toBe('error');
      expect(response.body.error).toEqual({ 'presence-owner': { status: 'down' } });
      expect(response.body.info.database.status).toBe('up');
    } finally {
      ownerUp = true;
    }
  });

  it('is not ready when the database is gone, while still alive', async () => {
    const scratch = await startTestServer();
    try {
      await scratch.app.get(DataSource).destroy();
      const ready = await get(scratch.baseUrl, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.database.status).toBe('down');
      expect((await get(scratch.baseUrl, '/health/live')).status).toBe(200);
    } finally {
      await scratch.close().catch(() => undefined);
    }
  });
});
