import type { PresenceInput } from '../presence/core/presence-model.js';
import { PresenceEngine } from '../presence/presence-engine.js';
import type { ScriptedInput } from '../presence/simulation/day-script.js';
import type { LiveServerSettings } from './live-settings.js';

/**
 * The inputs a live run's clients made, each at the time it took effect, and a twin of the
 * server's engine fed with them as they happen: it says when each user next has something due,
 * so the run can send inputs clear of it. No clock of its own: the caller passes the times.
 */
export class LiveRecorder {
  /** Every user's inputs, in the order they took effect. */
  readonly scripts = new Map<string, ScriptedInput[]>();
  private readonly clock = { time: 0, now: () => this.clock.time };
  private readonly engine: PresenceEngine;

  constructor(server: LiveServerSettings, startAt: number) {
    this.clock.time = startAt;
    this.engine = new PresenceEngine(server.policy, server.settings, server.pacing, this.clock, server.tickMs);
  }

  /**
   * Records inputs that took effect at `at`. The twin cannot go back: one earlier than the last
   * recorded time is applied to it at that time, and kept at its own in `scripts`.
   */
  record(userId: string, inputs: PresenceInput[], at: number): void {
    this.advance(at);
    const script = this.scripts.get(userId) ?? [];
    this.scripts.set(userId, script);
    for (const input of inputs) {
      script.push({ at, input });
      this.engine.apply(userId, [input]);
    }
  }

  /** Moves the twin to `now`, sweeping whatever fell due on the way, as runEngine does. */
  advance(now: number): void {
    for (let due = this.engine.nextDueAt(); due !== null && due <= now; due = this.engine.nextDueAt()) {
      this.clock.time = Math.max(this.clock.time, due);
      this.engine.sweep();
    }
    this.clock.time = Math.max(this.clock.time, now);
  }

  /** When the user next has something due (a timeout, a held-back publication), or null. */
  wakeOf(userId: string): number | null {
    return this.engine.tracked(userId)?.wakeAt ?? null;
  }

  get inputCount(): number {
    let count = 0;
    for (const script of this.scripts.values()) count += script.length;
    return count;
  }
}
