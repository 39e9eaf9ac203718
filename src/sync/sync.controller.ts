import { Controller, Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentRequester } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { LegacyFlagsService } from '../legacy/legacy-flags.service.js';
import { SyncService } from './sync.service.js';

@Controller(CLIENT_API_PREFIXES)
export class SyncController {
  constructor(
    private readonly syncs: SyncService,
    private readonly flags: LegacyFlagsService,
  ) {}

  @Get('sync')
  async sync(
    @CurrentRequester() requester: Requester,
    @Query() query: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (query.set_presence !== undefined) {
      this.flags.record('sync_set_presence', reply.request.headers['user-agent']);
      this.flags.annotate(reply, 'sync_set_presence');
    }
    const response = await this.syncs.sync(
      requester,
      {
        since: query.since,
        timeout: query.timeout,
        full_state: query.full_state,
        filter: query.filter,
        set_presence: query.set_presence,
      },
      () => abandonedSignal(reply),
    );
    if (response.presence) {
      this.flags.record('sync_presence', reply.request.headers['user-agent']);
      this.flags.annotate(reply, 'sync_presence');
    }
    return response;
  }
}

/**
 * Aborts when the client goes away, so an abandoned long-poll holds nothing. Made only for a sync
 * that may wait; a response already sent needs no abort (it costs an exception object).
 */
function abandonedSignal(reply: FastifyReply): AbortSignal {
  const abandoned = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) abandoned.abort();
  });
  return abandoned.signal;
}
