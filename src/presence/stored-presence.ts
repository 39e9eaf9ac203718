import { Injectable, Logger } from '@nestjs/common';
import { DomainEventBus } from '../common/event-bus.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { NextRun } from '../common/next-run.js';
import { AppConfig } from '../config/app-config.js';
import { SqlStatements } from '../database/sql-statements.js';
import { EventStore } from '../events/event-store.service.js';
import type { RoomState } from '../events/room-state.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { EMPTY_INPUTS, type PresenceView } from './core/presence-model.js';
import { publishedViewOf } from './presence-events.js';
import { fromRow, selectPresenceState, SELECT_ALL_PRESENCE_STATE, type PresenceStateRow } from './presence-state.mapper.js';
import { TrackedPresence } from './tracked-presence.js';

/** Users whose inputs and published presence are read per query. */
const CHUNK = 500;

/** How a process that does not own presence puts what it read into its engine. */
export interface PresenceFollower {
  /** Whether this process owns presence now: its engine is then the truth, and reads nothing back. */
  owning(): boolean;
  restore(tracked: TrackedPresence): void;
  /** Brings the user's inputs here up to the truth, for the user to read themselves. */
  readOwn(userId: string): Promise<void>;
}

/**
 * What the store holds of users' presence, read into the engine's shape: each user's inputs (their
 * presence_state row) and what their profile room shows others (m.presence / m.status state, as
 * the store's mirror holds it). In a cluster, a process that does not own presence reads a user
 * again whenever the owner publishes for them (`follow`), so what it serves is the store's.
 */
@Injectable()
export class StoredPresence {
  private readonly logger = new Logger(StoredPresence.name);
  private follower?: PresenceFollower;
  /** Users being read again after another process published their presence, by the read that covers them. */
  private readonly reloading = new Map<string, Promise<void>>();
  /** Users asked to be read again and not yet taken by a read. */
  private readonly reloadQueue = new Set<string>();
  private readonly reloads = new NextRun(() => this.reload());
  /** The event types a published view is made of: m.presence and m.status, stable and unstable. */
  private readonly viewTypes: string[];

  constructor(
    private readonly sql: SqlStatements,
    private readonly store: EventStore,
    private readonly profileRooms: ProfileRoomService,
    private readonly bus: DomainEventBus,
    private readonly ids: MscIdentifiers,
    private readonly config: AppConfig,
  ) {
    this.viewTypes = [...ids.both('presence'), ...ids.both('status')];
  }

  /** Reads again, into `follower`, each user whose m.presence / m.status another process published; returns what stops. */
  follow(follower: PresenceFollower): () => void {
    this.follower = follower;
    return this.bus.on('room.events.persisted', ({ events, learned }) => {
      if (!learned || follower.owning()) return;
      void this.refresh(events.filter((event) => this.viewTypes.includes(event.type) && event.stateKey !== null).map((event) => event.sender));
    });
  }

  /**
   * Reads the users' stored inputs and published views again, in a read that begins after this
   * call; never rejects. One read at a time: the users asked for while one runs are read together
   * in the next, so a burst of publications costs one query, not one per user.
   */
  refresh(userIds: Iterable<string>): Promise<void> {
    for (const userId of userIds) this.reloadQueue.add(userId);
    if (this.reloadQueue.size === 0) return Promise.resolve();
    const users = [...this.reloadQueue];
    const read = this.reloads.request().catch((error: unknown) => this.logger.error('presence not read again', error instanceof Error ? error.stack : String(error)));
    for (const userId of users) this.reloading.set(userId, read);
    void read.then(() => {
      for (const userId of users) if (this.reloading.get(userId) === read) this.reloading.delete(userId);
    });
    return read;
  }

  /** Reads the users queued so far into the follower. */
  private async reload(): Promise<void> {
    const users = [...this.reloadQueue];
    this.reloadQueue.clear();
    if (users.length === 0) return;
    for (const tracked of await this.many(users)) this.follower?.restore(tracked);
  }

  /** Resolves once what another process published of the user has been read here. */
  async current(userId: string): Promise<void> {
    await this.reloading.get(userId);
  }

  /**
   * A read on a process that does not own presence first learns what any process committed
   * before it began (the events, then the users' published views), and the viewer's own inputs
   * when they read themselves (`readOwn`), which a change may have left unpublished.
   */
  async caughtUp(userIds: readonly string[], viewerId: string): Promise<void> {
    const follower = this.follower;
    if (!this.config.REDIS_URL || !follower || follower.owning()) return;
    await this.store.caughtUp();
    await Promise.all(userIds.map((userId) => (userId === viewerId ? follower.readOwn(userId) : this.current(userId))));
  }

  /** Every user with stored inputs. */
  async all(): Promise<TrackedPresence[]> {
    const rows = await this.sql.all<PresenceStateRow>(SELECT_ALL_PRESENCE_STATE);
    const published = await this.publishedViews(
      rows.map((row) => row.user_id),
      (roomIds) => this.store.currentStateOfRooms(roomIds, this.viewTypes),
    );
    return rows.map((row) => fromRow(row, published.get(row.user_id) ?? null));
  }

  /**
   * These users, each with no inputs when none are stored. Their profile rooms' state comes from
   * the store's mirror, which holds what this process learned (a publication read back costs no
   * query once the room is mirrored); `all` reads every room in one query per chunk instead.
   */
  async many(userIds: readonly string[]): Promise<TrackedPresence[]> {
    const rows = new Map<string, PresenceStateRow>();
    for (let start = 0; start < userIds.length; start += CHUNK) {
      const { sql, values } = selectPresenceState(userIds.slice(start, start + CHUNK));
      for (const row of await this.sql.all<PresenceStateRow>(sql, ...values)) rows.set(row.user_id, row);
    }
    const published = await this.publishedViews(userIds, async (roomIds) => {
      const states = await Promise.all(roomIds.map((roomId) => this.store.currentState(roomId)));
      return new Map(roomIds.map((roomId, index) => [roomId, states[index]]));
    });
    return userIds.map((userId) => {
      const row = rows.get(userId);
      const view = published.get(userId) ?? null;
      return row ? fromRow(row, view) : new TrackedPresence(userId, EMPTY_INPUTS, view);
    });
  }

  /** Published views of many users, in chunks of users, their rooms' state read by `statesOf`; users with none are left out. */
  private async publishedViews(userIds: readonly string[], statesOf: (roomIds: string[]) => Promise<Map<string, RoomState>>): Promise<Map<string, PresenceView>> {
    const views = new Map<string, PresenceView>();
    for (let start = 0; start < userIds.length; start += CHUNK) {
      const rooms = await this.profileRooms.profileRoomIds(userIds.slice(start, start + CHUNK));
      const states = await statesOf([...rooms.values()]);
      for (const [userId, roomId] of rooms) {
        const view = publishedViewOf(states.get(roomId)!, this.ids);
        if (view) views.set(userId, view);
      }
    }
    return views;
  }
}
