import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { CurrentRequester } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { AccountDataService } from './account-data.service.js';

@Controller(CLIENT_API_PREFIXES)
export class AccountDataController {
  constructor(private readonly accountData: AccountDataService) {}

  @Put('user/:userId/account_data/:type')
  async setGlobal(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('type') type: string,
    @Body() content: Record<string, unknown>,
  ) {
    await this.accountData.set(requester, userId, '', type, content);
    return {};
  }

  @Get('user/:userId/account_data/:type')
  getGlobal(@CurrentRequester() requester: Requester, @Param('userId') userId: string, @Param('type') type: string) {
    return this.accountData.get(requester, userId, '', type);
  }

  @Put('user/:userId/rooms/:roomId/account_data/:type')
  async setForRoom(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('roomId') roomId: string,
    @Param('type') type: string,
    @Body() content: Record<string, unknown>,
  ) {
    await this.accountData.set(requester, userId, roomId, type, content);
    return {};
  }

  @Get('user/:userId/rooms/:roomId/account_data/:type')
  getForRoom(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('roomId') roomId: string,
    @Param('type') type: string,
  ) {
    return this.accountData.get(requester, userId, roomId, type);
  }
}
