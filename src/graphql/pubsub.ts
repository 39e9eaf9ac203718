/**
 * The pub/sub engine live GraphQL subscriptions listen on: graphql-subscriptions' in-process
 * PubSub alone, or in a cluster a Redis engine (ClusterPubSub) that delivers a payload once its
 * process has read from the store what the payload's position says. Resolvers see only this port.
 */
export const PUB_SUB = Symbol('PUB_SUB');

export interface LivePubSub {
  publish(trigger: string, payload: LivePayload): Promise<void>;
  subscribe(trigger: string, onMessage: (payload: LivePayload) => void): Promise<number>;
  unsubscribe(id: number): void;
}

/**
 * Triggers and their payloads. There is one trigger per user and per room, so a change is pushed
 * only to the streams that follow it. Payloads only say what changed and where in the streams;
 * subscribers read the rest from the store.
 */
export const TRIGGERS = {
  /** A user's presence, status or profile (or its privacy) changed. */
  presenceChanged: (userId: string) => `presenceChanged:${userId}`,
  /** New state events were stored in a room, up to a stream position. */
  roomState: (roomId: string) => `roomState:${roomId}`,
} as const;

export interface PresenceChangedPayload {
  userId: string;
  /** The event stream position of the change (its m.presence, m.status, profile or privacy event). */
  streamOrdering?: number;
  /** The presence stream position of a change with no event (a derived lapse). */
  presencePosition?: number;
}

export interface RoomStatePayload {
  roomId: string;
  streamOrdering: number;
}

export type LivePayload = PresenceChangedPayload | RoomStatePayload;
