import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '../common/event-bus.js';

/**
 * Wakes waiting long-polls. Each key (a user ID) has a generation that moves on every change
 * concerning it; a waiter that read generation g before computing its answer sleeps only while
 * the generation is still g, so a change landing between "compute" and "wait" is never missed.
 */
@Injectable()
export class StreamNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly generations = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unsubscribe: Array<() => void> = [];
  private closing = false;

  constructor(private readonly bus: DomainEventBus) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      // Members are woken by user ID; peekers of a room wait on the room ID.
      this.bus.on('room.events.persisted', ({ events, audience }) => this.wake([...audience, ...new Set(events.map((e) => e.roomId))])),
      this.bus.on('account-data.changed', ({ userId }) => this.wake([userId])),
    );
  }

  /** Set at shutdown: waits end at once, so long-polls answer before the database closes. */
  get isClosing(): boolean {
    return this.closing;
  }

  onModuleDestroy(): void {
    this.closing = true;
    for (const off of this.unsubscribe) off();
    for (const set of this.waiters.values()) for (const resolve of set) resolve();
    this.waiters.clear();
  }

  generation(key: string): number {
    return this.generations.get(key) ?? 0;
  }

  /** How many long-polls wait on a key right now. */
  waiterCount(key: string): number {
    return this.waiters.get(key)?.size ?? 0;
  }

  /** The generations of several keys, to wait on any of them. */
  snapshot(keys: string[]): Map<string, number> {
    return new Map(keys.map((key) => [key, this.generation(key)]));
  }

  wake(keys: Iterable<string>): void {
    for (const key of keys) {
      this.generations.set(key, this.generation(key) + 1);
      const set = this.waiters.get(key);
      if (!set) continue;
      this.waiters.delete(key);
      for (const resolve of set) resolve();
    }
  }

  /** Resolves when `key` moves past `generation`, after `timeoutMs`, or when `signal` aborts. */
  wait(key: string, generation: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.waitAny(new Map([[key, generation]]), timeoutMs, signal);
  }

  /** Resolves when any key of a snapshot moves past its generation (or on timeout or abort). */
  waitAny(snapshot: Map<string, number>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const moved = [...snapshot].some(([key, generation]) => this.generation(key) !== generation);
    if (this.closing || moved || timeoutMs <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        for (const key of snapshot.keys()) {
          const set = this.waiters.get(key);
          set?.delete(finish);
          if (set?.size === 0) this.waiters.delete(key);
        }
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      signal?.addEventListener('abort', finish, { once: true });
      for (const key of snapshot.keys()) {
        let set = this.waiters.get(key);
        if (!set) this.waiters.set(key, (set = new Set()));
        set.add(finish);
      }
    });
  }
}
