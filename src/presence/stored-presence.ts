import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { EventStore } from '../events/event-store.service.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { EMPTY_INPUTS, type PresenceView } from './core/presence-model.js';
import { publishedViewOf } from './presence-events.js';
import { PresenceStateEntity } from './presence-state.entity.js';
import { fromRow } from './presence-state.mapper.js';
import { TrackedPresence } from './tracked-presence.js';

/** Users whose published presence is read per query. */
const CHUNK = 500;

/**
 * What the store holds of users' presence, read into the engine's shape: each user's inputs (their
 * presence_state row) and what their profile room shows others (m.presence / m.status state, as
 * the store's mirror holds it).
 */
@Injectable()
export class StoredPresence {
  constructor(
    @InjectRepository(PresenceStateEntity) private readonly rows: Repository<PresenceStateEntity>,
    private readonly store: EventStore,
    private readonly profileRooms: ProfileRoomService,
    private readonly ids: MscIdentifiers,
  ) {}

  /** Every user with stored inputs. */
  async all(): Promise<TrackedPresence[]> {
    const rows = await this.rows.find();
    const published = await this.publishedViews(rows.map((row) => row.userId));
    return rows.map((row) => fromRow(row, published.get(row.userId) ?? null));
  }

  /** One user, with no inputs when none are stored. */
  async one(userId: string): Promise<TrackedPresence> {
    const row = await this.rows.findOneBy({ userId });
    const roomId = (await this.profileRooms.profileRoomIds([userId])).get(userId);
    const published = roomId ? publishedViewOf(await this.store.currentState(roomId), this.ids) : null;
    return row ? fromRow(row, published) : new TrackedPresence(userId, EMPTY_INPUTS, published);
  }

  /** Published views of many users, read in chunks of users; users with none are left out. */
  private async publishedViews(userIds: readonly string[]): Promise<Map<string, PresenceView>> {
    const views = new Map<string, PresenceView>();
    const types = [...this.ids.both('presence'), ...this.ids.both('status')];
    for (let start = 0; start < userIds.length; start += CHUNK) {
      const rooms = await this.profileRooms.profileRoomIds(userIds.slice(start, start + CHUNK));
      const states = await this.store.currentStateOfRooms([...rooms.values()], types);
      for (const [userId, roomId] of rooms) {
        const view = publishedViewOf(states.get(roomId)!, this.ids);
        if (view) views.set(userId, view);
      }
    }
    return views;
  }
}
