import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';

/**
 * How much of a body answered before it was read (413 and the like) is read and thrown away
 * so that the client, still writing, gets to read the answer. Beyond this the connection is
 * dropped; HTTP_REQUEST_TIMEOUT_MS bounds the time either way.
 */
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

/**
 * Fastify answers a body over the limit at once and closes the connection. Closing a socket
 * with unread data resets it, and a client that writes its whole body before reading (most
 * do) then sees ECONNRESET or EPIPE instead of the 413. So an answer sent before its request
 * is fully received keeps the connection, and the rest of the body is read and discarded.
 */
export function registerUnreadBodyDrain(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete) {
      reply.removeHeader('connection');
      discardRest(request.raw);
    }
    done(null, payload);
  });
}

function discardRest(request: IncomingMessage): void {
  let discarded = 0;
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) request.socket.destroy();
  });
  request.resume();
}
