import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { CurrentRequester } from '../../auth/access-token.guard.js';
import type { Requester } from '../../auth/requester.js';
import { CLIENT_API_PREFIXES } from '../../common/http/client-api.js';
import { LegacyRoute } from '../../legacy/legacy-surface.interceptor.js';
import { DeviceActivityDto, SetPresenceDto } from './dto/set-presence.dto.js';
import { LegacyPresenceService } from './legacy-presence.service.js';

/** The spec's presence endpoints, mapped onto the presence engine. */
@Controller(CLIENT_API_PREFIXES)
export class LegacyPresenceController {
  constructor(private readonly legacy: LegacyPresenceService) {}

  @Get('presence/:userId/status')
  @LegacyRoute('presence_get')
  getStatus(@CurrentRequester() requester: Requester, @Param('userId') userId: string) {
    return this.legacy.getStatus(requester, userId);
  }

  @Put('presence/:userId/status')
  @LegacyRoute('presence_put')
  async setStatus(@CurrentRequester() requester: Requester, @Param('userId') userId: string, @Body() body: SetPresenceDto) {
    await this.legacy.setStatus(requester, userId, body.presence, body.status_msg);
    return {};
  }
}

/** MSC3032's explicit per-device report (PRODUCT.md 11.3), for clients that do not /sync. */
@Controller('_matrix/client/unstable/org.matrix.msc3032')
export class DeviceActivityController {
  constructor(private readonly legacy: LegacyPresenceService) {}

  @Post('presence/activity')
  @HttpCode(200)
  async report(@CurrentRequester() requester: Requester, @Body() body: DeviceActivityDto) {
    await this.legacy.reportDeviceState(requester, body.state);
    return {};
  }
}
