import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { ClusterLink, ClusterTopic, ClusterTopics } from './cluster-link.js';

/** Between the sender's ID and the message on the wire. */
const SEPARATOR = '\u0000';

/**
 * The cluster link over Redis pub/sub: one connection publishes (and serves other commands), one
 * listens. Each topic is a channel under the key prefix; a message carries its sender's ID so a
 * process skips its own.
 */
export class RedisLink implements ClusterLink {
  readonly clustered = true;
  readonly processId = randomUUID();
  readonly commands: Redis;
  private readonly listener: Redis;
  private readonly local = new EventEmitter();
  private readonly logger = new Logger(RedisLink.name);

  constructor(
    url: string,
    readonly prefix: string,
  ) {
    // Commands wait while reconnecting only briefly: a request is answered rather than held.
    this.commands = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    this.listener = new Redis(url, { lazyConnect: true });
    this.local.setMaxListeners(0);
    for (const connection of [this.commands, this.listener]) {
      connection.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    }
    this.listener.on('message', (channel: string, raw: string) => {
      const at = raw.indexOf(SEPARATOR);
      if (at < 0 || raw.slice(0, at) === this.processId) return;
      this.local.emit(channel.slice(this.prefix.length), raw.slice(at + 1));
    });
  }

  /** Connects both and listens to every topic; throws when Redis cannot be reached. */
  async connect(topics: readonly ClusterTopic[]): Promise<void> {
    await Promise.all([this.commands.connect(), this.listener.connect()]);
    await this.listener.subscribe(...topics.map((topic) => this.prefix + topic));
  }

  /** Whether both connections are up. */
  get ready(): boolean {
    return this.commands.status === 'ready' && this.listener.status === 'ready';
  }

  async publish<T extends ClusterTopic>(topic: T, message: ClusterTopics[T]): Promise<void> {
    try {
      await this.commands.publish(this.prefix + topic, this.processId + SEPARATOR + message);
    } catch (error) {
      this.logger.error(`Redis: ${topic} not published: ${(error as Error).message}`);
    }
  }

  on<T extends ClusterTopic>(topic: T, handler: (message: ClusterTopics[T]) => void): () => void {
    this.local.on(topic, handler);
    return () => this.local.off(topic, handler);
  }

  async close(): Promise<void> {
    this.listener.disconnect();
    await this.commands.quit().catch(() => this.commands.disconnect());
  }
}
