import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { PubSubEngine } from 'graphql-subscriptions';
import { Redis } from 'ioredis';
import type { LivePayload, LivePubSub } from './pubsub.js';

/** What a process does before it delivers a payload: read from the store up to what the payload's position says. */
export type CatchUp = (payload: LivePayload) => Promise<void>;

/**
 * The live GraphQL pub/sub of a cluster: graphql-redis-subscriptions on two ioredis connections
 * of its own, each trigger a channel under the key prefix. The process that committed a change
 * publishes it once; Redis hands it once to each process following the trigger, which delivers
 * it to each of its subscriptions, so a subscriber hears each change once.
 *
 * A payload may reach a process before the events it stands for (they come from the database,
 * told through another connection): each is delivered only once `catchUp` has brought the
 * process's store and mirrors up to the payload's position, so the subscriber reads the change.
 * The presence fan-out subscribes once per followed user, not per subscriber, so a change costs
 * one catch-up per process.
 */
export class ClusterPubSub extends PubSubEngine implements LivePubSub, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterPubSub.name);
  private readonly redis: RedisPubSub;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly catchUp: CatchUp,
  ) {
    super();
    this.publisher = new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: true });
    // SUBSCRIBE and UNSUBSCRIBE wait for Redis to come back rather than fail: graphql-redis-subscriptions
    // leaves a failed one's promise unhandled, which would end the process.
    this.subscriber = new Redis(url, { maxRetriesPerRequest: null });
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    }
    this.redis = new RedisPubSub({ publisher: this.publisher, subscriber: this.subscriber });
  }

  /** Whether both connections are up. */
  get ready(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  async publish(trigger: string, payload: LivePayload): Promise<void> {
    try {
      await this.redis.publish(this.prefix + trigger, payload);
    } catch (error) {
      this.logger.error(`Redis: ${trigger} not published: ${(error as Error).message}`);
    }
  }

  subscribe(trigger: string, onMessage: (payload: LivePayload) => void): Promise<number> {
    return this.redis.subscribe(this.prefix + trigger, (payload: LivePayload) => {
      this.catchUp(payload).then(
        () => onMessage(payload),
        (error: unknown) => this.logger.error(`${trigger} not delivered`, error instanceof Error ? error.stack : String(error)),
      );
    });
  }

  unsubscribe(id: number): void {
    this.redis.unsubscribe(id);
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber.disconnect();
    await this.publisher.quit().catch(() => this.publisher.disconnect());
  }
}
