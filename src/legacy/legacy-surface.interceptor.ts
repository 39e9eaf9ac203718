import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { MatrixError } from '../common/matrix-error.js';
import { LegacyFlagsService } from './legacy-flags.service.js';
import type { LegacySurface } from './legacy-surfaces.js';

const SURFACE = 'presence-rooms:legacy-surface';

/** Marks a route as a legacy surface: counted, answered 404 when removed, annotated when deprecated. */
export const LegacyRoute = (surface: LegacySurface) => SetMetadata(SURFACE, surface);

@Injectable()
export class LegacySurfaceInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly flags: LegacyFlagsService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const surface = this.reflector.get<LegacySurface | undefined>(SURFACE, context.getHandler());
    if (!surface) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest<{ Params: { userId?: string } }>>();
    this.flags.record(surface, request.headers['user-agent']);
    if (this.flags.isRemoved(surface)) throw MatrixError.unrecognized();
    // Headers go on before the handler runs, so error answers carry them too.
    this.flags.annotate(context.switchToHttp().getResponse<FastifyReply>(), surface, request.params.userId);
    return next.handle();
  }
}
