import { Controller, Get } from '@nestjs/common';
import { CurrentRequester } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { MatrixError } from '../common/matrix-error.js';
import { AppConfig } from '../config/app-config.js';
import { LegacyFlagsService } from './legacy-flags.service.js';

/** Who still calls the legacy presence surfaces, for admins planning a migration. */
@Controller('_presence-rooms/admin')
export class LegacyUsageController {
  constructor(
    private readonly flags: LegacyFlagsService,
    private readonly config: AppConfig,
  ) {}

  @Get('legacy-usage')
  usage(@CurrentRequester() requester: Requester) {
    if (!this.config.ADMIN_USERS.includes(requester.userId)) throw MatrixError.forbidden('You are not a server admin');
    return this.flags.report();
  }
}
