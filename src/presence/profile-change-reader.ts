import { Injectable } from '@nestjs/common';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { EventStore } from '../events/event-store.service.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';

/**
 * Reads from the event stream whose presence a user must be told about again: owners whose
 * profile room got a presence, status or profile event, and users who became room-mates.
 */
@Injectable()
export class ProfileChangeReader {
  private readonly changeTypes: string[];

  constructor(
    private readonly store: EventStore,
    private readonly profileRooms: ProfileRoomService,
    ids: MscIdentifiers,
  ) {
    this.changeTypes = [...ids.both('presence'), ...ids.both('status'), ...ids.both('profileField')];
  }

  isProfileChangeType(type: string): boolean {
    return this.changeTypes.includes(type);
  }

  /** Users among `visible` whose presence `viewer` must receive for the window (since, upTo]. */
  async usersChangedBetween(viewer: string, visible: ReadonlySet<string>, since: number, upTo: number): Promise<Set<string>> {
    const changed = new Set<string>();
    // Only the profile rooms of the users this viewer may see are looked at, and no content is read.
    const rooms = await this.profileRooms.profileRoomIds(visible);
    for (const { sender, roomId } of await this.store.sendersBetween({ types: this.changeTypes, roomIds: [...rooms.values()], after: since, upTo })) {
      // Only the owner's own events in their profile room tell of their presence.
      if (rooms.get(sender) === roomId) changed.add(sender);
    }
    const joined = (await this.store.membershipsOf(viewer, ['join'])).map((row) => row.roomId);
    for (const event of await this.store.eventsBetween({ types: ['m.room.member'], roomIds: joined, after: since, upTo })) {
      const previous = (event.unsigned?.prev_content as { membership?: unknown } | undefined)?.membership;
      // Only a join from another membership makes room-mates; join→join is a profile update.
      if (event.content.membership !== 'join' || previous === 'join' || event.stateKey === null) continue;
      if (event.stateKey === viewer) {
        // The viewer joined: everyone already there is a new room-mate.
        for (const member of (await this.store.currentState(event.roomId)).members('join')) if (visible.has(member)) changed.add(member);
      } else if (visible.has(event.stateKey)) {
        changed.add(event.stateKey);
      }
    }
    return changed;
  }
}
