import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { CurrentRequester, Public } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { ProfileService } from './profile.service.js';

/** The profile API (GET/PUT/DELETE /profile/{userId}[/{field}]), backed by the profile room. */
@Controller(CLIENT_API_PREFIXES)
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Public()
  @Get('profile/:userId')
  getProfile(@Param('userId') userId: string) {
    return this.profiles.getProfile(userId);
  }

  @Public()
  @Get('profile/:userId/:field')
  getField(@Param('userId') userId: string, @Param('field') field: string) {
    return this.profiles.getField(userId, field);
  }

  @Put('profile/:userId/:field')
  async setField(
    @CurrentRequester() requester: Requester,
    @Param('userId') userId: string,
    @Param('field') field: string,
    @Body() body: Record<string, unknown>,
  ) {
    await this.profiles.setField(requester, userId, field, body);
    return {};
  }

  @Delete('profile/:userId/:field')
  async deleteField(@CurrentRequester() requester: Requester, @Param('userId') userId: string, @Param('field') field: string) {
    await this.profiles.deleteField(requester, userId, field);
    return {};
  }
}
