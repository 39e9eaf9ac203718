import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { CurrentRequester, Public } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { SessionsService } from '../auth/sessions.service.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { AccountsService } from './accounts.service.js';
import { LoginDto } from './dto/login.dto.js';
import { RegisterDto } from './dto/register.dto.js';

@Controller(CLIENT_API_PREFIXES)
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
  ) {}

  @Public()
  @Post('register')
  @HttpCode(200)
  register(@Body() body: RegisterDto, @Query('kind') kind?: string) {
    return this.accounts.register(body, kind);
  }

  @Public()
  @Get('register/available')
  available(@Query('username') username?: string) {
    return this.accounts.isUsernameAvailable(username);
  }

  @Public()
  @Get('login')
  loginFlows() {
    return { flows: [{ type: 'm.login.password' }] };
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginDto) {
    return this.accounts.login(body);
  }

  @Post('logout')
  @HttpCode(200)
  async logout(@CurrentRequester() requester: Requester) {
    await this.sessions.endSession(requester);
    return {};
  }

  @Post('logout/all')
  @HttpCode(200)
  async logoutAll(@CurrentRequester() requester: Requester) {
    await this.sessions.endAllSessions(requester.userId);
    return {};
  }

  @Get('account/whoami')
  whoami(@CurrentRequester() requester: Requester) {
    return { user_id: requester.userId, device_id: requester.deviceId, is_guest: false };
  }

  @Get('devices')
  async devices(@CurrentRequester() requester: Requester) {
    const devices = await this.sessions.listDevices(requester.userId);
    return {
      devices: devices.map((device) => ({
        device_id: device.deviceId,
        display_name: device.displayName ?? undefined,
        user_id: device.userId,
      })),
    };
  }
}
