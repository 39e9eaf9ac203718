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
 * do) then sees ECONNRESET or EPIPE instead of the 413. So the rest of such a body is read and
 * discarded: alongside the answer on a connection that can be kept, and before the answer on
 * one that closes after it (the client asked to close, or speaks HTTP/1.0).
 */
export function registerUnreadBodyDrain(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (request.raw.complete) {
      done(null, payload);
      return;
    }
    const drained = discardRest(request.raw);
    if (closesAfterAnswer(request.raw)) {
      void drained.then(() => done(null, payload));
      return;
    }
    reply.removeHeader('connection');
    done(null, payload);
  });
}

function closesAfterAnswer(request: IncomingMessage): boolean {
  const connection = request.headers.connection?.toLowerCase() ?? '';
  return request.httpVersion === '1.0' ? !connection.includes('keep-alive') : connection.includes('close');
}

/** Reads the rest of the body into nothing; resolves when it has ended or the connection is gone. */
function discardRest(request: IncomingMessage): Promise<void> {
  let discarded = 0;
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) request.socket.destroy();
  });
  request.resume();
  return new Promise((resolve) => {
    request.once('end', resolve);
    request.once('close', resolve);
  });
}
