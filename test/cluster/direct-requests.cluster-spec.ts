import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { NoServerError } from '../../src/cluster/cluster-link.js';
import { DirectRequests } from '../../src/cluster/direct-requests.js';
import { TEST_REDIS_URL } from '../support/cluster.js';

/** Requests between two processes' links (here two in one process), found through a real Redis. */
describe('cluster requests over a direct connection', () => {
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `pr_test_${randomBytes(6).toString('hex')}:`;
  const links: DirectRequests[] = [];
  const link = (name: string) => {
    const made = new DirectRequests(redis, prefix, name, '127.0.0.1', 0);
    links.push(made);
    return made;
  };

  afterEach(async () => {
    await Promise.all(links.splice(0).map((one) => one.close()));
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const noServer = (reason: NoServerError['reason']) => expect.objectContaining({ name: 'NoServerError', reason });

  it('answers each request, many at once, and carries the server’s errors as errors', async () => {
    const [owner, asker] = [link('owner'), link('asker')];
    await owner.serve('echo', async (body) => {
      if (body === 'fail') throw new Error('refused: fail');
      return body.toUpperCase();
    });
    const bodies = Array.from({ length: 200 }, (_, n) => `body ${n} \u00e9\u0000 ${'x'.repeat(n)}`);
    const answers = await Promise.all(bodies.map((body) => asker.request('echo', body, 2_000)));
    expect(answers).toEqual(bodies.map((body) => body.toUpperCase()));
    await expect(asker.request('echo', 'fail', 2_000)).rejects.toThrow('refused: fail');
  });

  it('says no process serves when none does, when the server stopped serving, or when it is gone', async () => {
    const asker = link('asker');
    await expect(asker.request('nobody', 'x', 2_000)).rejects.toEqual(noServer('none'));

    const owner = link('owner');
    const stop = await owner.serve('echo', async (body) => body);
    await expect(asker.request('echo', 'a', 2_000)).resolves.toBe('a');
    await stop();
    await expect(asker.request('echo', 'b', 2_000)).rejects.toEqual(noServer('none'));

    // A successor serves: the asker finds it on its next try.
    const successor = link('successor');
    await successor.serve('echo', async (body) => `new ${body}`);
    await expect(asker.request('echo', 'c', 2_000)).resolves.toBe('new c');
    // The successor dies without a word to Redis: its address stays, its port is closed.
    await successor.close();
    await expect(asker.request('echo', 'd', 2_000)).rejects.toEqual(noServer('none'));
    await expect(asker.request('echo', 'e', 2_000)).rejects.toEqual(noServer('none'));
  });

  it('times out a request its server does not answer, and asks afresh afterwards', async () => {
    const [owner, asker] = [link('owner'), link('asker')];
    let hold = true;
    await owner.serve('slow', (body) => (hold ? new Promise<string>(() => undefined) : Promise.resolve(body)));
    await expect(asker.request('slow', 'x', 200)).rejects.toEqual(noServer('timeout'));
    hold = false;
    await expect(asker.request('slow', 'y', 2_000)).resolves.toBe('y');
  });

  it('serves only the connections that bring the secret from Redis, and survives garbage', async () => {
    const [owner, asker] = [link('owner'), link('asker')];
    await owner.serve('echo', async (body) => body);
    const { port } = JSON.parse((await redis.get(`${prefix}serve:echo`))!) as { port: number };
    const closedAfter = (bytes: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
        let received = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (received += chunk));
        socket.on('close', () => resolve(received));
      });
    expect(await closedAfter(`0 11 echo wrong!1 1 x`)).toBe('');
    expect(await closedAfter('this is not a frame at all')).toBe('');
    expect(await closedAfter('5 3 abc')).toBe('');
    await expect(asker.request('echo', 'still here', 2_000)).resolves.toBe('still here');
  });
});
