import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { IsString } from 'class-validator';
import { CurrentRequester, Public } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { DirectoryService } from './directory.service.js';

class AliasTargetDto {
  @IsString()
  room_id!: string;
}

/** Room aliases: GET/PUT/DELETE /directory/room/{roomAlias}. */
@Controller(CLIENT_API_PREFIXES)
export class DirectoryController {
  constructor(private readonly directory: DirectoryService) {}

  @Public()
  @Get('directory/room/:roomAlias')
  resolve(@Param('roomAlias') alias: string) {
    return this.directory.resolve(alias);
  }

  @Put('directory/room/:roomAlias')
  async create(@CurrentRequester() requester: Requester, @Param('roomAlias') alias: string, @Body() body: AliasTargetDto) {
    await this.directory.create(requester, alias, body.room_id);
    return {};
  }

  @Delete('directory/room/:roomAlias')
  async remove(@CurrentRequester() requester: Requester, @Param('roomAlias') alias: string) {
    await this.directory.remove(requester, alias);
    return {};
  }
}
