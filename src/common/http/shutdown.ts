import type { FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
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

/**
 * A shutdown's first step: the listening socket closes at once, so new connections are refused
 * (in a worker of WORKERS, the worker leaves the shared port, which closes when the last one has)
 * while the rest of the shutdown, waiting for WebSockets, goes on. Idle keep-alive connections
 * close with it; those answering a request keep being served. Fastify's own close later finds
 * the server closed, and takes Node's ERR_SERVER_NOT_RUNNING as done.
 */
export function stopAccepting(server: Server): void {
  if (server.listening) server.close();
}
