import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { CurrentRequester } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { Clock } from '../common/clock.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { MatrixError } from '../common/matrix-error.js';
import { toClientEvent } from '../events/client-event.js';
import { MessagesQueryDto } from './dto/messages-query.dto.js';
import { RoomHistoryService } from './room-history.service.js';
import { RoomsService } from './rooms.service.js';

/** Sending events and reading a room's state, members and history. */
@Controller(CLIENT_API_PREFIXES)
export class RoomEventsController {
  constructor(
    private readonly rooms: RoomsService,
    private readonly history: RoomHistoryService,
    private readonly clock: Clock,
  ) {}

  @Put('rooms/:roomId/send/:eventType/:txnId')
  async send(
    @CurrentRequester() requester: Requester,
    @Param('roomId') roomId: string,
    @Param('eventType') eventType: string,
    @Param('txnId') txnId: string,
    @Body() content: Record<string, unknown>,
  ) {
    return { event_id: await this.rooms.sendMessage(requester, roomId, eventType, txnId, content) };
  }

  @Put('rooms/:roomId/state/:eventType')
  async putStateNoKey(
    @CurrentRequester() requester: Requester,
    @Param('roomId') roomId: string,
    @Param('eventType') eventType: string,
    @Body() content: Record<string, unknown>,
  ) {
    return { event_id: await this.rooms.setState(requester, roomId, eventType, '', content) };
  }

  @Put('rooms/:roomId/state/:eventType/:stateKey')
  async putState(
    @CurrentRequester() requester: Requester,
    @Param('roomId') roomId: string,
    @Param('eventType') eventType: string,
    @Param('stateKey') stateKey: string,
    @Body() content: Record<string, unknown>,
  ) {
    return { event_id: await this.rooms.setState(requester, roomId, eventType, stateKey, content) };
  }

  @Get('rooms/:roomId/state')
  async fullState(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string) {
    const state = await this.rooms.readableState(requester, roomId);
    const now = this.clock.now();
    return state.events().map((event) => toClientEvent(event, now));
  }

  @Get('rooms/:roomId/state/:eventType')
  stateEventNoKey(
    @CurrentRequester() requester: Requester,
    @Param('roomId') roomId: string,
    @Param('eventType') eventType: string,
    @Query('format') format?: string,
  ) {
    return this.stateEvent(requester, roomId, eventType, '', format);
  }

  @Get('rooms/:roomId/state/:eventType/:stateKey')
  async stateEvent(
    @CurrentRequester() requester: Requester,
    @Param('roomId') roomId: string,
    @Param('eventType') eventType: string,
    @Param('stateKey') stateKey: string,
    @Query('format') format?: string,
  ) {
    const state = await this.rooms.readableState(requester, roomId);
    const event = state.get(eventType, stateKey);
    if (!event) throw MatrixError.notFound(`No ${eventType} state with key ${JSON.stringify(stateKey)}`);
    return format === 'event' ? toClientEvent(event, this.clock.now()) : event.content;
  }

  @Get('rooms/:roomId/members')
  async members(
    @CurrentRequester() requester: Requester,
    @Param('roomId') roomId: string,
    @Query('membership') membership?: string,
    @Query('not_membership') notMembership?: string,
  ) {
    const state = await this.rooms.readableState(requester, roomId);
    const now = this.clock.now();
    const chunk = state
      .events()
      .filter((event) => event.type === 'm.room.member')
      .filter((event) => membership === undefined || event.content.membership === membership)
      .filter((event) => notMembership === undefined || event.content.membership !== notMembership)
      .map((event) => toClientEvent(event, now));
    return { chunk };
  }

  @Get('rooms/:roomId/joined_members')
  async joinedMembers(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string) {
    const state = await this.rooms.readableState(requester, roomId);
    const joined: Record<string, { display_name?: unknown; avatar_url?: unknown }> = {};
    for (const userId of state.members('join')) {
      const content = state.content('m.room.member', userId) ?? {};
      joined[userId] = { display_name: content.displayname, avatar_url: content.avatar_url };
    }
    return { joined };
  }

  @Get('rooms/:roomId/event/:eventId')
  async event(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string, @Param('eventId') eventId: string) {
    const event = await this.rooms.getEvent(requester, roomId, eventId);
    return toClientEvent(event, this.clock.now(), { viewer: requester });
  }

  @Get('rooms/:roomId/messages')
  messages(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string, @Query() query: MessagesQueryDto) {
    return this.history.messages(requester, roomId, query);
  }
}
