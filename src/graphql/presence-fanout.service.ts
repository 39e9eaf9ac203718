import { Inject, Injectable, Logger } from '@nestjs/common';
import { PresenceVisibilityCache } from '../access/presence-visibility-cache.js';
import type { Requester } from '../auth/requester.js';
import { Clock } from '../common/clock.js';
import { MatrixError } from '../common/matrix-error.js';
import { Metrics } from '../operations/metrics/metrics.js';
import { PresenceReader } from '../presence/presence-reader.service.js';
import { StoredPresence } from '../presence/stored-presence.js';
import { toPresence } from './mappers.js';
import type { Presence } from './models/presence.model.js';
import { PresenceStream, refusalOf, type Follow, type PresenceHub, type PresenceItem, type PresenceRenderer } from './presence-stream.js';
import { PUB_SUB, TRIGGERS, type LivePubSub } from './pubsub.js';

/** The most users one presence query or subscription may ask for. */
export const MAX_PRESENCE_USERS = 1000;

/**
 * Delivers presence changes to every stream that follows the user. Per change, the user's public
 * presence is read once (cached), each follower's access is checked again (cached until any
 * membership or privacy changes), and the change is rendered once per renderer. A follower who
 * lost access gets the user's refusal instead (rendered once per renderer too) and no more of
 * that user; the rest of its stream goes on. Changes of one user are handled one at a time, in
 * order; a burst is folded into its latest state.
 */
@Injectable()
export class PresenceFanout implements PresenceHub {
  private readonly logger = new Logger(PresenceFanout.name);
  private readonly followers = new Map<string, Set<Follow>>();
  private readonly triggers = new Map<string, Promise<number>>();
  /** Users whose change is being delivered; `true` when another came in meanwhile. */
  private readonly delivering = new Map<string, boolean>();
  /** When the oldest change not yet delivered reached the fan-out, per user (performance.now()). */
  private readonly changedAt = new Map<string, number>();

  constructor(
    @Inject(PUB_SUB) private readonly pubsub: LivePubSub,
    private readonly reader: PresenceReader,
    private readonly stored: StoredPresence,
    private readonly visibility: PresenceVisibilityCache,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  follow(viewer: Requester, userIds: string[]): PresenceStream {
    if (userIds.length === 0 || userIds.length > MAX_PRESENCE_USERS) {
      throw MatrixError.invalidParam(`userIds must list between 1 and ${MAX_PRESENCE_USERS} users`);
    }
    return new PresenceStream(this, viewer.userId, [...new Set(userIds)]);
  }

  async start(stream: PresenceStream): Promise<void> {
    // Follow before reading the initial values, so no change falls between the two: the triggers
    // are subscribed (in a cluster, Redis has confirmed it), and the read covers what any process
    // published before.
    for (const follow of stream.follows) this.add(follow);
    try {
      await Promise.all(stream.userIds.map((userId) => this.triggers.get(userId)));
      await this.stored.caughtUp(stream.userIds, stream.viewerId);
      const epoch = this.visibility.currentEpoch;
      const initial = await this.reader.read(stream.viewerId, stream.userIds);
      const now = this.clock.now();
      const renderer = stream.sink!.renderer;
      for (const follow of stream.follows) {
        const record = initial.get(follow.userId)!;
        if (record instanceof MatrixError) {
          // A user the viewer may not see (or who does not exist) is refused alone.
          const refusal = refusalOf(follow.userId, record);
          const rendered = renderer ? await renderer.render(refusal) : null;
          this.remove(follow);
          stream.refuse(follow, refusal, rendered);
          if (stream.closed) return;
          continue;
        }
        const presence = toPresence(record, now);
        // The read checked access: until a membership or privacy change, no change needs another check.
        follow.print = fingerprint(presence);
        follow.visibleAt = epoch;
        const rendered = renderer ? await renderer.render(presence) : null;
        if (stream.closed) return;
        stream.send(presence, rendered);
      }
      stream.live = true;
      for (const userId of stream.pending) this.changed(userId);
      stream.pending.clear();
    } catch (error) {
      stream.fail(error instanceof MatrixError ? error : this.unexpected(error));
    }
  }

  stop(stream: PresenceStream): void {
    for (const follow of stream.follows) this.remove(follow);
  }

  /** A user's presence, status, profile or privacy changed. */
  changed(userId: string): void {
    if (!this.changedAt.has(userId)) this.changedAt.set(userId, performance.now());
    if (this.delivering.has(userId)) {
      this.delivering.set(userId, true);
      return;
    }
    this.delivering.set(userId, false);
    void (async () => {
      try {
        do {
          this.delivering.set(userId, false);
          await this.deliver(userId);
        } while (this.delivering.get(userId));
      } catch (error) {
        this.logger.error(`Delivering a presence change of ${userId} failed`, error instanceof Error ? error.stack : String(error));
      } finally {
        this.delivering.delete(userId);
      }
    })();
  }

  private async deliver(userId: string): Promise<void> {
    const since = this.changedAt.get(userId) ?? performance.now();
    this.changedAt.delete(userId);
    const follows = this.followers.get(userId);
    if (!follows || follows.size === 0) return;
    const shared = toPresence(await this.reader.publicRecord(userId), this.clock.now());
    const print = fingerprint(shared);
    const due: PresenceStream[] = [];
    const refused: Follow[] = [];
    // A Set tolerates streams ending (or starting) while it is iterated.
    for (const follow of follows) {
      const stream = follow.stream;
      if (stream.closed) continue;
      if (!stream.live) {
        stream.pending.add(userId);
        continue;
      }
      if (stream.viewerId === userId) {
        // The owner sees their own truth (appear-offline hides it only from others).
        await this.deliverOwn(follow);
        continue;
      }
      const epoch = this.visibility.currentEpoch;
      if (follow.visibleAt !== epoch) {
        const visible = this.visibility.known(stream.viewerId, userId) ?? (await this.visibility.maySeePresence(stream.viewerId, userId));
        if (!visible) {
          refused.push(follow);
          continue;
        }
        follow.visibleAt = epoch;
      }
      if (follow.print === print) continue;
      follow.print = print;
      due.push(stream);
    }
    // Render once per renderer, then send without yielding in between.
    const rendered = await renderOnce(due, shared);
    for (const stream of due) stream.send(shared, renderedFor(stream, rendered));
    if (due.length > 0) {
      this.metrics.fanoutDeliveries.inc(due.length);
      this.metrics.fanoutLatency.observe((performance.now() - since) / 1000);
    }
    if (refused.length > 0) await this.refuse(userId, refused);
  }

  /** Ends `userId`'s part of each of these streams with one FORBIDDEN item; the rest goes on. */
  private async refuse(userId: string, refused: readonly Follow[]): Promise<void> {
    for (const follow of refused) this.remove(follow);
    const refusal = refusalOf(userId, MatrixError.forbidden(`You are not allowed to see the presence of ${userId}`));
    const rendered = await renderOnce(refused.map((follow) => follow.stream), refusal);
    for (const follow of refused) follow.stream.refuse(follow, refusal, renderedFor(follow.stream, rendered));
  }

  private async deliverOwn(follow: Follow): Promise<void> {
    const { stream, userId } = follow;
    const presence = toPresence(await this.reader.readOne(userId, userId), this.clock.now());
    const print = fingerprint(presence);
    if (follow.print === print) return;
    follow.print = print;
    const rendered = stream.sink!.renderer ? await stream.sink!.renderer.render(presence) : null;
    stream.send(presence, rendered);
    this.metrics.fanoutDeliveries.inc();
  }

  private add(follow: Follow): void {
    const { userId } = follow;
    let follows = this.followers.get(userId);
    if (!follows) {
      follows = new Set();
      this.followers.set(userId, follows);
      this.triggers.set(
        userId,
        this.pubsub.subscribe(TRIGGERS.presenceChanged(userId), () => this.changed(userId)),
      );
    }
    follows.add(follow);
  }

  private remove(follow: Follow): void {
    const follows = this.followers.get(follow.userId);
    if (!follows?.delete(follow)) return;
    if (follows.size === 0) this.unfollow(follow.userId);
  }

  private unfollow(userId: string): void {
    this.followers.delete(userId);
    const trigger = this.triggers.get(userId);
    this.triggers.delete(userId);
    // A subscription that failed has nothing to undo (the stream that made it was told).
    void trigger?.then((id) => this.pubsub.unsubscribe(id), () => undefined);
  }

  private unexpected(error: unknown): MatrixError {
    this.logger.error('A presence stream failed', error instanceof Error ? error.stack : String(error));
    return new MatrixError(500, 'M_UNKNOWN', 'Internal server error');
  }
}

/** `item` rendered once per distinct renderer among `streams`. */
async function renderOnce(streams: readonly PresenceStream[], item: PresenceItem): Promise<Map<PresenceRenderer, string>> {
  const rendered = new Map<PresenceRenderer, string>();
  for (const stream of streams) {
    const renderer = stream.sink!.renderer;
    if (renderer && !rendered.has(renderer)) rendered.set(renderer, await renderer.render(item));
  }
  return rendered;
}

function renderedFor(stream: PresenceStream, rendered: Map<PresenceRenderer, string>): string | null {
  const renderer = stream.sink!.renderer;
  return renderer ? rendered.get(renderer)! : null;
}

/** What a subscriber would see, without the ever-growing lastActiveAgo. */
function fingerprint(presence: Presence): string {
  return JSON.stringify([presence.state, presence.statusMsg, presence.currentlyActive, presence.lastActiveTs, presence.displayName, presence.avatarUrl]);
}
