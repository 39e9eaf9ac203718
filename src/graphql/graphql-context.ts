import { createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import DataLoader from 'dataloader';
import type { Requester } from '../auth/requester.js';
import { MatrixError } from '../common/matrix-error.js';
import { PresenceReader, type PresenceRecord } from '../presence/presence-reader.service.js';
import { StoredPresence } from '../presence/stored-presence.js';

/** What every resolver sees: the authenticated viewer and the request's loaders. */
export interface GraphqlContext {
  requester: Requester;
  presence: DataLoader<string, PresenceRecord>;
}

/** Builds a context per HTTP request or per WebSocket operation. */
@Injectable()
export class GraphqlContextFactory {
  constructor(
    private readonly reader: PresenceReader,
    private readonly stored: StoredPresence,
  ) {}

  create(requester: Requester | undefined): GraphqlContext {
    if (!requester) throw new MatrixError(401, 'M_MISSING_TOKEN', 'Missing access token');
    return {
      requester,
      // Every presence read of one request is answered by one batched lookup.
      presence: new DataLoader<string, PresenceRecord>(async (userIds) => {
        // In a cluster, what any process committed before the read began (as the REST GET does).
        await this.stored.caughtUp(userIds, requester.userId);
        const found = await this.reader.read(requester.userId, userIds);
        return userIds.map((userId) => found.get(userId) ?? MatrixError.notFound(`User ${userId} not found`));
      }),
    };
  }
}

/** The authenticated viewer of a GraphQL operation. */
export const Viewer = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Requester => GqlExecutionContext.create(context).getContext<GraphqlContext>().requester,
);

/** The request's presence loader. */
export const PresenceLoader = createParamDecorator(
  (_data: unknown, context: ExecutionContext): GraphqlContext['presence'] => GqlExecutionContext.create(context).getContext<GraphqlContext>().presence,
);
