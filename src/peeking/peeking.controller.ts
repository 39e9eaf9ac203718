import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentRequester } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { MatrixError } from '../common/matrix-error.js';
import { parseUserId } from '../common/matrix-ids.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { RoomsService } from '../rooms/rooms.service.js';
import { parseTimeout } from '../sync/sync.service.js';
import { PeeksService } from './peeks.service.js';
import { MAX_EVENTS_TIMEOUT_MS, RoomPreviewService } from './room-preview.service.js';

/** Room previews as the spec has them: how matrix-js-sdk's peekInRoom follows a room. */
@Controller(CLIENT_API_PREFIXES)
export class RoomPreviewController {
  constructor(private readonly previews: RoomPreviewService) {}

  @Get('rooms/:roomId/initialSync')
  initialSync(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string, @Query('limit') limit?: string) {
    const parsed = limit === undefined || limit === '' ? 10 : Number(limit);
    if (!Number.isInteger(parsed) || parsed < 0) throw MatrixError.invalidParam('limit must be a non-negative integer');
    return this.previews.initialSync(requester, roomId, Math.min(parsed, 100));
  }

  @Get('events')
  events(
    @CurrentRequester() requester: Requester,
    @Query() query: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const abandoned = new AbortController();
    reply.raw.once('close', () => abandoned.abort());
    const timeout = Math.min(parseTimeout(query.timeout), MAX_EVENTS_TIMEOUT_MS);
    return this.previews.events(requester, query.room_id, query.from, timeout, abandoned.signal);
  }
}

/** MSC2753 peeking, and the MSC1769 lookup of a user's profile room. */
@Controller('_matrix/client/unstable')
export class PeekingController {
  constructor(
    private readonly peeks: PeeksService,
    private readonly rooms: RoomsService,
    private readonly profileRooms: ProfileRoomService,
  ) {}

  @Post('org.matrix.msc2753/peek/:roomIdOrAlias')
  @HttpCode(200)
  async peek(@CurrentRequester() requester: Requester, @Param('roomIdOrAlias') roomIdOrAlias: string) {
    return this.peeks.peek(requester, await this.rooms.resolveRoom(roomIdOrAlias));
  }

  @Post('org.matrix.msc2753/rooms/:roomId/unpeek')
  @HttpCode(200)
  async unpeek(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string) {
    await this.peeks.unpeek(requester, roomId);
    return {};
  }

  @Get('org.matrix.msc1769/profile_room/:userId')
  async profileRoom(@Param('userId') userId: string) {
    if (!parseUserId(userId)) throw MatrixError.invalidParam(`Invalid user ID ${JSON.stringify(userId)}`);
    if (!(await this.profileRooms.userExists(userId))) throw MatrixError.notFound(`User ${userId} not found`);
    return { room_id: await this.profileRooms.ensureProfileRoom(userId) };
  }
}
