import { Args, ID, Mutation, Query, Resolver, Subscription } from '@nestjs/graphql';
import type { Requester } from '../auth/requester.js';
import { Clock } from '../common/clock.js';
import { MatrixError } from '../common/matrix-error.js';
import { isLive } from '../presence/core/presence-rules.js';
import { PresenceCommands } from '../presence/presence-commands.service.js';
import { PresenceService } from '../presence/presence.service.js';
import { PresenceLoader, Viewer, type GraphqlContext } from './graphql-context.js';
import { toDevicePresence, toPresence } from './mappers.js';
import { MAX_PRESENCE_USERS, PresenceFanout } from './presence-fanout.service.js';
import type { PresenceItem } from './presence-stream.js';
import { Me } from './models/me.model.js';
import { ReportDeviceActivityArgs, SetManualPresenceArgs, SetStatusArgs } from './models/presence.args.js';
import { Presence, PresenceStateValue } from './models/presence.model.js';

/** Presence over GraphQL: the same services as the REST endpoints, no rules of its own. */
@Resolver(() => Presence)
export class PresenceResolver {
  constructor(
    private readonly commands: PresenceCommands,
    private readonly engine: PresenceService,
    private readonly fanout: PresenceFanout,
    private readonly clock: Clock,
  ) {}

  @Query(() => Me, { description: 'The authenticated user, their presence and their devices.' })
  async me(@Viewer() viewer: Requester, @PresenceLoader() loader: GraphqlContext['presence']): Promise<Me> {
    // Loaded first: in a cluster the load reads the viewer's own inputs back from the store.
    const presence = await loader.load(viewer.userId);
    const inputs = this.engine.inputsOf(viewer.userId);
    const now = this.clock.now();
    return Object.assign(new Me(), {
      userId: viewer.userId,
      deviceId: viewer.deviceId,
      presence: toPresence(presence, now),
      manualPresence: inputs.manual as PresenceStateValue | null,
      appearOffline: inputs.appearOffline !== null,
      devices: inputs.devices.map((device) => toDevicePresence(device, isLive(device, now, this.engine.settingsSnapshot))),
    });
  }

  @Query(() => Presence, { description: "One user's presence (FORBIDDEN if the viewer may not see it)." })
  async presence(@Args('userId', { type: () => ID }) userId: string, @PresenceLoader() loader: GraphqlContext['presence']): Promise<Presence> {
    return toPresence(await loader.load(userId), this.clock.now());
  }

  @Query(() => [Presence], {
    nullable: 'items',
    description: `Many users' presence in one batched lookup (at most ${MAX_PRESENCE_USERS}); an item the viewer may not see is null with a FORBIDDEN error.`,
    complexity: ({ args, childComplexity }) => Math.max(1, (args.userIds as unknown[] | undefined)?.length ?? 1) * childComplexity,
  })
  presences(@Args('userIds', { type: () => [ID] }) userIds: string[], @PresenceLoader() loader: GraphqlContext['presence']): Promise<Presence>[] {
    if (userIds.length > MAX_PRESENCE_USERS) throw MatrixError.invalidParam(`presences takes at most ${MAX_PRESENCE_USERS} user IDs`);
    return userIds.map(async (userId) => toPresence(await loader.load(userId), this.clock.now()));
  }

  @Mutation(() => Presence, { description: 'The manual layer: ONLINE clears it, BUSY/UNAVAILABLE hold, OFFLINE appears offline. The status text changes only when given.' })
  async setManualPresence(
    @Viewer() viewer: Requester,
    @PresenceLoader() loader: GraphqlContext['presence'],
    @Args() { state, statusMsg }: SetManualPresenceArgs,
  ): Promise<Presence> {
    await this.commands.setManual(viewer, state, statusMsg);
    return this.own(viewer, loader);
  }

  @Mutation(() => Presence, { description: 'Back to automatic presence (clears busy/unavailable and appear-offline).' })
  async clearManualPresence(@Viewer() viewer: Requester, @PresenceLoader() loader: GraphqlContext['presence']): Promise<Presence> {
    await this.commands.clearManual(viewer);
    return this.own(viewer, loader);
  }

  @Mutation(() => Presence, { description: 'Appear offline to everyone else while keeping the manual layer.' })
  async setAppearOffline(@Viewer() viewer: Requester, @PresenceLoader() loader: GraphqlContext['presence'], @Args('enabled') enabled: boolean): Promise<Presence> {
    await this.commands.setAppearOffline(viewer, enabled);
    return this.own(viewer, loader);
  }

  @Mutation(() => Presence, { description: 'Sets the status text (m.status); null or empty clears it.' })
  async setStatus(@Viewer() viewer: Requester, @PresenceLoader() loader: GraphqlContext['presence'], @Args() { statusMsg }: SetStatusArgs): Promise<Presence> {
    await this.commands.setStatus(viewer, statusMsg ?? null);
    return this.own(viewer, loader);
  }

  @Mutation(() => Presence, { description: "An automatic report for one of the viewer's devices (the current one by default)." })
  async reportDeviceActivity(
    @Viewer() viewer: Requester,
    @PresenceLoader() loader: GraphqlContext['presence'],
    @Args() { state, deviceId }: ReportDeviceActivityArgs,
  ): Promise<Presence> {
    await this.commands.reportDevice(viewer, state, deviceId ?? undefined);
    return this.own(viewer, loader);
  }

  @Subscription(() => Presence, {
    description:
      'The presence of the given users: the current value of each first, then every change. A user the viewer may not see, or no longer sees, gets one message with a FORBIDDEN error (NOT_FOUND for an unknown user) naming them in extensions.userId, and nothing more on this subscription; the others keep streaming. The subscription completes once no user is left.',
    // A refused user arrives as their error, which graphql-js turns into this message's error.
    resolve: (payload: PresenceItem) => payload,
  })
  presenceChanged(@Viewer() viewer: Requester, @Args('userIds', { type: () => [ID] }) userIds: string[]) {
    return this.fanout.follow(viewer, userIds);
  }

  /** The viewer's own presence after a mutation, read fresh. */
  private async own(viewer: Requester, loader: GraphqlContext['presence']): Promise<Presence> {
    loader.clear(viewer.userId);
    return toPresence(await loader.load(viewer.userId), this.clock.now());
  }
}
