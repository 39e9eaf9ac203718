import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { RoomAccessService } from '../access/room-access.service.js';
import type { Requester } from '../auth/requester.js';
import { MatrixError } from '../common/matrix-error.js';
import { EventStore } from '../events/event-store.service.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { ProfileService } from '../profiles/profile.service.js';
import { Viewer } from './graphql-context.js';
import { LiveSubscriptions } from './live-subscriptions.service.js';
import { toStateEvent } from './mappers.js';
import { SetProfileFieldArgs } from './models/presence.args.js';
import { ProfileRoom, ProfileRoomEvent, ProfileVisibilityValue, StateEvent } from './models/profile-room.model.js';

/** Profile rooms over GraphQL, with the same access rule as peeking. */
@Resolver(() => ProfileRoom)
export class ProfileRoomResolver {
  constructor(
    private readonly profileRooms: ProfileRoomService,
    private readonly profiles: ProfileService,
    private readonly access: RoomAccessService,
    private readonly store: EventStore,
    private readonly live: LiveSubscriptions,
  ) {}

  @Query(() => ProfileRoom, { description: "A user's profile room (FORBIDDEN if the viewer may not peek it)." })
  async profileRoom(@Viewer() viewer: Requester, @Args('userId', { type: () => ID }) userId: string): Promise<ProfileRoom> {
    if (!(await this.profileRooms.userExists(userId))) throw MatrixError.notFound(`User ${userId} not found`);
    await this.access.assertMayRead(viewer.userId, await this.profileRooms.ensureProfileRoom(userId));
    return this.summary(userId);
  }

  @Query(() => [StateEvent], { description: 'The current state of a profile room, optionally only some event types.' })
  async profileRoomState(
    @Viewer() viewer: Requester,
    @Args('roomId', { type: () => ID }) roomId: string,
    @Args('types', { type: () => [String], nullable: true }) types?: string[] | null,
  ): Promise<StateEvent[]> {
    await this.access.assertMayRead(viewer.userId, roomId);
    if (!(await this.profileRooms.ownerOf(roomId))) throw MatrixError.invalidParam(`${roomId} is not a profile room`);
    return this.stateEvents(Object.assign(new ProfileRoom(), { roomId }), types);
  }

  @Mutation(() => ProfileRoom, { description: 'Sets one profile field (displayname, avatar_url or any other); null removes it.' })
  async setProfileField(@Viewer() viewer: Requester, @Args() { field, value }: SetProfileFieldArgs): Promise<ProfileRoom> {
    if (value === null || value === undefined) await this.profiles.deleteField(viewer, viewer.userId, field);
    else await this.profiles.setField(viewer, viewer.userId, field, { [field]: value });
    return this.summary(viewer.userId);
  }

  @Mutation(() => ProfileRoom, { description: "Who may peek the viewer's profile room." })
  async setProfilePrivacy(
    @Viewer() viewer: Requester,
    @Args('visibility', { type: () => ProfileVisibilityValue }) visibility: ProfileVisibilityValue,
  ): Promise<ProfileRoom> {
    await this.profileRooms.setVisibility(viewer.userId, visibility);
    return this.summary(viewer.userId);
  }

  @Subscription(() => ProfileRoomEvent, {
    description: 'Every new state event of a profile room (by owner or room ID), in order; pass the last token as `since` to resume.',
    resolve: (payload: ProfileRoomEvent) => payload,
  })
  profileRoomEvents(
    @Viewer() viewer: Requester,
    @Args('userId', { type: () => ID, nullable: true }) userId?: string | null,
    @Args('roomId', { type: () => ID, nullable: true }) roomId?: string | null,
    @Args('since', { type: () => String, nullable: true }) since?: string | null,
  ) {
    return this.live.profileRoomEvents(viewer, { userId: userId ?? undefined, roomId: roomId ?? undefined }, since ?? undefined);
  }

  @ResolveField(() => [StateEvent], { description: 'The room\'s current state events, optionally only some types.' })
  async stateEvents(
    @Parent() room: ProfileRoom,
    @Args('types', { type: () => [String], nullable: true }) types?: string[] | null,
  ): Promise<StateEvent[]> {
    // The parent field already checked that the viewer may read this room.
    const state = await this.store.currentState(room.roomId);
    return state
      .events()
      .filter((event) => !types || types.includes(event.type))
      .sort((a, b) => a.streamOrdering - b.streamOrdering)
      .map(toStateEvent);
  }

  private async summary(userId: string): Promise<ProfileRoom> {
    const summary = await this.profileRooms.summary(userId);
    return Object.assign(new ProfileRoom(), { ...summary, privacy: summary.privacy as ProfileVisibilityValue });
  }
}
