import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { GraphQLError, parse, validate, type ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { extractAccessToken } from '../auth/access-token.js';
import type { Requester } from '../auth/requester.js';
import { SessionsService } from '../auth/sessions.service.js';
import { AppConfig } from '../config/app-config.js';
import { formatGraphQLError } from './graphql-errors.js';
import { GraphqlContextFactory } from './graphql-context.js';
import { operationLimits } from './limits.js';

export const GRAPHQL_PATH = '/graphql';

/**
 * GraphQL over WebSocket on /graphql, graphql-ws protocol only (graphql-transport-ws). The
 * connection authenticates once in connection_init (`{"authorization": "Bearer …"}`); a missing
 * token closes it with 4401, a wrong one with 4403. Each operation gets the same limits as over
 * HTTP, and a connection holds at most GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION operations: the
 * one over the limit gets an error, the socket stays up.
 */
@Injectable()
export class GraphqlWsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(GraphqlWsServer.name);
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private cleanup?: { dispose: () => void | Promise<void> };
  private onUpgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly sessions: SessionsService,
    private readonly contexts: GraphqlContextFactory,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.cleanup = useServer<Record<string, unknown>, { requester?: Requester }>(
      {
        schema: this.schemaHost.schema,
        onConnect: async (ctx) => {
          const header = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
          const token = typeof header === 'string' ? extractAccessToken(header, undefined) : undefined;
          if (!token) {
            ctx.extra.socket.close(CloseCode.Unauthorized, 'Missing access token');
            return false;
          }
          const requester = await this.sessions.authenticate(token);
          if (!requester) return false;
          (ctx.extra as { requester?: Requester }).requester = requester;
          return true;
        },
        onSubscribe: (ctx, _id, payload) => {
          const open = Object.keys(ctx.subscriptions).length;
          if (open > this.config.GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION) {
            return [new GraphQLError(`At most ${this.config.GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION} operations per connection`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
          }
          let document;
          try {
            document = parse(payload.query);
          } catch (error) {
            return [error instanceof GraphQLError ? error : new GraphQLError('Invalid query')];
          }
          const schema = this.schemaHost.schema;
          const limits = operationLimits({
            maxDepth: this.config.GRAPHQL_MAX_DEPTH,
            maxComplexity: this.config.GRAPHQL_MAX_COMPLEXITY,
            variables: payload.variables ?? {},
          });
          const errors = validate(schema, document, undefined, undefined).concat(validate(schema, document, limits));
          if (errors.length > 0) return errors;
          const requester = (ctx.extra as { requester?: Requester }).requester;
          return {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue: this.contexts.create(requester),
          } satisfies ExecutionArgs;
        },
        onNext: (_ctx, _id, _payload, _args, result) =>
          result.errors ? { ...result, errors: result.errors.map((error) => formatGraphQLError(error) as unknown as GraphQLError) } : undefined,
        onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatGraphQLError(error) as unknown as GraphQLError),
      },
      this.wss,
    );
    this.onUpgrade = (request, socket, head) => {
      const path = (request.url ?? '').split('?')[0];
      if (path !== GRAPHQL_PATH) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.wss.emit('connection', ws, request));
    };
    server.on('upgrade', this.onUpgrade);
  }

  /** Before the database closes, so no live stream reads from it afterwards. */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    if (this.onUpgrade) server.off('upgrade', this.onUpgrade);
    // 1001 Going Away: the server is stopping; clients reconnect and resume with `since`.
    for (const client of this.wss.clients) client.close(1001, 'Server shutting down');
    await this.cleanup?.dispose();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.logger.debug('GraphQL WebSocket server closed');
  }
}
