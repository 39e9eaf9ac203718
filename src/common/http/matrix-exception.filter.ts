import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MatrixError } from '../matrix-error.js';
import type { RouteRegistry } from './route-registry.js';

interface FastifyLikeError {
  statusCode?: number;
  message?: string;
  code?: string;
}

/**
 * The one place an exception becomes an HTTP answer: Matrix errors as they are, unknown routes
 * as M_UNRECOGNIZED (404, or 405 when the path exists with another method), Fastify's own
 * request errors as their Matrix equivalents, and anything unexpected as a logged 500.
 */
@Catch()
export class MatrixExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(
    private readonly routes: RouteRegistry,
    /** Paths that answer errors in another format (GraphQL over HTTP), by path. */
    private readonly renderers: Record<string, (exception: unknown, reply: FastifyReply) => void> = {},
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    this.handle(exception, host.switchToHttp().getRequest<FastifyRequest>(), host.switchToHttp().getResponse<FastifyReply>());
  }

  /** Answers a failed request; also installed as Fastify's error handler for errors raised outside Nest. */
  handle(exception: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const render = this.renderers[request.url.split('?')[0]];
    if (render) {
      render(exception, reply);
      return;
    }
    const error = this.toMatrixError(exception, request);
    if (error.status === 429 && typeof error.extra.retry_after_ms === 'number') {
      reply.header('Retry-After', Math.ceil(error.extra.retry_after_ms / 1000));
    }
    void reply.status(error.status).send(error.toJSON());
  }

  private toMatrixError(exception: unknown, request: FastifyRequest): MatrixError {
    if (exception instanceof MatrixError) return exception;
    if (exception instanceof NotFoundException) {
      const allowed = this.routes.allowedMethods(request.url);
      return allowed.length > 0
        ? MatrixError.unrecognized(`Method ${request.method} not allowed here`, 405)
        : MatrixError.unrecognized();
    }
    const code = (exception as FastifyLikeError | undefined)?.code;
    if (code === 'FST_ERR_BAD_URL') return this.badlyEncoded(request.url);
    // A path parameter over the router's limit (and so the request line over it too). The spec
    // names no status; 414 URI Too Long is HTTP's, and M_TOO_LARGE the spec's word for it.
    if (code === 'FST_ERR_MAX_PARAM_LENGTH') return new MatrixError(414, 'M_TOO_LARGE', 'Path parameter too long');
    // Fastify's own request errors (body too large, bad media type, ...) may arrive raw or
    // wrapped by Nest; either way they carry a 4xx status.
    const status = exception instanceof HttpException ? exception.getStatus() : (exception as FastifyLikeError)?.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      if (status === 413) return MatrixError.tooLarge('Request body too large');
      if (status === 415) return new MatrixError(400, 'M_NOT_JSON', 'Content not JSON');
      const message = (exception as FastifyLikeError).message ?? 'Bad request';
      return new MatrixError(status, status === 400 ? 'M_BAD_JSON' : 'M_UNKNOWN', message);
    }
    this.logger.error(
      `request ${request.id} ${request.method} ${request.url.split('?')[0]} failed`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return new MatrixError(500, 'M_UNKNOWN', `Internal server error (request ${request.id})`);
  }

  /**
   * A path that does not percent-decode (`%ZZ`, `%`, `%FF`). Synapse decodes leniently and then
   * refuses the parameter as 400 M_INVALID_PARAM; so does this server when the path, taken
   * literally, is an endpoint's, and answers 404 M_UNRECOGNIZED when it is no endpoint's.
   */
  private badlyEncoded(url: string): MatrixError {
    const literal = url.split('?')[0].replaceAll('%', '%25');
    return this.routes.allowedMethods(literal).length > 0
      ? MatrixError.invalidParam('Path is not valid percent-encoded UTF-8')
      : MatrixError.unrecognized();
  }
}
