import { CanActivate, ExecutionContext, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { MatrixError } from '../common/matrix-error.js';
import { extractAccessToken } from './access-token.js';
import type { Requester } from './requester.js';
import { SessionsService } from './sessions.service.js';

const PUBLIC_ROUTE = 'presence-rooms:public';

/** Marks a route that needs no access token (it may still use one when given). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

type AuthenticatedRequest = FastifyRequest & { requester?: Requester };

/** Authenticates every route by access token unless it is marked @Public(). */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    const token = extractAccessToken(request.headers.authorization, request.query as Record<string, unknown>);
    if (!token) {
      if (isPublic) return true;
      throw new MatrixError(401, 'M_MISSING_TOKEN', 'Missing access token');
    }
    const requester = await this.sessions.authenticate(token);
    if (!requester) {
      if (isPublic) return true;
      throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Unrecognised access token', { soft_logout: false });
    }
    request.requester = requester;
    return true;
  }
}

/** The authenticated requester of this request (undefined on a public route without a token). */
export const CurrentRequester = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Requester | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().requester,
);
