import { PubSub } from 'graphql-subscriptions';

/**
 * The pub/sub engine live GraphQL subscriptions listen on. In-process today; a Redis engine
 * with the same interface (graphql-redis-subscriptions) can be bound to this token instead,
 * without touching resolvers.
 */
export const PUB_SUB = Symbol('PUB_SUB');

export type LivePubSub = Pick<PubSub, 'publish' | 'subscribe' | 'unsubscribe' | 'asyncIterableIterator'>;

/**
 * Triggers and their payloads. There is one trigger per user and per room, so a change is pushed
 * only to the streams that follow it. Payloads only say what changed; subscribers read the rest.
 */
export const TRIGGERS = {
  /** A user's presence, status or profile (or its privacy) changed. */
  presenceChanged: (userId: string) => `presenceChanged:${userId}`,
  /** New state events were stored in a room, up to a stream position. */
  roomState: (roomId: string) => `roomState:${roomId}`,
} as const;

export interface PresenceChangedPayload {
  userId: string;
}

export interface RoomStatePayload {
  roomId: string;
  streamOrdering: number;
}
