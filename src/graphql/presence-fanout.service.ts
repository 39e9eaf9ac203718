import { Inject, Injectable, Logger } from '@nestjs/common';
import { PresenceVisibilityCache } from '../access/presence-visibility-cache.js';
import type { Requester } from '../auth/requester.js';
import { Clock } from '../common/clock.js';
import { MatrixError } from '../common/matrix-error.js';
import { PresenceReader } from '../presence/presence-reader.service.js';
import { toPresence } from './mappers.js';
import type { Presence } from './models/presence.model.js';
import { PUB_SUB, TRIGGERS, type LivePubSub } from './pubsub.js';

/** The most users one presence query or subscription may ask for. */
export const MAX_PRESENCE_USERS = 1000;

/** Turns a presence into the bytes a transport sends; followers sharing one get the same bytes. */
export interface PresenceRenderer {
  render(presence: Presence): Promise<string>;
}

/** Where a stream's items go. */
export interface PresenceSink {
  /** Null when the consumer wants the objects themselves. */
  readonly renderer: PresenceRenderer | null;
  next(presence: Presence, rendered: string | null): void;
  /** The stream ended with an error (the viewer lost access, or asked for what does not exist). */
  fail(error: MatrixError): void;
}

/**
 * One stream following one user: what the user last looked like to the viewer (to deliver
 * changes only), and the visibility epoch at which the viewer's access was last confirmed. The
 * hub keeps these per followed user, so a change walks them without a lookup per follower.
 */
interface Follow {
  readonly stream: PresenceStream;
  readonly userId: string;
  print: string;
  visibleAt: number;
}

/**
 * One presenceChanged subscription: the current presence of each user first, then every change
 * the viewer may see, each once. It is an AsyncIterable for any GraphQL transport; the WebSocket
 * server attaches a rendering sink instead, so a change is executed and serialised once per
 * distinct selection rather than once per subscriber.
 */
export class PresenceStream implements AsyncIterable<Presence> {
  readonly follows: Follow[];
  /** Users that changed while the initial values were being read. */
  readonly pending = new Set<string>();
  live = false;
  closed = false;
  sink: PresenceSink | null = null;

  constructor(
    private readonly hub: PresenceFanout,
    readonly viewerId: string,
    readonly userIds: readonly string[],
  ) {
    this.follows = userIds.map((userId) => ({ stream: this, userId, print: '', visibleAt: -1 }));
  }

  /** Starts the stream into `sink`. */
  attach(sink: PresenceSink): void {
    if (this.sink) throw new Error('A presence stream has one consumer');
    this.sink = sink;
    void this.hub.start(this);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.hub.stop(this);
  }

  fail(error: MatrixError): void {
    if (this.closed) return;
    this.close();
    this.sink?.fail(error);
  }

  [Symbol.asyncIterator](): AsyncIterator<Presence> {
    const items: Presence[] = [];
    let failure: MatrixError | null = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      const resolve = wake;
      wake = null;
      resolve?.();
    };
    this.attach({
      renderer: null,
      next: (presence) => {
        items.push(presence);
        notify();
      },
      fail: (error) => {
        failure = error;
        notify();
      },
    });
    return {
      next: async () => {
        for (;;) {
          if (items.length > 0) return { done: false, value: items.shift()! };
          if (failure) throw failure;
          if (this.closed) return { done: true, value: undefined };
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
      return: async () => {
        this.close();
        notify();
        return { done: true, value: undefined };
      },
    };
  }
}

/**
 * Delivers presence changes to every stream that follows the user. Per change, the user's public
 * presence is read once (cached), each follower's access is checked again (cached until any
 * membership or privacy changes), and the change is rendered once per renderer. Changes of one
 * user are handled one at a time, in order; a burst is folded into its latest state.
 */
@Injectable()
export class PresenceFanout {
  private readonly logger = new Logger(PresenceFanout.name);
  private readonly followers = new Map<string, Set<Follow>>();
  private readonly triggers = new Map<string, Promise<number>>();
  /** Users whose change is being delivered; `true` when another came in meanwhile. */
  private readonly delivering = new Map<string, boolean>();

  constructor(
    @Inject(PUB_SUB) private readonly pubsub: LivePubSub,
    private readonly reader: PresenceReader,
    private readonly visibility: PresenceVisibilityCache,
    private readonly clock: Clock,
  ) {}

  follow(viewer: Requester, userIds: string[]): PresenceStream {
    if (userIds.length === 0 || userIds.length > MAX_PRESENCE_USERS) {
      throw MatrixError.invalidParam(`userIds must list between 1 and ${MAX_PRESENCE_USERS} users`);
    }
    return new PresenceStream(this, viewer.userId, [...new Set(userIds)]);
  }

  async start(stream: PresenceStream): Promise<void> {
    // Follow before reading the initial values, so no change falls between the two.
    for (const follow of stream.follows) this.add(follow);
    try {
      const epoch = this.visibility.currentEpoch;
      const initial = await this.reader.read(stream.viewerId, stream.userIds);
      const now = this.clock.now();
      for (const follow of stream.follows) {
        const record = initial.get(follow.userId)!;
        if (record instanceof MatrixError) return stream.fail(record);
        const presence = toPresence(record, now);
        // The read checked access: until a membership or privacy change, no change needs another check.
        follow.print = fingerprint(presence);
        follow.visibleAt = epoch;
        const rendered = stream.sink!.renderer ? await stream.sink!.renderer.render(presence) : null;
        if (stream.closed) return;
        stream.sink!.next(presence, rendered);
      }
      stream.live = true;
      for (const userId of stream.pending) this.changed(userId);
      stream.pending.clear();
    } catch (error) {
      stream.fail(error instanceof MatrixError ? error : this.unexpected(error));
    }
  }

  stop(stream: PresenceStream): void {
    for (const follow of stream.follows) {
      const follows = this.followers.get(follow.userId);
      if (!follows) continue;
      follows.delete(follow);
      if (follows.size === 0) this.unfollow(follow.userId);
    }
  }

  /** A user's presence, status, profile or privacy changed. */
  changed(userId: string): void {
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
    const follows = this.followers.get(userId);
    if (!follows || follows.size === 0) return;
    const shared = toPresence(await this.reader.publicRecord(userId), this.clock.now());
    const print = fingerprint(shared);
    const due: PresenceStream[] = [];
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
          stream.fail(MatrixError.forbidden(`You are not allowed to see the presence of ${userId}`));
          continue;
        }
        follow.visibleAt = epoch;
      }
      if (follow.print === print) continue;
      follow.print = print;
      due.push(stream);
    }
    // Render once per renderer, then send without yielding in between.
    const rendered = new Map<PresenceRenderer, string>();
    for (const stream of due) {
      const renderer = stream.sink!.renderer;
      if (renderer && !rendered.has(renderer)) rendered.set(renderer, await renderer.render(shared));
    }
    for (const stream of due) {
      const renderer = stream.sink!.renderer;
      if (!stream.closed) stream.sink!.next(shared, renderer ? rendered.get(renderer)! : null);
    }
  }

  private async deliverOwn(follow: Follow): Promise<void> {
    const { stream, userId } = follow;
    const presence = toPresence(await this.reader.readOne(userId, userId), this.clock.now());
    const print = fingerprint(presence);
    if (follow.print === print) return;
    follow.print = print;
    const rendered = stream.sink!.renderer ? await stream.sink!.renderer.render(presence) : null;
    if (!stream.closed) stream.sink!.next(presence, rendered);
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

  private unfollow(userId: string): void {
    this.followers.delete(userId);
    const trigger = this.triggers.get(userId);
    this.triggers.delete(userId);
    void trigger?.then((id) => this.pubsub.unsubscribe(id));
  }

  private unexpected(error: unknown): MatrixError {
    this.logger.error('A presence stream failed', error instanceof Error ? error.stack : String(error));
    return new MatrixError(500, 'M_UNKNOWN', 'Internal server error');
  }
}

/** What a subscriber would see, without the ever-growing lastActiveAgo. */
function fingerprint(presence: Presence): string {
  return JSON.stringify([presence.state, presence.statusMsg, presence.currentlyActive, presence.lastActiveTs, presence.displayName, presence.avatarUrl]);
}
