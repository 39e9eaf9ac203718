import { MatrixError } from '../common/matrix-error.js';
import type { Presence } from './models/presence.model.js';

/**
 * What a presenceChanged stream delivers: a user's presence, or the error that stands for a user
 * the viewer may not (or may no longer) see. GraphQL turns the error into that message's error
 * (`data: null`, path `["presenceChanged"]`, `extensions.userId`) and the stream goes on.
 */
export type PresenceItem = Presence | MatrixError;

/** Turns an item into the bytes a transport sends; followers sharing one get the same bytes. */
export interface PresenceRenderer {
  render(item: PresenceItem): Promise<string>;
}

/** Where a stream's items go. */
export interface PresenceSink {
  /** Null when the consumer wants the objects themselves. */
  readonly renderer: PresenceRenderer | null;
  next(item: PresenceItem, rendered: string | null): void;
  /** Every followed user was refused: nothing more can come. */
  complete(): void;
  /** The stream ended with an unexpected error. */
  fail(error: MatrixError): void;
}

/** What runs a stream: follows its users from `start` until `stop`. */
export interface PresenceHub {
  start(stream: PresenceStream): Promise<void>;
  stop(stream: PresenceStream): void;
}

/**
 * One stream following one user: what the user last looked like to the viewer (to deliver
 * changes only), and the visibility epoch at which the viewer's access was last confirmed. The
 * hub keeps these per followed user, so a change walks them without a lookup per follower.
 */
export interface Follow {
  readonly stream: PresenceStream;
  readonly userId: string;
  print: string;
  visibleAt: number;
  /** The user was refused: nothing more about them goes to this stream. */
  refused: boolean;
}

/** The error that ends one user's part of a stream, naming the user for the client. */
export function refusalOf(userId: string, error: MatrixError): MatrixError {
  return new MatrixError(error.status, error.errcode, error.message, { ...error.extra, userId });
}

/**
 * One presenceChanged subscription: the current presence of each user first, then every change
 * the viewer may see, each once. A user the viewer may not see gets one error item in place of
 * their presence and is followed no further; the stream completes once no user is left. It is an
 * AsyncIterable for any GraphQL transport; the WebSocket server attaches a rendering sink
 * instead, so a change is executed and serialised once per distinct selection rather than once
 * per subscriber.
 */
export class PresenceStream implements AsyncIterable<PresenceItem> {
  readonly follows: Follow[];
  /** Users that changed while the initial values were being read. */
  readonly pending = new Set<string>();
  live = false;
  closed = false;
  sink: PresenceSink | null = null;
  private following: number;

  constructor(
    private readonly hub: PresenceHub,
    readonly viewerId: string,
    readonly userIds: readonly string[],
  ) {
    this.follows = userIds.map((userId) => ({ stream: this, userId, print: '', visibleAt: -1, refused: false }));
    this.following = this.follows.length;
  }

  /** Starts the stream into `sink`. */
  attach(sink: PresenceSink): void {
    if (this.sink) throw new Error('A presence stream has one consumer');
    this.sink = sink;
    void this.hub.start(this);
  }

  send(item: PresenceItem, rendered: string | null): void {
    if (!this.closed) this.sink!.next(item, rendered);
  }

  /** Sends a user's refusal (an item from `refusalOf`); the stream completes when it was the last user. */
  refuse(follow: Follow, refusal: MatrixError, rendered: string | null): void {
    if (this.closed || follow.refused) return;
    follow.refused = true;
    this.following -= 1;
    this.sink!.next(refusal, rendered);
    if (this.following > 0) return;
    this.close();
    this.sink!.complete();
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

  [Symbol.asyncIterator](): AsyncIterator<PresenceItem> {
    const items: PresenceItem[] = [];
    let failure: MatrixError | null = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      const resolve = wake;
      wake = null;
      resolve?.();
    };
    this.attach({
      renderer: null,
      next: (item) => {
        items.push(item);
        notify();
      },
      complete: notify,
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
