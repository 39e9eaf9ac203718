import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { NoServerError, type ClusterLink, type ClusterTopic, type ClusterTopics } from './cluster-link.js';

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
  /** Requests of this process waiting for their answer, by ID. */
  private readonly pending = new Map<number, { resolve: (body: string) => void; reject: (error: Error) => void }>();
  private requests = 0;
  /** Services this process serves, by channel. */
  private readonly serving = new Map<string, (body: string) => Promise<string>>();
  private readonly logger = new Logger(RedisLink.name);

  private heartbeat?: NodeJS.Timeout;

  constructor(
    url: string,
    readonly prefix: string,
    /** How long this process counts as alive after its last heartbeat. */
    private readonly aliveMs: number,
  ) {
    // Commands wait while reconnecting only briefly: a request is answered rather than held.
    this.commands = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    this.listener = new Redis(url, { lazyConnect: true });
    this.local.setMaxListeners(0);
    for (const connection of [this.commands, this.listener]) {
      connection.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    }
    this.listener.on('message', (channel: string, raw: string) => {
      if (channel === this.replyChannel) return this.answered(raw);
      const served = this.serving.get(channel);
      if (served) return void this.answer(served, raw);
      const at = raw.indexOf(SEPARATOR);
      if (at < 0 || raw.slice(0, at) === this.processId) return;
      this.local.emit(channel.slice(this.prefix.length), raw.slice(at + 1));
    });
  }

  /** Connects both and listens to every topic; throws when Redis cannot be reached. */
  async connect(topics: readonly ClusterTopic[]): Promise<void> {
    await Promise.all([this.commands.connect(), this.listener.connect()]);
    await this.listener.subscribe(this.replyChannel, ...topics.map((topic) => this.prefix + topic));
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

  /** Where this process's requests are answered. */
  private get replyChannel(): string {
    return `${this.prefix}reply:${this.processId}`;
  }

  async request(service: string, body: string, timeoutMs: number): Promise<string> {
    const id = ++this.requests;
    const answer = new Promise<string>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const timer = setTimeout(() => this.settle(id, new NoServerError(service, 'timeout')), timeoutMs);
    try {
      const receivers = await this.commands.publish(`${this.prefix}serve:${service}`, JSON.stringify({ id, from: this.processId, body }));
      if (receivers === 0) this.settle(id, new NoServerError(service, 'none'));
      return await answer;
    } catch (error) {
      this.settle(id, error as Error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async serve(service: string, handler: (body: string) => Promise<string>): Promise<() => Promise<void>> {
    const channel = `${this.prefix}serve:${service}`;
    this.serving.set(channel, handler);
    await this.listener.subscribe(channel);
    return async () => {
      this.serving.delete(channel);
      await this.listener.unsubscribe(channel).catch(() => undefined);
    };
  }

  private async answer(handler: (body: string) => Promise<string>, raw: string): Promise<void> {
    const { id, from, body } = JSON.parse(raw) as { id: number; from: string; body: string };
    let reply: { id: number; body?: string; error?: string };
    try {
      reply = { id, body: await handler(body) };
    } catch (error) {
      reply = { id, error: (error as Error).message };
    }
    await this.commands.publish(`${this.prefix}reply:${from}`, JSON.stringify(reply)).catch((error: Error) => {
      this.logger.error(`Redis: answer to ${from} not sent: ${error.message}`);
    });
  }

  private answered(raw: string): void {
    const { id, body, error } = JSON.parse(raw) as { id: number; body?: string; error?: string };
    if (error !== undefined) this.settle(id, new Error(error));
    else this.pending.get(id)?.resolve(body ?? '');
    this.pending.delete(id);
  }

  /** Ends a request with an error, unless it has ended already. */
  private settle(id: number, error: Error): void {
    this.pending.get(id)?.reject(error);
    this.pending.delete(id);
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
    clearInterval(this.heartbeat);
    await this.commands.del(this.aliveKey(this.processId)).catch(() => undefined);
    this.listener.disconnect();
    await this.commands.quit().catch(() => this.commands.disconnect());
  }
}
