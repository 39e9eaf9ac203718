import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module.js';
import { SessionsService } from './auth/sessions.service.js';
import { AccessLog } from './common/logging/access-log.js';
import { AppLogger } from './common/logging/app-logger.js';
import { createRootLogger, requestLoggers } from './common/logging/root-logger.js';
import { answerClientError, connectionOptions, Connections } from './common/http/connections.js';
import { registerCors, registerJsonBodyParser } from './common/http/json-body.js';
import { MatrixExceptionFilter } from './common/http/matrix-exception.filter.js';
import { MatrixValidationPipe } from './common/http/matrix-validation.pipe.js';
import { registerReplyBatching } from './common/http/reply-batching.js';
import { RouteRegistry } from './common/http/route-registry.js';
import { registerShutdown, stopAccepting } from './common/http/shutdown.js';
import { registerUnreadBodyDrain } from './common/http/unread-body.js';
import type { AppConfig } from './config/app-config.js';
import { registerGraphqlAuth, registerGraphqlErrorPathFix } from './graphql/graphql-auth.hook.js';
import { registerGraphqlNestingLimit } from './graphql/graphql-nesting.hook.js';
import { renderGraphqlHttpError } from './graphql/graphql-errors.js';
import { GRAPHQL_PATH } from './graphql/graphql-ws.server.js';

/** Requests beyond this are refused before parsing; events have their own 64 KiB limit. */
const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** The route table of each application built here, for tools that walk every endpoint. */
const routeTables = new WeakMap<NestFastifyApplication, RouteRegistry>();
/** The connections of each application built here, for a shutdown past its deadline. */
const openConnections = new WeakMap<NestFastifyApplication, Connections>();

export function routeRegistryOf(app: NestFastifyApplication): RouteRegistry {
  const routes = routeTables.get(app);
  if (!routes) throw new Error('not an application made by createApp');
  return routes;
}

/**
 * Fastify seals each route's error handler when the plugin queue is loaded, and Mercurius loads
 * it during Nest's init, before Nest installs its handler. So the application's handler (the same
 * exception filter) is installed when the adapter is made, and Nest's later call is skipped.
 */
class FastifyAdapterWithEarlyErrorHandler extends FastifyAdapter {
  override setErrorHandler(): ReturnType<FastifyAdapter['setErrorHandler']> {
    return this.getInstance();
  }
}

/** Builds the whole application, ready to listen: used by main.ts and by the end-to-end tests. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const routes = new RouteRegistry();
  const filter = new MatrixExceptionFilter(routes, { [GRAPHQL_PATH]: renderGraphqlHttpError });
  const connections = new Connections();
  const logger = createRootLogger({ level: config.LOG_LEVEL, format: config.logFormat });
  const adapter = new FastifyAdapterWithEarlyErrorHandler({
    loggerInstance: logger,
    logController: new AccessLog(),
    bodyLimit: MAX_REQUEST_BODY_BYTES,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    ...connectionOptions(config),
    // Requests refused below the routes (undecodable path, malformed HTTP, too slow) get Matrix errors too.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => filter.handle(error, request, reply),
    clientErrorHandler: (error, socket) => answerClientError(connections, error, socket),
    return503OnClosing: false,
  });
  const fastify = adapter.getInstance();
  // Everything a request runs, its hooks and handler included, logs through its logger (reqId).
  fastify.addHook('onRequest', (request, _reply, done) => requestLoggers.run(request.log, done));
  connections.watch(fastify.server);
  registerShutdown(fastify, connections);
  fastify.addHook('onRoute', (route) => routes.add(route.method, route.url));
  registerJsonBodyParser(fastify, config.JSON_MAX_DEPTH);
  registerUnreadBodyDrain(fastify);
  registerCors(fastify);
  registerReplyBatching(fastify);
  fastify.setErrorHandler((error, request, reply) => filter.handle(error, request, reply));

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new AppLogger(logger),
    // A failed start-up rejects, for main.ts to report (Nest would otherwise abort the process).
    abortOnError: false,
    // Bodies are parsed by registerJsonBodyParser, whatever their Content-Type.
    bodyParser: false,
  });
  registerGraphqlAuth(fastify, app.get(SessionsService));
  registerGraphqlErrorPathFix(fastify);
  registerGraphqlNestingLimit(fastify, config.JSON_MAX_DEPTH);
  app.useGlobalFilters(filter);
  app.useGlobalPipes(new MatrixValidationPipe());
  await app.init();
  routeTables.set(app, routes);
  openConnections.set(app, connections);
  return app;
}

/**
 * Closes the application as a shutdown does (main.ts, on SIGTERM or SIGINT): new connections are
 * refused from the start, long-polls answer at once, WebSockets are closed with 1001, requests
 * under way are answered, pending presence is written and the database closed. Connections still
 * open `timeoutMs` after the start (a client sending its headers slowly, a WebSocket client not
 * reading its close frame, a slow answer) are destroyed then, so that the rest of the shutdown
 * goes on.
 */
export async function closeApp(app: NestFastifyApplication, timeoutMs: number): Promise<void> {
  const connections = openConnections.get(app);
  const deadline = setTimeout(() => connections?.destroyAll(), timeoutMs);
  stopAccepting(app.getHttpServer());
  try {
    await app.close();
  } finally {
    clearTimeout(deadline);
  }
}
