import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  validate,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
} from 'graphql';
import { CloseCode, handleProtocols, type SubscribePayload } from 'graphql-ws';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { extractAccessToken, hashAccessToken } from '../auth/access-token.js';
import type { Requester } from '../auth/requester.js';
import { SessionsService } from '../auth/sessions.service.js';
import { DomainEventBus } from '../common/event-bus.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../operations/metrics/metrics.js';
import { formatGraphQLError } from './graphql-errors.js';
import { GraphqlContextFactory } from './graphql-context.js';
import { GraphqlWsConnection, type GraphqlWsHandler, type GraphqlWsSession } from './graphql-ws.connection.js';
import { operationLimits } from './limits.js';
import { PresenceStream, type PresenceRenderer } from './presence-stream.js';

export const GRAPHQL_PATH = '/graphql';

/** Distinct selections whose renderers are kept for sharing; beyond it new ones start afresh. */
const MAX_RENDERERS = 1000;

/**
 * GraphQL over WebSocket on /graphql, graphql-ws protocol only (graphql-transport-ws). The
 * connection authenticates once in connection_init (`{"authorization": "Bearer …"}`); a missing
 * token closes it with 4401, a wrong one with 4403. Each operation gets the same limits as over
 * HTTP, and a connection holds at most GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION operations: the
 * one over the limit gets an error, the socket stays up.
 *
 * presenceChanged is the operation with thousands of subscribers: its streams get a renderer
 * shared by every subscription with the same selection, so a change is executed and serialised
 * once per selection and each subscriber's message only splices in its operation id. Other
 * subscriptions execute each event per subscriber, as graphql-js does.
 */
@Injectable()
export class GraphqlWsServer implements OnApplicationBootstrap, BeforeApplicationShutdown, GraphqlWsHandler {
  private readonly logger = new Logger(GraphqlWsServer.name);
  private readonly wss: WebSocketServer;
  private readonly renderers = new Map<string, PresenceRenderer>();
  private readonly connections = new Set<GraphqlWsConnection>();
  private onUpgrade?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly sessions: SessionsService,
    private readonly contexts: GraphqlContextFactory,
    private readonly config: AppConfig,
    private readonly bus: DomainEventBus,
    metrics: Metrics,
  ) {
    metrics.wsConnections.from(() => this.connections.size);
    metrics.wsSubscriptions.from(() => [...this.connections].reduce((sum, connection) => sum + connection.operationCount, 0));
    this.wss = new WebSocketServer({
      noServer: true,
      // A bigger message fails that socket alone, with 1009, before it is buffered whole.
      maxPayload: config.GRAPHQL_WS_MAX_PAYLOAD_BYTES,
      handleProtocols: (protocols) => handleProtocols(protocols) || false,
    });
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const timers = { initTimeoutMs: this.config.GRAPHQL_WS_INIT_TIMEOUT_MS, keepAliveMs: this.config.GRAPHQL_WS_KEEPALIVE_MS };
    this.wss.on('connection', (socket) => {
      const connection = new GraphqlWsConnection(socket, this, timers);
      this.connections.add(connection);
      socket.once('close', () => this.connections.delete(connection));
    });
    this.onUpgrade = (request, socket, head) => {
      const path = (request.url ?? '').split('?')[0];
      if (path !== GRAPHQL_PATH) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.wss.emit('connection', ws, request));
    };
    server.on('upgrade', this.onUpgrade);
    this.bus.on('access-token.revoked', ({ tokenHash }) => void this.endRevoked(tokenHash));
  }

  /**
   * Ends, with 4403, the connections signed in with a token that no longer signs in: the one
   * revoked, or each found revoked when any may have been (`tokenHash` null). A logout ends the
   * subscriptions of its device at once, on every process.
   */
  private async endRevoked(tokenHash: string | null): Promise<void> {
    for (const connection of [...this.connections]) {
      const session = connection.signedIn;
      if (!session) continue;
      // A lookup that fails (the database out of reach) keeps the connection: it is not known revoked.
      const revoked = tokenHash === null ? (await this.sessions.authenticate(session.token).catch(() => undefined)) === null : session.tokenHash === tokenHash;
      if (revoked) connection.close(CloseCode.Forbidden, 'Access token revoked');
    }
  }

  /** Before the database closes, so no live stream reads from it afterwards. */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    if (this.onUpgrade) server.off('upgrade', this.onUpgrade);
    // 1001 Going Away: the server is stopping; clients reconnect and resume with `since`.
    for (const client of this.wss.clients) client.close(1001, 'Server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.logger.debug('GraphQL WebSocket server closed');
  }

  async authenticate(params: Record<string, unknown>): Promise<GraphqlWsSession | CloseCode.Unauthorized | CloseCode.Forbidden> {
    const header = params.authorization ?? params.Authorization;
    const token = typeof header === 'string' ? extractAccessToken(header, undefined) : undefined;
    if (!token) return CloseCode.Unauthorized;
    const requester = await this.sessions.authenticate(token);
    return requester ? { requester, token, tokenHash: hashAccessToken(token) } : CloseCode.Forbidden;
  }

  async operate(connection: GraphqlWsConnection, id: string, payload: SubscribePayload): Promise<void> {
    try {
      if (connection.operationCount > this.config.GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        const limit = this.config.GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION;
        return connection.error(id, [{ message: `At most ${limit} operations per connection`, extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }]);
      }
      const prepared = this.prepare(payload, connection.viewer);
      if (Array.isArray(prepared)) return connection.error(id, prepared);
      const { args, operation } = prepared;
      if (operation.operation !== 'subscription') {
        const result = await execute(args);
        connection.next(id, formatResult(result));
        return connection.complete(id);
      }
      const source = await createSourceEventStream(args);
      if (!isAsyncIterable(source)) return connection.error(id, (source.errors ?? []).map(formatGraphQLError));
      if (source instanceof PresenceStream) return this.streamPresence(connection, id, source, payload, args, operation);
      await this.streamEach(connection, id, source, args);
    } catch (error) {
      connection.error(id, [formatGraphQLError(asGraphQLError(error))]);
    }
  }

  private streamPresence(
    connection: GraphqlWsConnection,
    id: string,
    stream: PresenceStream,
    payload: SubscribePayload,
    args: ExecutionArgs,
    operation: OperationDefinitionNode,
  ): void {
    if (!connection.track(id, () => stream.close())) return;
    stream.attach({
      renderer: this.rendererFor(payload, args, operation),
      next: (_item, rendered) => connection.nextRendered(id, rendered!),
      complete: () => connection.complete(id),
      fail: (error) => connection.error(id, [formatGraphQLError(asGraphQLError(error))]),
    });
  }

  /** Executes each event of a source stream for this subscriber (graphql-js's mapping). */
  private async streamEach(connection: GraphqlWsConnection, id: string, source: AsyncIterable<unknown>, args: ExecutionArgs): Promise<void> {
    const iterator = source[Symbol.asyncIterator]();
    if (!connection.track(id, () => void iterator.return?.())) return;
    for (;;) {
      const step = await iterator.next();
      if (step.done || !connection.isOpen(id)) break;
      connection.next(id, formatResult(await execute({ ...args, rootValue: step.value })));
    }
    connection.complete(id);
  }

  /** Parses and validates an operation with the HTTP limits; errors come back as a list. */
  private prepare(payload: SubscribePayload, viewer: Requester): { args: ExecutionArgs; operation: OperationDefinitionNode } | GraphQLFormattedError[] {
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch (error) {
      return [formatGraphQLError(error instanceof GraphQLError ? error : new GraphQLError('Invalid query'))];
    }
    const schema = this.schemaHost.schema;
    const limits = operationLimits({
      maxDepth: this.config.GRAPHQL_MAX_DEPTH,
      maxComplexity: this.config.GRAPHQL_MAX_COMPLEXITY,
      variables: payload.variables ?? {},
    });
    const errors = validate(schema, document).concat(validate(schema, document, limits));
    if (errors.length > 0) return errors.map(formatGraphQLError);
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) return [formatGraphQLError(new GraphQLError('Unable to identify operation'))];
    const args: ExecutionArgs = {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue: this.contexts.create(viewer),
    };
    return { args, operation };
  }

  /**
   * The renderer for a presenceChanged selection. Subscriptions share it when their query text,
   * operation and variables match, not counting the variable that only lists the followed users:
   * the root resolver ignores its arguments when mapping a change, and the Presence fields read
   * nothing from the viewer's context, so the same change renders to the same bytes.
   */
  private rendererFor(payload: SubscribePayload, args: ExecutionArgs, operation: OperationDefinitionNode): PresenceRenderer {
    const shared = { ...(payload.variables ?? {}) };
    const listVariable = userIdsVariable(operation);
    if (listVariable) delete shared[listVariable];
    const key = `${payload.query}\u0000${payload.operationName ?? ''}\u0000${JSON.stringify(shared)}`;
    let renderer = this.renderers.get(key);
    if (!renderer) {
      renderer = {
        render: async (item) => JSON.stringify(formatResult(await execute({ ...args, rootValue: item }))),
      };
      if (this.renderers.size >= MAX_RENDERERS) this.renderers.clear();
      this.renderers.set(key, renderer);
    }
    return renderer;
  }
}

/** The variable feeding presenceChanged's userIds, when it is used nowhere else in the operation. */
function userIdsVariable(operation: OperationDefinitionNode): string | null {
  const root = operation.selectionSet.selections[0];
  if (operation.selectionSet.selections.length !== 1 || root.kind !== Kind.FIELD) return null;
  const value = root.arguments?.find((argument) => argument.name.value === 'userIds')?.value;
  if (value?.kind !== Kind.VARIABLE) return null;
  const name = value.name.value;
  let uses = 0;
  visit(operation.selectionSet, {
    Variable(node) {
      if (node.name.value === name) uses += 1;
    },
  });
  return uses === 1 ? name : null;
}

function formatResult(result: ExecutionResult): ExecutionResult | { data: unknown; errors: GraphQLFormattedError[] } {
  return result.errors ? { data: result.data ?? null, errors: result.errors.map(formatGraphQLError) } : result;
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

