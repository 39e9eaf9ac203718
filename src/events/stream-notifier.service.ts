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
      this.bus.on('room.events.persisted', ({ audience }) => this.wake(audience)),
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
    if (this.closing || this.generation(key) !== generation || timeoutMs <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        const set = this.waiters.get(key);
        set?.delete(finish);
        if (set?.size === 0) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      signal?.addEventListener('abort', finish, { once: true });
      let set = this.waiters.get(key);
      if (!set) this.waiters.set(key, (set = new Set()));
      set.add(finish);
    });
  }
}
