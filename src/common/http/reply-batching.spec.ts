import Fastify, { type FastifyInstance } from 'fastify';
import { registerReplyBatching } from './reply-batching.js';

describe(registerReplyBatching.name, () => {
  let fastify: FastifyInstance;
  /** How corked each reply's socket was once the reply was handed over, and after the turn ended. */
  const seen: Array<{ atSend: number; afterTurn: number }> = [];

  beforeAll(async () => {
    fastify = Fastify();
    registerReplyBatching(fastify);
    // Runs after the batching hook: the socket is held by then, and released by the turn's end.
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      const socket = reply.raw.socket!;
      const record = { atSend: socket.writableCorked, afterTurn: -1 };
      seen.push(record);
      setImmediate(() => (record.afterTurn = socket.writableCorked));
      done(null, payload);
    });
    fastify.get('/echo/:word', async (request) => ({ word: (request.params as { word: string }).word }));
    await fastify.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(() => fastify.close());

  it('holds each reply until the end of the turn, then sends it whole', async () => {
    const base = `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}`;
    const words = ['a', 'b', 'c', 'd'];
    const bodies = await Promise.all(words.map(async (word) => (await fetch(`${base}/echo/${word}`)).json()));
    expect(bodies).toEqual(words.map((word) => ({ word })));
    expect(seen).toHaveLength(words.length);
    for (const record of seen) expect(record).toEqual({ atSend: 1, afterTurn: 0 });
  });

  it('answers an error reply the same way', async () => {
    seen.length = 0;
    const base = `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}`;
    const response = await fetch(`${base}/nowhere`);
    expect(response.status).toBe(404);
    expect(seen).toEqual([{ atSend: 1, afterTurn: 0 }]);
  });
});
