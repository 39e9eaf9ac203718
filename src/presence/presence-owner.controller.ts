import { Controller, Get } from '@nestjs/common';
import { CurrentRequester } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { MatrixError } from '../common/matrix-error.js';
import { AppConfig } from '../config/app-config.js';
import { PresenceOwnership } from './presence-ownership.js';

/** Which process owns presence, as the process asked sees it, for admins. */
@Controller('_presence-rooms/admin')
export class PresenceOwnerController {
  constructor(
    private readonly ownership: PresenceOwnership,
    private readonly config: AppConfig,
  ) {}

  @Get('presence-owner')
  owner(@CurrentRequester() requester: Requester) {
    if (!this.config.ADMIN_USERS.includes(requester.userId)) throw MatrixError.forbidden('You are not a server admin');
    const { clustered, processId, owner, ownerSince } = this.ownership.status();
    return { clustered, process_id: processId, pid: process.pid, owner, owner_since_ts: ownerSince };
  }
}
