import { randomUUID } from 'node:crypto';

/**
 * What one process tells the others: each topic's message is a short string (a position, an ID).
 * A process never hears its own messages.
 */
export interface ClusterTopics {
  /** Room events committed up to this stream position. */
  events: string;
  /** Account data: `<stream position> <user ID>`. */
  'account-data': string;
  /** Peek stream committed up to this position. */
  peeks: string;
  /** An access token's stored hash that no longer signs in. */
  'token-revoked': string;
  /** Derived presence changes the owner noted: `<presence position> <user ID>` lines. */
  'presence-derived': string;
  /** A room's history is about to be purged up to a position: `<position> <room ID>`. */
  'history-purged': string;
}

export type ClusterTopic = keyof ClusterTopics;

/** Reads a `<stream position> <user ID>` message. */
export function splitPositionMessage(message: string): [number, string] {
  const at = message.indexOf(' ');
  return [Number(message.slice(0, at)), message.slice(at + 1)];
}

/** The token a process's ClusterLink is injected by. */
export const CLUSTER_LINK = Symbol('CLUSTER_LINK');

/**
 * The one port for what crosses processes. Without REDIS_URL there is one process and nothing to
 * cross (`LocalLink`); with it, `RedisLink` carries the messages over Redis pub/sub.
 */
export interface ClusterLink {
  /** Whether other processes may share the database. */
  readonly clustered: boolean;
  /** This process's name in the cluster, unique per start. */
  readonly processId: string;
  /**
   * Tells the other processes; resolves once Redis has passed it on to them (true), or with false
   * when it could not be sent (a lost connection, logged and shown in readiness); never rejects.
   */
  publish<T extends ClusterTopic>(topic: T, message: ClusterTopics[T]): Promise<boolean>;
  /** Listens to the other processes; returns what stops listening. */
  on<T extends ClusterTopic>(topic: T, handler: (message: ClusterTopics[T]) => void): () => void;
  /**
   * Calls `handler` each time the link is back after losing its connection: what was sent meanwhile
   * may not have arrived, so what was kept from messages must be read again from the database.
   */
  onReconnect(handler: () => void): () => void;
  /**
   * Asks the process serving `service` (`serve`); resolves with its answer. Rejects with
   * NoServerError when no process serves it, or when no answer came within `timeoutMs`.
   */
  request(service: string, body: string, timeoutMs: number): Promise<string>;
  /** Whether the process is still running (it renews a key in Redis more often than its lease lasts). */
  isAlive(processId: string): Promise<boolean>;
  /** Serves `service` from this process until the returned function is called. */
  serve(service: string, handler: (body: string) => Promise<string>): Promise<() => Promise<void>>;
}

/** No process serves the service asked for, or its answer did not come in time. */
export class NoServerError extends Error {
  constructor(
    readonly service: string,
    readonly reason: 'none' | 'timeout',
  ) {
    super(reason === 'none' ? `no process serves ${service}` : `${service} did not answer in time`);
    this.name = 'NoServerError';
  }
}

/** A process alone on its database: nothing crosses. */
export class LocalLink implements ClusterLink {
  readonly clustered = false;
  readonly processId = randomUUID();

  async publish(): Promise<boolean> {
    return true;
  }

  on(): () => void {
    return () => undefined;
  }

  onReconnect(): () => void {
    return () => undefined;
  }

  async request(service: string): Promise<string> {
    throw new NoServerError(service, 'none');
  }

  async isAlive(processId: string): Promise<boolean> {
    return processId === this.processId;
  }

  async serve(): Promise<() => Promise<void>> {
    return async () => undefined;
  }
}
