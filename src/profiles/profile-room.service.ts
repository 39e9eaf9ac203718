import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { UserEntity } from '../accounts/user.entity.js';
import { MatrixError } from '../common/matrix-error.js';
import { newRoomId, parseUserId } from '../common/matrix-ids.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { AppConfig, ProfileVisibility } from '../config/app-config.js';
import { EventStore } from '../events/event-store.service.js';
import type { RoomState } from '../events/room-state.js';
import { RoomWriteTransaction } from '../events/room-write-transaction.js';
import { RoomEntity } from '../rooms/room.entity.js';
import { profileFieldsOf, profileRoomAlias, profileRoomCreationEvents, profileVisibilityOf } from './profile-room.js';

/** Fields that also live on the user's m.room.member events in every room they are in. */
const MEMBER_EVENT_FIELDS: Record<string, string> = { displayname: 'displayname', avatar_url: 'avatar_url' };

/** Profiles as rooms (MSC1769/MSC4201): each user's profile room, its fields and privacy. */
@Injectable()
export class ProfileRoomService {
  /** Profile room IDs never change once made, so they are cached for the life of the process. */
  private readonly roomIds = new Map<string, string>();
  /** Fields by the state they were read from: a state never changes, and /sync reads them for every presence event. */
  private readonly fieldsByState = new WeakMap<RoomState, Readonly<Record<string, unknown>>>();

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly store: EventStore,
    private readonly config: AppConfig,
    private readonly ids: MscIdentifiers,
  ) {}

  /** The user's profile room, created if it does not exist yet (idempotent). */
  async ensureProfileRoom(userId: string): Promise<string> {
    const cached = this.roomIds.get(userId);
    if (cached) return cached;
    const user = await this.requireUser(userId);
    const roomId =
      user.profileRoomId ??
      (await this.store.write(async (tx) => {
        const fresh = await tx.manager.findOneByOrFail(UserEntity, { userId });
        if (fresh.profileRoomId) return fresh.profileRoomId;
        const created = await this.createProfileRoom(tx, userId);
        await tx.manager.update(UserEntity, { userId }, { profileRoomId: created });
        return created;
      }));
    this.roomIds.set(userId, roomId);
    return roomId;
  }

  /** The profile rooms of many users, from the cache and one query for the rest. */
  async profileRoomIds(userIds: Iterable<string>): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const missing: string[] = [];
    for (const userId of userIds) {
      const cached = this.roomIds.get(userId);
      if (cached) found.set(userId, cached);
      else missing.push(userId);
    }
    for (let start = 0; start < missing.length; start += 500) {
      const rows = await this.users.findBy({ userId: In(missing.slice(start, start + 500)) });
      for (const row of rows) {
        if (!row.profileRoomId) continue;
        this.roomIds.set(row.userId, row.profileRoomId);
        found.set(row.userId, row.profileRoomId);
      }
    }
    return found;
  }

  /** Whether `roomId` is `userId`'s profile room. */
  async isProfileRoomOf(userId: string, roomId: string): Promise<boolean> {
    const cached = this.roomIds.get(userId);
    if (cached) return cached === roomId;
    if (!(await this.userExists(userId))) return false;
    return (await this.ensureProfileRoom(userId)) === roomId;
  }

  /** Creates the profile room inside a caller's transaction (registration creates it with the user). */
  async createProfileRoom(tx: RoomWriteTransaction, userId: string): Promise<string> {
    const { localpart } = parseUserId(userId)!;
    const roomId = newRoomId(this.config.SERVER_NAME);
    const alias = profileRoomAlias(localpart, this.config.SERVER_NAME);
    await tx.insertRoom(
      Object.assign(new RoomEntity(), {
        roomId,
        creator: userId,
        roomType: this.ids.write('profileRoomType'),
        roomVersion: '10',
        isPublic: false,
        createdTs: tx.now,
      }),
    );
    await tx.insertAlias(alias, roomId, userId);
    const events = profileRoomCreationEvents({
      roomId,
      userId,
      alias,
      displayName: localpart,
      visibility: this.config.PROFILE_DEFAULT_VISIBILITY,
      ids: this.ids,
    });
    for (const event of events) await tx.append(event);
    return roomId;
  }

  async getProfile(userId: string): Promise<Record<string, unknown>> {
    const roomId = await this.ensureProfileRoom(userId);
    return this.fieldsOf(await this.store.currentState(roomId));
  }

  private fieldsOf(state: RoomState): Readonly<Record<string, unknown>> {
    let fields = this.fieldsByState.get(state);
    if (!fields) this.fieldsByState.set(state, (fields = Object.freeze(profileFieldsOf(state, this.ids))));
    return fields;
  }

  /** The profile room of a user as the GraphQL API shows it. */
  async summary(userId: string): Promise<{ roomId: string; userId: string; alias: string; privacy: ProfileVisibility; fields: Record<string, unknown> }> {
    const roomId = await this.ensureProfileRoom(userId);
    const state = await this.store.currentState(roomId);
    const alias = state.content('m.room.canonical_alias')?.alias;
    return {
      roomId,
      userId,
      alias: typeof alias === 'string' ? alias : profileRoomAlias(parseUserId(userId)!.localpart, this.config.SERVER_NAME),
      privacy: profileVisibilityOf(state, this.ids) ?? this.config.PROFILE_DEFAULT_VISIBILITY,
      fields: this.fieldsOf(state),
    };
  }

  /** The owner of a profile room, or null when the room is not one. */
  async ownerOf(roomId: string): Promise<string | null> {
    const room = await this.store.room(roomId);
    return room && this.ids.matches('profileRoomType', room.roomType) ? room.creator : null;
  }

  async setVisibility(userId: string, visibility: ProfileVisibility): Promise<void> {
    const roomId = await this.ensureProfileRoom(userId);
    await this.store.write(async (tx) => {
      await tx.append({ roomId, type: this.ids.write('profilePrivacy'), stateKey: '', sender: userId, content: { visibility } });
    });
  }

  /**
   * Sets (or, with null, removes) one profile field: an m.profile state event in the profile
   * room, and for displayname/avatar_url a fresh m.room.member in every room the user is in.
   */
  async setField(userId: string, field: string, value: unknown): Promise<void> {
    const roomId = await this.ensureProfileRoom(userId);
    const joined = await this.store.membershipsOf(userId, ['join']);
    await this.store.write(async (tx) => {
      const content = value === null ? {} : { value };
      await tx.append({ roomId, type: this.ids.write('profileField'), stateKey: field, sender: userId, content });
      const memberKey = Object.hasOwn(MEMBER_EVENT_FIELDS, field) ? MEMBER_EVENT_FIELDS[field] : undefined;
      if (!memberKey) return;
      for (const { roomId: memberRoom } of joined) {
        const state = await tx.state(memberRoom);
        const current = state.content('m.room.member', userId);
        if (current?.membership !== 'join' || current[memberKey] === (value ?? undefined)) continue;
        const next: Record<string, unknown> = { ...current };
        if (value === null) delete next[memberKey];
        else next[memberKey] = value;
        await tx.append({ roomId: memberRoom, type: 'm.room.member', stateKey: userId, sender: userId, content: next });
      }
    });
  }

  async userExists(userId: string): Promise<boolean> {
    return (await this.users.countBy({ userId })) > 0;
  }

  private async requireUser(userId: string): Promise<UserEntity> {
    const user = await this.users.findOneBy({ userId });
    if (!user) throw MatrixError.notFound(`User ${userId} not found`);
    return user;
  }
}
