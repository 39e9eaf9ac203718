import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';

/**
 * Replies finished in one turn of the event loop go out together at its end, as Redis writes its
 * replies just before it next waits for input. Each reply is still one write of its own; what
 * changes is that a client process woken by the first of them finds the rest already there,
 * rather than being woken once per reply. Under load, that wake-up is the larger part of what a
 * small reply costs the server. A reply waits at most until the current turn's callbacks end.
 */
export function registerReplyBatching(fastify: FastifyInstance): void {
  const held = new Set<Socket>();
  const release = () => {
    for (const socket of held) socket.uncork();
    held.clear();
  };
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    const socket = reply.raw.socket;
    if (socket && !held.has(socket)) {
      if (held.size === 0) setImmediate(release);
      socket.cork();
      held.add(socket);
    }
    done(null, payload);
  });
}
