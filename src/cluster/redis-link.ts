import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import { NoServerError, type ClusterLink, type ClusterTopic, type ClusterTopics } from './cluster-link.js';
import { decodeFrames, encodeFrames, FrameBatcher, type Frame } from './request-frames.js';

/** Between the sender's ID and the message on the wire. */
const SEPARATOR = '\u0000';

/**
 * The cluster link over Redis pub/sub: one connection publishes (and serves other commands), one
 * listens. Each topic is a channel under the key prefix; a message carries its sender's ID so a
 * process skips its own. Requests to a service made in one turn of the event loop travel in one
 * message, and so do the answers to one process (request-frames.ts); commands issued in one turn
 * share one write to Redis (ioredis auto-pipelining).
 */
export class RedisLink implements ClusterLink {
  readonly clustered = true;
  readonly processId = randomUUID();
  readonly commands: Redis;
  private readonly listener: Redis;
  private readonly local = new EventEmitter();
  /** Requests of this process waiting for their answer, by ID. */
  private readonly pending = new Map<number, { service: string; resolve: (body: string) => void; reject: (error: Error) => void }>();
  private requests = 0;
  /** Services this process serves, by channel. */
  private readonly serving = new Map<string, (body: string) => Promise<string>>();
  private readonly logger = new Logger(RedisLink.name);
  private readonly requestBatches = new FrameBatcher((channel, frames) => void this.sendRequests(channel, frames));
  private readonly answerBatches = new FrameBatcher((channel, frames) => void this.sendAnswers(channel, frames));

  private heartbeat?: NodeJS.Timeout;

  constructor(
    url: string,
    readonly prefix: string,
    /** How long this process counts as alive after its last heartbeat. */
    private readonly aliveMs: number,
  ) {
    // Commands wait while reconnecting only briefly: a request is answered rather than held.
    this.commands = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true });
    this.listener = new Redis(url, { lazyConnect: true });
    this.local.setMaxListeners(0);
    for (const connection of [this.commands, this.listener]) {
      connection.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    }
    this.listener.on('message', (channel: string, raw: string) => {
      if (channel === this.replyChannel) return this.answered(raw);
      const served = this.serving.get(channel);
      if (served) return this.answer(served, raw);
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
    const answer = new Promise<string>((resolve, reject) => this.pending.set(id, { service, resolve, reject }));
    const timer = setTimeout(() => this.settle(id, new NoServerError(service, 'timeout')), timeoutMs);
    this.requestBatches.add(`${this.prefix}serve:${service}`, { id, text: body });
    try {
      return await answer;
    } finally {
      clearTimeout(timer);
    }
  }

  private async sendRequests(channel: string, frames: Frame[]): Promise<void> {
    try {
      const receivers = await this.commands.publish(channel, `${this.processId} ${encodeFrames(frames)}`);
      if (receivers === 0) for (const { id } of frames) this.settle(id, new NoServerError(this.pending.get(id)?.service ?? channel, 'none'));
    } catch (error) {
      for (const { id } of frames) this.settle(id, error as Error);
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

  /** Runs each request of a message; their answers go back batched as they come. */
  private answer(handler: (body: string) => Promise<string>, raw: string): void {
    const at = raw.indexOf(' ');
    const replyTo = `${this.prefix}reply:${raw.slice(0, at)}`;
    for (const { id, text } of this.framesOf(raw, at + 1)) {
      let answered: Promise<string>;
      try {
        answered = handler(text);
      } catch (error) {
        answered = Promise.reject(error as Error);
      }
      void answered.then(
        (body) => this.answerBatches.add(replyTo, { id, text: `+${body}` }),
        (error: Error) => this.answerBatches.add(replyTo, { id, text: `-${error.message}` }),
      );
    }
  }

  private async sendAnswers(channel: string, frames: Frame[]): Promise<void> {
    await this.commands.publish(channel, encodeFrames(frames)).catch((error: Error) => {
      this.logger.error(`Redis: ${frames.length} answers to ${channel} not sent: ${error.message}`);
    });
  }

  private answered(raw: string): void {
    for (const { id, text } of this.framesOf(raw, 0)) {
      if (text.startsWith('-')) this.settle(id, new Error(text.slice(1)));
      else this.pending.get(id)?.resolve(text.slice(1));
      this.pending.delete(id);
    }
  }

  /** A message's frames; none (logged) when it is malformed, as no one could be answered. */
  private framesOf(raw: string, start: number): Frame[] {
    try {
      return decodeFrames(raw, start);
    } catch (error) {
      this.logger.error(`Redis: ${(error as Error).message} dropped`);
      return [];
    }
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
