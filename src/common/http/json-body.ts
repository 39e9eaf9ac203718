import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { jsonDepthExceeds } from '../json-depth.js';
import { MatrixError } from '../matrix-error.js';

/**
 * Matrix clients send JSON with or without a Content-Type (curl's default is form encoding),
 * so every body is parsed as JSON. An empty body is no body; prototype-poisoning keys are
 * refused outright rather than silently dropped.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, maxDepth: number): void {
  fastify.removeAllContentTypeParsers();
  const parse = (_request: unknown, body: string | Buffer, done: (error: Error | null, body?: unknown) => void) =>
    parseJsonBody(body, maxDepth, done);
  // Registered by name as well: Fastify remembers the parser of a named type, but works out the
  // catch-all afresh (parsing the Content-Type header) on every request that falls to it.
  for (const type of ['application/json', '*']) fastify.addContentTypeParser(type, { parseAs: 'string' }, parse);
}

function parseJsonBody(body: string | Buffer, maxDepth: number, done: (error: Error | null, body?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') {
    done(null, undefined);
    return;
  }
  // Checked on the text, before parsing: whatever walks the parsed value (validation, copies,
  // serialisation) recurses, and a deep enough value exhausts the stack.
  if (jsonDepthExceeds(text, maxDepth)) {
    done(MatrixError.badJson(`JSON is nested more than ${maxDepth} levels deep`), undefined);
    return;
  }
  try {
    done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
  } catch {
    done(new MatrixError(400, 'M_NOT_JSON', 'Content not JSON'), undefined);
  }
}

/** The spec asks every endpoint to allow cross-origin use from web clients. */
export function registerCors(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, HEAD, POST, PUT, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': 'X-Requested-With, Content-Type, Authorization',
    });
    if (request.method === 'OPTIONS') {
      void reply.status(204).send();
      return;
    }
    done();
  });
}
