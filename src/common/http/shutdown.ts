import type { FastifyInstance } from 'fastify';
import { MatrixError } from '../matrix-error.js';
import type { Connections } from './connections.js';

/**
 * Closing the server: connections that are not answering a fully received request are dropped
 * (see Connections), and a request that still arrives, pipelined behind one being answered, gets
 * a Matrix 503 rather than Fastify's own (the `return503OnClosing` it replaces).
 */
export function registerShutdown(fastify: FastifyInstance, connections: Connections): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    connections.dropAllButAnswering();
    done();
  });
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!closing) {
      done();
      return;
    }
    void reply.status(503).send(new MatrixError(503, 'M_UNKNOWN', 'The server is shutting down').toJSON());
  });
}
