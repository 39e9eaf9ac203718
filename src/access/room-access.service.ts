import { Injectable } from '@nestjs/common';
import { MatrixError } from '../common/matrix-error.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { AppConfig } from '../config/app-config.js';
import { EventStore } from '../events/event-store.service.js';
import { profileVisibilityOf } from '../profiles/profile-room.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { decideRoomAccess } from './room-access.js';

/**
 * The one check behind every read path of a room the reader has not joined (legacy GET,
 * initialSync, /events, MSC2753 peeks, GraphQL). It reads current state each time, so a
 * privacy change or a left room takes effect on the very next check.
 */
@Injectable()
export class RoomAccessService {
  constructor(
    private readonly store: EventStore,
    private readonly profileRooms: ProfileRoomService,
    private readonly ids: MscIdentifiers,
    private readonly config: AppConfig,
  ) {}

  async mayRead(viewer: string | null, roomId: string): Promise<boolean> {
    const room = await this.store.room(roomId);
    if (!room) return false;
    const state = await this.store.currentState(roomId);
    const isProfile = this.ids.matches('profileRoomType', room.roomType);
    const decision = decideRoomAccess({
      viewer,
      membership: viewer ? (state.membership(viewer) ?? null) : null,
      profile: isProfile
        ? { owner: room.creator, visibility: profileVisibilityOf(state, this.ids) ?? this.config.PROFILE_DEFAULT_VISIBILITY }
        : null,
      historyVisibility: state.historyVisibility(),
    });
    if (decision === 'allow-if-shares-room-with-owner') return viewer !== null && this.store.sharesJoinedRoom(viewer, room.creator);
    return decision === 'allow';
  }

  /** 404 for a room that does not exist, 403 for one the viewer may not read. */
  async assertMayRead(viewer: string | null, roomId: string): Promise<void> {
    if (!(await this.store.room(roomId))) throw MatrixError.notFound(`Unknown room ${roomId}`);
    if (!(await this.mayRead(viewer, roomId))) throw MatrixError.forbidden(`You may not peek into ${roomId}`);
  }

  /** Whether `viewer` may see `owner`'s presence: themselves, a room-mate, or anyone who may peek the profile room. */
  async maySeePresence(viewer: string, owner: string): Promise<boolean> {
    if (viewer === owner || (await this.store.sharesJoinedRoom(viewer, owner))) return true;
    return this.mayRead(viewer, await this.profileRooms.ensureProfileRoom(owner));
  }
}
