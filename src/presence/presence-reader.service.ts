import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { decideRoomAccess } from '../access/room-access.js';
import { UserEntity } from '../accounts/user.entity.js';
import { MatrixError } from '../common/matrix-error.js';
import { parseUserId } from '../common/matrix-ids.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { AppConfig } from '../config/app-config.js';
import { EventStore } from '../events/event-store.service.js';
import { profileFieldsOf, profileVisibilityOf } from '../profiles/profile-room.js';
import type { PresenceView } from './core/presence-model.js';
import { PresenceService } from './presence.service.js';

/** One user's presence as a viewer may see it, with the profile fields that ride along. */
export interface PresenceRecord {
  userId: string;
  view: PresenceView;
  displayName: string | null;
  avatarUrl: string | null;
}

/**
 * Reads the presence of many users for one viewer at once, with the same visibility rules as
 * every other read path: a user the viewer may not see comes back as a 403 MatrixError, an
 * unknown one as 404. A constant number of queries whatever the number of users.
 */
@Injectable()
export class PresenceReader {
  private readonly fields = new Map<string, Promise<{ displayName: string | null; avatarUrl: string | null }>>();

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly store: EventStore,
    private readonly presence: PresenceService,
    private readonly ids: MscIdentifiers,
    private readonly config: AppConfig,
  ) {}

  async read(viewer: string, userIds: readonly string[]): Promise<Map<string, PresenceRecord | MatrixError>> {
    const result = new Map<string, PresenceRecord | MatrixError>();
    const wanted = [...new Set(userIds)];
    for (const userId of wanted) {
      if (!parseUserId(userId)) result.set(userId, MatrixError.invalidParam(`Invalid user ID ${JSON.stringify(userId)}`));
    }
    const valid = wanted.filter((userId) => !result.has(userId));
    const rows = valid.length === 0 ? [] : await this.users.findBy({ userId: In(valid) });
    const roomOf = new Map(rows.filter((row) => row.profileRoomId).map((row) => [row.userId, row.profileRoomId as string]));
    const sharing = valid.some((userId) => userId !== viewer) ? await this.store.usersSharingRoomWith(viewer) : new Set<string>();
    const states = await this.store.currentStateOfRooms(
      [...roomOf.values()],
      [...this.ids.both('profileField'), ...this.ids.both('profilePrivacy')],
      viewer,
    );
    for (const userId of valid) {
      const roomId = roomOf.get(userId);
      const state = roomId ? states.get(roomId) : undefined;
      if (!roomId || !state) {
        result.set(userId, MatrixError.notFound(`User ${userId} not found`));
        continue;
      }
      const decision = decideRoomAccess({
        viewer,
        membership: state.membership(viewer) ?? null,
        profile: { owner: userId, visibility: profileVisibilityOf(state, this.ids) ?? this.config.PROFILE_DEFAULT_VISIBILITY },
        historyVisibility: 'shared',
      });
      const allowed = decision === 'allow' || (decision === 'allow-if-shares-room-with-owner' && sharing.has(userId));
      if (!allowed) {
        result.set(userId, MatrixError.forbidden(`You are not allowed to see the presence of ${userId}`));
        continue;
      }
      const fields = profileFieldsOf(state, this.ids);
      result.set(userId, {
        userId,
        view: this.presence.view(userId, viewer),
        displayName: typeof fields.displayname === 'string' ? fields.displayname : null,
        avatarUrl: typeof fields.avatar_url === 'string' ? fields.avatar_url : null,
      });
    }
    return result;
  }

  /**
   * What everyone but the user sees, for live streams: the published view (in memory) and the
   * profile fields riding along, cached until the user's profile changes (`forget`).
   */
  async publicRecord(userId: string): Promise<PresenceRecord> {
    let fields = this.fields.get(userId);
    if (!fields) {
      fields = this.loadFields(userId);
      this.fields.set(userId, fields);
      fields.catch(() => this.fields.delete(userId));
    }
    const { displayName, avatarUrl } = await fields;
    return { userId, view: this.presence.view(userId, ''), displayName, avatarUrl };
  }

  /** Drops cached profile fields of a user whose profile room changed. */
  forget(userId: string): void {
    this.fields.delete(userId);
  }

  private async loadFields(userId: string): Promise<{ displayName: string | null; avatarUrl: string | null }> {
    const row = await this.users.findOneBy({ userId });
    if (!row?.profileRoomId) throw MatrixError.notFound(`User ${userId} not found`);
    const state = (await this.store.currentStateOfRooms([row.profileRoomId], this.ids.both('profileField'))).get(row.profileRoomId)!;
    const fields = profileFieldsOf(state, this.ids);
    return {
      displayName: typeof fields.displayname === 'string' ? fields.displayname : null,
      avatarUrl: typeof fields.avatar_url === 'string' ? fields.avatar_url : null,
    };
  }

  /** One user, or the error that stands for them. */
  async readOne(viewer: string, userId: string): Promise<PresenceRecord> {
    const record = (await this.read(viewer, [userId])).get(userId)!;
    if (record instanceof MatrixError) throw record;
    return record;
  }
}
