import { Injectable } from '@nestjs/common';
import type { Requester } from '../auth/requester.js';
import { DomainEventBus } from '../common/event-bus.js';
import { MatrixError } from '../common/matrix-error.js';
import { newRoomId, parseId, parseUserId } from '../common/matrix-ids.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { AppConfig } from '../config/app-config.js';
import { EventEntity } from '../events/event.entity.js';
import { EventStore } from '../events/event-store.service.js';
import { RoomWriteTransaction } from '../events/room-write-transaction.js';
import type { Membership } from '../events/room-membership.entity.js';
import type { RoomState } from '../events/room-state.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import type { CreateRoomDto } from './dto/create-room.dto.js';
import { checkEventAuth, type CandidateEvent } from './room-auth-rules.js';
import { defaultPowerLevels, presetState } from './room-presets.js';
import { RoomEntity } from './room.entity.js';

/** Rooms as clients act on them: create, membership, sending, state. Every write passes the auth rules. */
@Injectable()
export class RoomsService {
  constructor(
    private readonly store: EventStore,
    private readonly profiles: ProfileRoomService,
    private readonly config: AppConfig,
    private readonly ids: MscIdentifiers,
    private readonly bus: DomainEventBus,
  ) {}

  async createRoom(requester: Requester, request: CreateRoomDto): Promise<{ room_id: string; room_alias?: string }> {
    const creator = requester.userId;
    const invitees = request.invite ?? [];
    for (const invitee of invitees) await this.requireLocalUser(invitee);
    const alias = request.room_alias_name === undefined ? undefined : this.aliasFromName(request.room_alias_name);
    const preset = request.preset ?? (request.visibility === 'public' ? 'public_chat' : 'private_chat');
    for (const initial of request.initial_state ?? []) this.refuseReservedType(initial.type);
    if (request.initial_state?.some((initial) => initial.type === 'm.room.create')) {
      throw MatrixError.badJson('initial_state cannot contain m.room.create; use creation_content');
    }
    const creatorMember = await this.memberContent(creator, 'join');
    const roomId = newRoomId(this.config.SERVER_NAME);

    await this.store.write(async (tx) => {
      const creationContent: Record<string, unknown> = { ...(request.creation_content ?? {}), creator, room_version: '10' };
      await tx.insertRoom(
        Object.assign(new RoomEntity(), {
          roomId,
          creator,
          roomType: typeof creationContent.type === 'string' ? creationContent.type : null,
          roomVersion: '10',
          isPublic: request.visibility === 'public',
          createdTs: tx.now,
        }),
      );
      if (alias) await tx.insertAlias(alias, roomId, creator);
      const server = (type: string, content: Record<string, unknown>, stateKey = '') =>
        tx.append({ roomId, type, stateKey, sender: creator, content });
      await server('m.room.create', creationContent);
      await server('m.room.member', creatorMember, creator);
      await server('m.room.power_levels', {
        ...defaultPowerLevels(creator, preset, invitees),
        ...(request.power_level_content_override ?? {}),
      });
      if (alias) await server('m.room.canonical_alias', { alias });
      for (const { type, content } of presetState(preset)) await server(type, content);
      const clientState: CandidateEvent[] = [
        ...(request.initial_state ?? []).map((initial) => ({
          type: initial.type,
          stateKey: initial.state_key ?? '',
          sender: creator,
          content: initial.content,
        })),
        ...(request.name !== undefined ? [{ type: 'm.room.name', stateKey: '', sender: creator, content: { name: request.name } }] : []),
        ...(request.topic !== undefined ? [{ type: 'm.room.topic', stateKey: '', sender: creator, content: { topic: request.topic } }] : []),
      ];
      for (const event of clientState) await this.authorisedAppend(tx, roomId, event);
      for (const invitee of invitees) {
        const content = { ...(await this.memberContent(invitee, 'invite')), ...(request.is_direct ? { is_direct: true } : {}) };
        await this.authorisedAppend(tx, roomId, { type: 'm.room.member', stateKey: invitee, sender: creator, content });
      }
    });
    return alias ? { room_id: roomId, room_alias: alias } : { room_id: roomId };
  }

  async join(requester: Requester, roomIdOrAlias: string, reason?: string): Promise<string> {
    const roomId = await this.resolveRoom(roomIdOrAlias);
    const content = { ...(await this.memberContent(requester.userId, 'join')), ...(reason ? { reason } : {}) };
    await this.store.write(async (tx) => {
      const state = await tx.state(roomId);
      if (state.membership(requester.userId) === 'join') return;
      await this.authorisedAppend(tx, roomId, { type: 'm.room.member', stateKey: requester.userId, sender: requester.userId, content });
    });
    return roomId;
  }

  async invite(requester: Requester, roomId: string, target: string, reason?: string): Promise<void> {
    await this.requireLocalUser(target);
    await this.requireRoom(roomId);
    const content = { ...(await this.memberContent(target, 'invite')), ...(reason ? { reason } : {}) };
    await this.store.write(async (tx) => {
      const state = await tx.state(roomId);
      if (state.membership(target) === 'invite' && state.membership(requester.userId) === 'join') return;
      await this.authorisedAppend(tx, roomId, { type: 'm.room.member', stateKey: target, sender: requester.userId, content });
    });
  }

  /** Leave (target = self), kick (leave for another), ban and unban share one path. */
  async changeMembership(
    requester: Requester,
    roomId: string,
    target: string,
    membership: Extract<Membership, 'leave' | 'ban'>,
    reason?: string,
  ): Promise<void> {
    if (!parseUserId(target)) throw MatrixError.invalidParam(`Invalid user ID ${JSON.stringify(target)}`);
    await this.requireRoom(roomId);
    await this.store.write(async (tx) => {
      const state = await tx.state(roomId);
      const current = state.membership(target);
      if (requester.userId === target && membership === 'leave' && (current === 'leave' || current === 'ban')) return;
      const content: Record<string, unknown> = { membership, ...(reason ? { reason } : {}) };
      await this.authorisedAppend(tx, roomId, { type: 'm.room.member', stateKey: target, sender: requester.userId, content });
    });
  }

  async sendMessage(
    requester: Requester,
    roomId: string,
    type: string,
    txnId: string,
    content: Record<string, unknown>,
  ): Promise<string> {
    const earlier = await this.store.findByTxn(requester.userId, requester.deviceId, txnId);
    if (earlier) return earlier.eventId;
    this.refuseReservedType(type);
    const eventId = await this.store.write(async (tx) => {
      const event = await this.authorisedAppend(tx, roomId, { type, sender: requester.userId, content }, { deviceId: requester.deviceId, txnId });
      return event.eventId;
    });
    this.bus.emit('user.activity', requester);
    return eventId;
  }

  async setState(
    requester: Requester,
    roomId: string,
    type: string,
    stateKey: string,
    content: Record<string, unknown>,
  ): Promise<string> {
    this.refuseReservedType(type);
    if (type === 'm.room.create') throw MatrixError.forbidden('m.room.create cannot be changed');
    const eventId = await this.store.write(async (tx) => {
      const current = (await tx.state(roomId)).get(type, stateKey);
      // Re-sending identical state is a no-op that returns the existing event, as Synapse does.
      if (current && current.sender === requester.userId && sameJson(current.content, content)) return current.eventId;
      const event = await this.authorisedAppend(tx, roomId, { type, stateKey, sender: requester.userId, content }, { deviceId: requester.deviceId });
      return event.eventId;
    });
    this.bus.emit('user.activity', requester);
    return eventId;
  }

  /** The current state of a room the requester is in; in a cluster it holds whatever any process committed before the read began. */
  async readableState(requester: Requester, roomId: string): Promise<RoomState> {
    await this.store.caughtUp();
    const state = await this.store.currentState(roomId);
    if (state.membership(requester.userId) !== 'join') {
      throw MatrixError.forbidden(`You are not in the room ${roomId}`);
    }
    return state;
  }

  async getEvent(requester: Requester, roomId: string, eventId: string): Promise<EventEntity> {
    await this.readableState(requester, roomId);
    const event = await this.store.getEvent(eventId);
    if (!event || event.roomId !== roomId) throw MatrixError.notFound('Event not found');
    return event;
  }

  async joinedRooms(userId: string): Promise<string[]> {
    return (await this.store.membershipsOf(userId, ['join'])).map((row) => row.roomId);
  }

  /** The room an ID or alias names; 404 when there is none. */
  async resolveRoom(roomIdOrAlias: string): Promise<string> {
    if (roomIdOrAlias.startsWith('#')) {
      if (!parseId(roomIdOrAlias, '#')) throw MatrixError.invalidParam(`Invalid room alias ${JSON.stringify(roomIdOrAlias)}`);
      const roomId = await this.store.resolveAlias(roomIdOrAlias);
      if (!roomId) throw MatrixError.notFound(`Room alias ${roomIdOrAlias} not found`);
      return roomId;
    }
    if (!parseId(roomIdOrAlias, '!')) throw MatrixError.invalidParam(`Invalid room ID ${JSON.stringify(roomIdOrAlias)}`);
    await this.requireRoom(roomIdOrAlias);
    return roomIdOrAlias;
  }

  private async requireRoom(roomId: string): Promise<void> {
    if (!(await this.store.room(roomId))) throw MatrixError.notFound(`Unknown room ${roomId}`);
  }

  private async authorisedAppend(
    tx: RoomWriteTransaction,
    roomId: string,
    event: CandidateEvent,
    origin: { deviceId?: string; txnId?: string } = {},
  ): Promise<EventEntity> {
    const state = await tx.state(roomId);
    if (state.isEmpty) throw MatrixError.forbidden(`You are not in the room ${roomId}`);
    const refusal = checkEventAuth(state, event);
    if (refusal) throw MatrixError.forbidden(refusal);
    return tx.append({ roomId, ...event, ...origin });
  }

  /** Presence is published by the server alone, in any room. */
  private refuseReservedType(type: string): void {
    if (this.ids.matches('presence', type)) {
      throw MatrixError.forbidden(`${type} events are published by the server, not sent by clients`);
    }
  }

  private async memberContent(userId: string, membership: Membership): Promise<Record<string, unknown>> {
    const profile = await this.profiles.getProfile(userId);
    const content: Record<string, unknown> = { membership };
    if (typeof profile.displayname === 'string') content.displayname = profile.displayname;
    if (typeof profile.avatar_url === 'string') content.avatar_url = profile.avatar_url;
    return content;
  }

  private async requireLocalUser(userId: string): Promise<void> {
    const parsed = parseUserId(userId);
    if (!parsed) throw MatrixError.invalidParam(`Invalid user ID ${JSON.stringify(userId)}`);
    if (parsed.serverName !== this.config.SERVER_NAME) {
      throw MatrixError.forbidden('This server does not federate; only local users can be invited');
    }
    if (!(await this.profiles.userExists(userId))) throw MatrixError.notFound(`User ${userId} not found`);
  }

  private aliasFromName(name: string): string {
    if (name.length === 0 || /[:\s#]/.test(name)) {
      throw MatrixError.invalidParam('room_alias_name may not be empty or contain ":", "#" or white space');
    }
    const alias = `#${name}:${this.config.SERVER_NAME}`;
    assertAliasAvailableToClients(alias);
    return alias;
  }
}

/** Profile room aliases belong to their users; nobody may claim one for another room. */
export function assertAliasAvailableToClients(alias: string): void {
  if (alias.startsWith('#_profile_')) throw MatrixError.forbidden('Aliases starting with #_profile_ are reserved for profile rooms');
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
