import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentRequester } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { FilterService } from './filter.service.js';

@Controller(CLIENT_API_PREFIXES)
export class FilterController {
  constructor(private readonly filters: FilterService) {}

  @Post('user/:userId/filter')
  @HttpCode(200)
  async create(@CurrentRequester() requester: Requester, @Param('userId') userId: string, @Body() body: Record<string, unknown>) {
    return { filter_id: await this.filters.create(requester, userId, body) };
  }

  @Get('user/:userId/filter/:filterId')
  get(@CurrentRequester() requester: Requester, @Param('userId') userId: string, @Param('filterId') filterId: string) {
    return this.filters.get(requester, userId, filterId);
  }
}
