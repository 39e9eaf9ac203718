import { Injectable } from '@nestjs/common';
import type { Requester } from '../auth/requester.js';
import { MatrixError } from '../common/matrix-error.js';
import { parseUserId } from '../common/matrix-ids.js';
import { AppConfig } from '../config/app-config.js';
import { ProfileRoomService } from './profile-room.service.js';

const MAX_FIELD_NAME_BYTES = 255;
const MAX_DISPLAYNAME_LENGTH = 256;
const MAX_AVATAR_URL_LENGTH = 1000;

/** The legacy profile API's rules, mapped onto profile-room fields. */
@Injectable()
export class ProfileService {
  constructor(
    private readonly profileRooms: ProfileRoomService,
    private readonly config: AppConfig,
  ) {}

  async getProfile(userId: string): Promise<Record<string, unknown>> {
    await this.requireKnownUser(userId);
    return this.profileRooms.getProfile(userId);
  }

  async getField(userId: string, field: string): Promise<Record<string, unknown>> {
    const profile = await this.getProfile(userId);
    // Own keys only: `constructor` or `toString` are names a client may ask for, not fields.
    if (!Object.hasOwn(profile, field) || profile[field] === undefined) throw MatrixError.notFound(`Profile field ${field} is not set`);
    return { [field]: profile[field] };
  }

  async setField(requester: Requester, userId: string, field: string, body: Record<string, unknown>): Promise<void> {
    await this.requireOwnProfile(requester, userId, field);
    if (!Object.hasOwn(body, field)) throw MatrixError.badJson(`Body must contain the key ${JSON.stringify(field)}`);
    const value = body[field];
    if (field === 'displayname') {
      if (typeof value !== 'string') throw MatrixError.badJson('displayname must be a string');
      if (value.length > MAX_DISPLAYNAME_LENGTH) {
        throw MatrixError.invalidParam(`displayname is longer than ${MAX_DISPLAYNAME_LENGTH} characters`);
      }
    }
    if (field === 'avatar_url') {
      if (typeof value !== 'string') throw MatrixError.badJson('avatar_url must be a string');
      if (value.length > MAX_AVATAR_URL_LENGTH) throw MatrixError.invalidParam('avatar_url is too long');
    }
    await this.profileRooms.setField(userId, field, value === null ? null : value);
  }

  async deleteField(requester: Requester, userId: string, field: string): Promise<void> {
    await this.requireOwnProfile(requester, userId, field);
    await this.profileRooms.setField(userId, field, null);
  }

  private async requireOwnProfile(requester: Requester, userId: string, field: string): Promise<void> {
    if (!parseUserId(userId)) throw MatrixError.invalidParam(`Invalid user ID ${JSON.stringify(userId)}`);
    if (requester.userId !== userId) throw MatrixError.forbidden("You cannot change another user's profile");
    if (Buffer.byteLength(field) > MAX_FIELD_NAME_BYTES) throw MatrixError.invalidParam('Profile field name is too long');
  }

  private async requireKnownUser(userId: string): Promise<void> {
    const parsed = parseUserId(userId);
    if (!parsed) throw MatrixError.invalidParam(`Invalid user ID ${JSON.stringify(userId)}`);
    if (parsed.serverName !== this.config.SERVER_NAME || !(await this.profileRooms.userExists(userId))) {
      throw MatrixError.notFound(`User ${userId} not found`);
    }
  }
}
