import { randomBytes } from 'node:crypto';
import { compileServer, spawnCompiledServer, type CompiledServer, type CompiledServerProcess } from './compiled-server.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Server processes of one build on one fresh PostgreSQL database and one Redis key prefix of their own. */
export class TestCluster {
  readonly processes: CompiledServerProcess[] = [];

  private constructor(
    private readonly compiled: CompiledServer,
    readonly database: TestDatabase,
    readonly env: Record<string, string>,
  ) {}

  static async start(count: number, env: Record<string, string> = {}): Promise<TestCluster> {
    const compiled = await compileServer();
    const database = await createTestDatabase();
    const prefix = `pr_test_${randomBytes(6).toString('hex')}:`;
    const cluster = new TestCluster(compiled, database, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, ...env });
    // One at a time: the first migrates the fresh database.
    for (let index = 0; index < count; index += 1) await cluster.spawn();
    return cluster;
  }

  async spawn(env: Record<string, string> = {}): Promise<CompiledServerProcess> {
    const server = await spawnCompiledServer(this.compiled, this.database, { ...this.env, ...env });
    this.processes.push(server);
    return server;
  }

  url(index: number): string {
    return this.processes[index].baseUrl;
  }

  async stop(): Promise<void> {
    for (const server of this.processes) {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await server.exited;
    }
    await this.database.drop();
    this.compiled.remove();
  }
}
