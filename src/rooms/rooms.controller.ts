import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentRequester } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { CreateRoomDto } from './dto/create-room.dto.js';
import { MembershipReasonDto, TargetUserDto } from './dto/membership.dto.js';
import { RoomsService } from './rooms.service.js';

/** Creating rooms and changing membership. */
@Controller(CLIENT_API_PREFIXES)
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Post('createRoom')
  @HttpCode(200)
  createRoom(@CurrentRequester() requester: Requester, @Body() body: CreateRoomDto) {
    return this.rooms.createRoom(requester, body);
  }

  @Post('join/:roomIdOrAlias')
  @HttpCode(200)
  async joinByIdOrAlias(
    @CurrentRequester() requester: Requester,
    @Param('roomIdOrAlias') roomIdOrAlias: string,
    @Body() body: MembershipReasonDto,
  ) {
    return { room_id: await this.rooms.join(requester, roomIdOrAlias, body.reason) };
  }

  @Post('rooms/:roomId/join')
  @HttpCode(200)
  async join(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string, @Body() body: MembershipReasonDto) {
    return { room_id: await this.rooms.join(requester, roomId, body.reason) };
  }

  @Post('rooms/:roomId/invite')
  @HttpCode(200)
  async invite(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string, @Body() body: TargetUserDto) {
    await this.rooms.invite(requester, roomId, body.user_id, body.reason);
    return {};
  }

  @Post('rooms/:roomId/leave')
  @HttpCode(200)
  async leave(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string, @Body() body: MembershipReasonDto) {
    await this.rooms.changeMembership(requester, roomId, requester.userId, 'leave', body.reason);
    return {};
  }

  @Post('rooms/:roomId/kick')
  @HttpCode(200)
  async kick(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string, @Body() body: TargetUserDto) {
    await this.rooms.changeMembership(requester, roomId, body.user_id, 'leave', body.reason);
    return {};
  }

  @Post('rooms/:roomId/ban')
  @HttpCode(200)
  async ban(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string, @Body() body: TargetUserDto) {
    await this.rooms.changeMembership(requester, roomId, body.user_id, 'ban', body.reason);
    return {};
  }

  @Post('rooms/:roomId/unban')
  @HttpCode(200)
  async unban(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string, @Body() body: TargetUserDto) {
    await this.rooms.changeMembership(requester, roomId, body.user_id, 'leave', body.reason);
    return {};
  }

  @Get('joined_rooms')
  async joinedRooms(@CurrentRequester() requester: Requester) {
    return { joined_rooms: await this.rooms.joinedRooms(requester.userId) };
  }
}
