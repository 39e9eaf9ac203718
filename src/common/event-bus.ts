import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { EventEntity } from '../events/event.entity.js';

/**
 * In-process domain events and their payloads. Listeners run synchronously after the write has
 * committed; anything slow must schedule its own work.
 */
export interface DomainEventMap {
  /**
   * Room events committed, with the users each one concerns (members and the member event's
   * target); `learned` when another process committed them (read back from the database).
   */
  'room.events.persisted': { events: readonly EventEntity[]; audience: ReadonlySet<string>; learned?: true };
  /** A user's account data changed. */
  'account-data.changed': { userId: string; streamId: number };
  /** Proactive activity from a device: sending an event, a receipt, typing. */
  'user.activity': { userId: string; deviceId: string };
  /** A device was signed in by registering or logging in: its first request and first act. */
  'device.signed-in': { userId: string; deviceId: string };
  /** Presence inputs the engine applied, by kind (counted by the metrics). */
  'presence.applied': { kinds: string[] };
  /** A presence change others see was committed: what caused it, and when it began (clock ms). */
  'presence.published': { cause: 'hand' | 'request' | 'clock'; changedAt: number; committedAt: number };
  /** One sweep of the presence timers, with its writes, took this long. */
  'presence.swept': { durationMs: number };
  /**
   * What others see of a user changed with no event written (a derived currently_active lapse), at
   * this presence stream position; `learned` when the presence owner is another process.
   */
  'presence.derived-change': { userId: string; position: number; learned?: true };
  /**
   * An access token no longer signs in (a logout here or on another process), by its stored hash;
   * null when some may have been missed (the cluster link was down): every one must be checked again.
   */
  'access-token.revoked': { tokenHash: string | null };
  /** Superseded history of a room was purged: how many events went. */
  'history.purged': { events: number };
}

@Injectable()
export class DomainEventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit<K extends keyof DomainEventMap>(name: K, payload: DomainEventMap[K]): void {
    this.emitter.emit(name, payload);
  }

  /**
   * Emits and waits for what the listeners return: for an event whose effects must be committed
   * before the request that caused it is answered (a sign-in's presence), whatever the database.
   */
  async emitAndWait<K extends keyof DomainEventMap>(name: K, payload: DomainEventMap[K]): Promise<void> {
    await Promise.all(this.emitter.listeners(name).map((listener) => (listener as (payload: DomainEventMap[K]) => unknown)(payload)));
  }

  on<K extends keyof DomainEventMap>(name: K, listener: (payload: DomainEventMap[K]) => void | Promise<void>): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
