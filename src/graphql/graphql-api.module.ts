import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { PubSub } from 'graphql-subscriptions';
import mercurius from 'mercurius';
import { AccessModule } from '../access/access.module.js';
import type { Requester } from '../auth/requester.js';
import { AppConfig } from '../config/app-config.js';
import { EventStore } from '../events/event-store.service.js';
import { ReadinessChecks } from '../operations/readiness-checks.js';
import { StoredPresence } from '../presence/stored-presence.js';
import { PresenceModule } from '../presence/presence.module.js';
import { ProfilesModule } from '../profiles/profiles.module.js';
import { ClusterPubSub } from './cluster-pubsub.js';
import { formatGraphQLError } from './graphql-errors.js';
import { GraphqlContextFactory } from './graphql-context.js';
import { GraphqlWsServer, GRAPHQL_PATH } from './graphql-ws.server.js';
import { assertComplexity, depthLimit, noSubscriptions } from './limits.js';
import { LiveEventsBridge } from './live-events.bridge.js';
import { LiveSubscriptions } from './live-subscriptions.service.js';
import { PresenceFanout } from './presence-fanout.service.js';
import { PresenceResolver } from './presence.resolver.js';
import { ProfileRoomResolver } from './profile-room.resolver.js';
import { PUB_SUB, type LivePubSub } from './pubsub.js';

/** Builds the context; lives in its own module so the GraphQL driver's factory can inject it. */
@Module({
  imports: [PresenceModule],
  providers: [GraphqlContextFactory],
  exports: [GraphqlContextFactory],
})
class GraphqlContextModule {}

/**
 * The GraphQL API at /graphql: queries and mutations over HTTP (Mercurius on Fastify, schema
 * built code-first), subscriptions over WebSocket (graphql-ws).
 */
@Module({
  imports: [
    GraphqlContextModule,
    PresenceModule,
    ProfilesModule,
    AccessModule,
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      imports: [GraphqlContextModule],
      inject: [AppConfig, GraphqlContextFactory],
      useFactory: (config: AppConfig, contexts: GraphqlContextFactory) => ({
        autoSchemaFile: true,
        sortSchema: true,
        path: GRAPHQL_PATH,
        // Mercurius's GraphiQL loads its scripts from a CDN; /graphiql leads to the dashboard's query box instead.
        graphiql: false,
        subscription: false,
        // Errors thrown before execution reach the application's filter, which renders them for GraphQL.
        errorHandler: false,
        context: (request: FastifyRequest) => contexts.create((request as FastifyRequest & { requester?: Requester }).requester),
        // Depth is checked with the parse (and cached with it); complexity needs the variables.
        // Subscriptions go over the WebSocket: run over HTTP, they would fail inside execution.
        validationRules: [depthLimit(config.GRAPHQL_MAX_DEPTH), noSubscriptions],
        hooks: {
          preExecution: (schema, document, _context, variables) => {
            assertComplexity(schema, document, variables as Record<string, unknown> | undefined, config.GRAPHQL_MAX_COMPLEXITY);
          },
        },
        errorFormatter: (execution, context) => {
          const { statusCode } = mercurius.defaultErrorFormatter(execution, context);
          // Mercurius wraps validation failures in one error holding the real ones.
          const errors = execution.errors.flatMap((error) => {
            const inner = (error.originalError as { errors?: unknown } | undefined)?.errors;
            return Array.isArray(inner) ? inner.map((one) => (one instanceof GraphQLError ? one : new GraphQLError(String((one as Error).message)))) : [error];
          });
          return { statusCode, response: { data: execution.data ?? null, errors: errors.map(formatGraphQLError) } };
        },
      }),
    }),
  ],
  providers: [
    {
      provide: PUB_SUB,
      inject: [AppConfig, EventStore, StoredPresence, ReadinessChecks],
      useFactory: (config: AppConfig, store: EventStore, presence: StoredPresence, readiness: ReadinessChecks): LivePubSub => {
        if (!config.REDIS_URL) return new PubSub();
        // A payload is delivered once this process has read its events, and the presence they publish.
        const pubsub = new ClusterPubSub(config.REDIS_URL, `${config.REDIS_KEY_PREFIX}graphql:`, async (payload) => {
          if (payload.streamOrdering !== undefined) await store.catchUp(payload.streamOrdering);
          if ('userId' in payload) await presence.current(payload.userId);
        });
        readiness.register('redis-pubsub', async () => ({ 'redis-pubsub': { status: pubsub.ready ? 'up' : 'down' } }));
        return pubsub;
      },
    },
    PresenceResolver,
    ProfileRoomResolver,
    LiveSubscriptions,
    PresenceFanout,
    LiveEventsBridge,
    GraphqlWsServer,
  ],
})
export class GraphqlApiModule {}
