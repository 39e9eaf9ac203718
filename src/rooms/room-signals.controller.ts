import { Body, Controller, HttpCode, Param, Post, Put } from '@nestjs/common';
import { IsBoolean, IsInt, Min } from 'class-validator';
import { OptionalKey } from '../common/http/optional-key.js';
import { CurrentRequester } from '../auth/access-token.guard.js';
import type { Requester } from '../auth/requester.js';
import { CLIENT_API_PREFIXES } from '../common/http/client-api.js';
import { MatrixError } from '../common/matrix-error.js';
import { RoomSignalsService } from './room-signals.service.js';

class TypingDto {
  @IsBoolean()
  typing!: boolean;

  @OptionalKey()
  @IsInt()
  @Min(0)
  timeout?: number;
}

const RECEIPT_TYPES = new Set(['m.read', 'm.read.private', 'm.fully_read']);

/**
 * Receipts, read markers and typing: proactive activity for presence. They are checked
 * (membership, receipt type) but not yet relayed to other clients.
 */
@Controller(CLIENT_API_PREFIXES)
export class RoomSignalsController {
  constructor(private readonly signals: RoomSignalsService) {}

  @Post('rooms/:roomId/receipt/:receiptType/:eventId')
  @HttpCode(200)
  async receipt(
    @CurrentRequester() requester: Requester,
    @Param('roomId') roomId: string,
    @Param('receiptType') receiptType: string,
    @Param('eventId') eventId: string,
  ) {
    if (!RECEIPT_TYPES.has(receiptType)) throw MatrixError.invalidParam(`Unknown receipt type ${JSON.stringify(receiptType)}`);
    await this.signals.receipt(requester, roomId, eventId);
    return {};
  }

  @Post('rooms/:roomId/read_markers')
  @HttpCode(200)
  async readMarkers(@CurrentRequester() requester: Requester, @Param('roomId') roomId: string, @Body() body: Record<string, unknown>) {
    for (const [key, eventId] of Object.entries(body)) {
      if (RECEIPT_TYPES.has(key) && typeof eventId !== 'string') throw MatrixError.badJson(`${key} must be an event ID`);
    }
    await this.signals.activity(requester, roomId);
    return {};
  }

  @Put('rooms/:roomId/typing/:userId')
  async typing(
    @CurrentRequester() requester: Requester,
    @Param('roomId') roomId: string,
    @Param('userId') userId: string,
    @Body() body: TypingDto,
  ) {
    if (userId !== requester.userId) throw MatrixError.forbidden('You can only set your own typing state');
    await this.signals.activity(requester, roomId, body.typing);
    return {};
  }
}
