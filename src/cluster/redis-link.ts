import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { ClusterLink, ClusterTopic, ClusterTopics } from './cluster-link.js';
import { DirectRequests } from './direct-requests.js';

/** Between the sender's ID and the message on the wire. */
const SEPARATOR = '\u0000';
/** The local event for a listener connection that is back (never a topic: topics are channel names). */
const RECONNECTED = Symbol('reconnected');

/**
 * The cluster link over Redis pub/sub: one connection publishes (and serves other commands), one
 * listens. Each topic is a channel under the key prefix; a message carries its sender's ID so a
 * process skips its own. Commands issued in one turn of the event loop share one write to Redis
 * (ioredis auto-pipelining). Requests to a service go straight to the process serving it, which
 * Redis names (DirectRequests).
 */
export class RedisLink implements ClusterLink {
  readonly clustered = true;
  readonly processId = randomUUID();
  readonly commands: Redis;
  private readonly listener: Redis;
  private readonly local = new EventEmitter();
  private readonly logger = new Logger(RedisLink.name);
  private readonly requests: DirectRequests;

  private heartbeat?: NodeJS.Timeout;

  constructor(
    url: string,
    readonly prefix: string,
    /** How long this process counts as alive after its last heartbeat. */
    private readonly aliveMs: number,
    /** Where this process takes requests from the others when it serves a service: host, and port (0: any). */
    requestsAt: { host: string; port: number },
  ) {
    // Commands wait while reconnecting only briefly: a request is answered rather than held.
    this.commands = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true });
    this.listener = new Redis(url, { lazyConnect: true });
    this.requests = new DirectRequests(this.commands, prefix, this.processId, requestsAt.host, requestsAt.port);
    this.local.setMaxListeners(0);
    for (const connection of [this.commands, this.listener]) {
      connection.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    }
    // ioredis subscribes again on each reconnection, then says it is ready; messages in between were lost.
    let connected = false;
    this.listener.on('ready', () => {
      if (connected) this.local.emit(RECONNECTED);
      connected = true;
    });
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
    const beat = () => this.commands.set(this.aliveKey(this.processId), '1', 'PX', this.aliveMs).catch(() => undefined);
    await beat();
    this.heartbeat = setInterval(() => void beat(), Math.max(50, Math.floor(this.aliveMs / 3)));
    this.heartbeat.unref();
  }

  private aliveKey(processId: string): string {
    return `${this.prefix}alive:${processId}`;
  }

  async isAlive(processId: string): Promise<boolean> {
    return (await this.commands.exists(this.aliveKey(processId))) === 1;
  }

  request(service: string, body: string, timeoutMs: number): Promise<string> {
    return this.requests.request(service, body, timeoutMs);
  }

  serve(service: string, handler: (body: string) => Promise<string>): Promise<() => Promise<void>> {
    return this.requests.serve(service, handler);
  }

  /** Whether both connections are up. */
  get ready(): boolean {
    return this.commands.status === 'ready' && this.listener.status === 'ready';
  }

  async publish<T extends ClusterTopic>(topic: T, message: ClusterTopics[T]): Promise<boolean> {
    try {
      await this.commands.publish(this.prefix + topic, this.processId + SEPARATOR + message);
      return true;
    } catch (error) {
      this.logger.error(`Redis: ${topic} not published: ${(error as Error).message}`);
      return false;
    }
  }

  on<T extends ClusterTopic>(topic: T, handler: (message: ClusterTopics[T]) => void): () => void {
    this.local.on(topic, handler);
    return () => this.local.off(topic, handler);
  }

  onReconnect(handler: () => void): () => void {
    this.local.on(RECONNECTED, handler);
    return () => this.local.off(RECONNECTED, handler);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.requests.close();
    await this.commands.del(this.aliveKey(this.processId)).catch(() => undefined);
    this.listener.disconnect();
    await this.commands.quit().catch(() => this.commands.disconnect());
  }
}
