import type { FastifyInstance } from 'fastify';
import { jsonDepthExceeds } from '../common/json-depth.js';
import { onGraphqlRoutes } from './graphql-auth.hook.js';

/**
 * Refuses a GraphQL-over-HTTP document (or GET `variables`) whose brackets nest deeper than
 * `maxDepth`, before Mercurius parses it: the GraphQL parser and validators recurse, and a deep
 * enough list or object literal exhausts the stack. (Field depth has its own, lower, limit.)
 */
export function registerGraphqlNestingLimit(fastify: FastifyInstance, maxDepth: number): void {
  onGraphqlRoutes(fastify, {
    preValidation: async (request, reply) => {
      const texts = [request.body, request.query].flatMap((source) => {
        const fields = typeof source === 'object' && source !== null ? (source as Record<string, unknown>) : {};
        return [fields.query, fields.variables].filter((text): text is string => typeof text === 'string');
      });
      // GraphQL brackets ({, [) and JSON's are the same characters, and so are string quotes.
      if (texts.some((text) => jsonDepthExceeds(text, maxDepth))) {
        const message = `The operation is nested more than ${maxDepth} levels deep`;
        await reply.status(400).send({ data: null, errors: [{ message, extensions: { code: 'QUERY_TOO_DEEP' } }] });
      }
    },
  });
}
