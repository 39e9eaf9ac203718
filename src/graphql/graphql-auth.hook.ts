import type {
  FastifyInstance,
  FastifyRequest,
  onRequestAsyncHookHandler,
  onSendAsyncHookHandler,
  preValidationAsyncHookHandler,
  RouteOptions,
} from 'fastify';
import { extractAccessToken } from '../auth/access-token.js';
import type { Requester } from '../auth/requester.js';
import type { SessionsService } from '../auth/sessions.service.js';
import { GRAPHQL_PATH } from './graphql-ws.server.js';

/**
 * Adds hooks to the GraphQL HTTP routes only (GET and POST), as Mercurius registers them: every
 * other request goes by without them. Call before the application is initialised.
 */
export function onGraphqlRoutes(
  fastify: FastifyInstance,
  hooks: { onRequest?: onRequestAsyncHookHandler; preValidation?: preValidationAsyncHookHandler; onSend?: onSendAsyncHookHandler },
): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== GRAPHQL_PATH || !methods.some((method) => method === 'GET' || method === 'POST')) return;
    if (hooks.onRequest) route.onRequest = [...toArray(route.onRequest), hooks.onRequest];
    if (hooks.preValidation) route.preValidation = [...toArray(route.preValidation), hooks.preValidation];
    if (hooks.onSend) route.onSend = [...toArray(route.onSend), hooks.onSend];
  });
}

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * Authenticates GraphQL over HTTP before Mercurius runs: every operation needs an access token
 * (Authorization header or access_token parameter); a missing or unknown one is a 401 with a
 * GraphQL errors body.
 */
export function registerGraphqlAuth(fastify: FastifyInstance, sessions: SessionsService): void {
  onGraphqlRoutes(fastify, {
    onRequest: async (request, reply) => {
      const token = extractAccessToken(request.headers.authorization, request.query as Record<string, unknown>);
      const requester = token ? await sessions.authenticate(token) : null;
      if (!requester) {
        const errcode = token ? 'M_UNKNOWN_TOKEN' : 'M_MISSING_TOKEN';
        const message = token ? 'Unrecognised access token' : 'Missing access token';
        await reply.status(401).send({ data: null, errors: [{ message, extensions: { code: 'UNAUTHENTICATED', errcode } }] });
        return;
      }
      (request as FastifyRequest & { requester?: Requester }).requester = requester;
    },
  });
}

/**
 * Mercurius serialises error paths with a schema that makes every segment a string; the GraphQL
 * spec has list indices as integers. Responses holding an error path are put right here.
 */
export function registerGraphqlErrorPathFix(fastify: FastifyInstance): void {
  onGraphqlRoutes(fastify, {
    onSend: async (_request, _reply, payload) => {
      if (typeof payload !== 'string' || !payload.includes('"path":[')) return payload;
      const body = JSON.parse(payload) as { errors?: Array<{ path?: Array<string | number> }> };
      for (const error of body.errors ?? []) {
        error.path = error.path?.map((segment) => (typeof segment === 'string' && /^\d+$/.test(segment) ? Number(segment) : segment));
      }
      return JSON.stringify(body);
    },
  });
}
