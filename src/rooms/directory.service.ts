import { Injectable } from '@nestjs/common';
import type { Requester } from '../auth/requester.js';
import { MatrixError } from '../common/matrix-error.js';
import { parseId } from '../common/matrix-ids.js';
import { AppConfig } from '../config/app-config.js';
import { EventStore } from '../events/event-store.service.js';
import { RoomAliasEntity } from './room-alias.entity.js';
import { assertAliasAvailableToClients } from './rooms.service.js';

@Injectable()
export class DirectoryService {
  constructor(
    private readonly store: EventStore,
    private readonly config: AppConfig,
  ) {}

  async resolve(alias: string): Promise<{ room_id: string; servers: string[] }> {
    this.parseLocalAlias(alias);
    const roomId = await this.store.resolveAlias(alias);
    if (!roomId) throw MatrixError.notFound(`Room alias ${alias} not found`);
    return { room_id: roomId, servers: [this.config.SERVER_NAME] };
  }

  async create(requester: Requester, alias: string, roomId: string): Promise<void> {
    this.parseLocalAlias(alias);
    assertAliasAvailableToClients(alias);
    if (!(await this.store.room(roomId))) throw MatrixError.notFound(`Unknown room ${roomId}`);
    if ((await this.store.membership(roomId, requester.userId)) !== 'join') {
      throw MatrixError.forbidden(`You are not in the room ${roomId}`);
    }
    await this.store.write(async (tx) => {
      if (await tx.manager.findOneBy(RoomAliasEntity, { alias })) {
        throw new MatrixError(409, 'M_UNKNOWN', `Room alias ${alias} already exists`);
      }
      await tx.insertAlias(alias, roomId, requester.userId);
    });
  }

  async remove(requester: Requester, alias: string): Promise<void> {
    this.parseLocalAlias(alias);
    await this.store.write(async (tx) => {
      const row = await tx.manager.findOneBy(RoomAliasEntity, { alias });
      if (!row) throw MatrixError.notFound(`Room alias ${alias} not found`);
      if (row.creator !== requester.userId || alias.startsWith('#_profile_')) {
        throw MatrixError.forbidden('Only the creator of an alias may remove it');
      }
      await tx.manager.delete(RoomAliasEntity, { alias });
    });
  }

  private parseLocalAlias(alias: string): void {
    const parsed = parseId(alias, '#');
    if (!parsed) throw MatrixError.invalidParam(`Invalid room alias ${JSON.stringify(alias)}`);
    if (parsed.serverName !== this.config.SERVER_NAME) {
      throw MatrixError.notFound(`Room alias ${alias} is not on this server`);
    }
  }
}
