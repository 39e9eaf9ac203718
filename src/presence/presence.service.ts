import { Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { RateLimiter } from '../common/rate-limiter.js';
import { DomainEventBus } from '../common/event-bus.js';
import { AppConfig } from '../config/app-config.js';
import { EMPTY_INPUTS, type PresenceInput, type PresenceInputs, type PresencePolicy, type PresenceSettings, type PresenceView } from './core/presence-model.js';
import { PRESENCE_POLICIES } from './core/policies.js';
import { BY_HAND_INPUTS } from './core/presence-rules.js';
import { spendsPresenceRateLimit } from './core/rate-limit-rule.js';
import { PresenceEngine, type Publication } from './presence-engine.js';
import { PresenceWriter } from './presence-writer.js';
import { pacingSettingsOf, presenceSettingsOf } from './presence-settings.js';
import { DerivedPresenceChanges } from './derived-presence-changes.js';
import { StoredPresence } from './stored-presence.js';
import { TrackedPresence } from './tracked-presence.js';

/** Where a process sends inputs it does not apply itself, and reads a user's own inputs from (set by PresenceOwnership in a cluster). */
export interface PresenceRoute {
  /** Answers as `apply` does. */
  apply(userId: string, inputs: PresenceInput[], rateLimited: boolean): Promise<number | null>;
  /** Brings this process's copy of the user's inputs up to the truth, for the user to read themselves. */
  readOwn(userId: string): Promise<void>;
}

const NEVER_SEEN: PresenceView = Object.freeze({ presence: 'offline', currentlyActive: false, lastActiveTs: 0, statusMsg: null });

/**
 * Inputs a client is told were taken (manual presence, appear-offline, status text, a device's
 * explicit report): the user's row is committed before the answer.
 */
const ACKNOWLEDGED_INPUTS: ReadonlySet<string> = new Set([...BY_HAND_INPUTS, 'device-report']);

/**
 * The presence engine's shell: PresenceEngine decides (inputs, evaluation, pacing, timers); this
 * loads and persists its users, sweeps it each tick and writes what it publishes as m.presence /
 * m.status state events in the owner's profile room.
 *
 * A 200 means it survives a crash: an acknowledged input's row is committed before the answer,
 * in the same transaction as the events it publishes (PresenceWriter), and any publication
 * carries its user's row, so the stored inputs are never older than the profile room and a
 * restart re-evaluating them publishes nothing older. Device liveness alone (syncs, activity,
 * which the client repeats anyway) is written once per tick, and at each request once shutdown
 * has begun. One process owns the presence timers: this one, or in a cluster the one holding the
 * lease (PresenceOwnership), which the others forward their inputs to. That process also keeps
 * each user's presence rate limit: every input reaches it, with the inputs it is judged against.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceService.name);
  private readonly settings: PresenceSettings;
  /** The per-user presence rate limit (core/rate-limit-rule.ts says which inputs spend it). */
  private readonly limiter: RateLimiter;
  private readonly policy: PresencePolicy;
  private engine!: PresenceEngine;
  private ticker?: NodeJS.Timeout;
  private ticking: Promise<void> | null = null;
  private stopOnActivity?: () => void;
  private stopLearning?: () => void;
  private route?: PresenceRoute;
  /** Set at shutdown: requests still being served write their inputs at once, as no tick follows. */
  private closing = false;
  /** Set once the HTTP server has closed: no one is left to acknowledge an input to. */
  private stopped = false;

  constructor(
    private readonly writer: PresenceWriter,
    private readonly stored: StoredPresence,
    private readonly derived: DerivedPresenceChanges,
    private readonly bus: DomainEventBus,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {
    this.settings = presenceSettingsOf(config);
    this.policy = PRESENCE_POLICIES[config.PRESENCE_POLICY];
    this.limiter = new RateLimiter(config.RATE_LIMIT_PRESENCE_PER_SECOND, config.RATE_LIMIT_PRESENCE_BURST);
  }

  /** Whether presence is served at all (PRESENCE_ENABLED=false turns it off). */
  get enabled(): boolean {
    return this.config.PRESENCE_ENABLED !== 'false';
  }

  /** Whether client inputs change presence (not when disabled or `untracked`). */
  get tracking(): boolean {
    return this.config.PRESENCE_ENABLED === 'true';
  }

  get policyName(): string {
    return this.config.PRESENCE_POLICY;
  }

  /** The timers and settings in force. */
  get settingsSnapshot(): PresenceSettings {
    return this.settings;
  }

  /** Loads stored inputs and re-arms every user, so a user online at shutdown still times out. */
  async onModuleInit(): Promise<void> {
    this.engine = new PresenceEngine(
      this.policy,
      this.settings,
      pacingSettingsOf(this.config),
      this.clock,
      this.config.PRESENCE_TIMER_TICK_MS,
    );
    if (!this.enabled) return;
    this.stopOnActivity = this.listenForActivity();
    this.stopLearning = this.stored.follow({
      owning: () => this.ticker !== undefined,
      readOwn: (userId) => (this.route ? this.route.readOwn(userId) : this.stored.refresh([userId])),
      restore: (tracked) => {
        this.engine.restore(tracked);
        this.noteDerivedChanges();
      },
    });
    // In a cluster the users are loaded to be read, and timers run once this process owns presence (takeOver).
    if (this.config.REDIS_URL) return this.loadAll(false);
    await this.loadAll(true);
    this.startTimers();
  }

  /**
   * This process now owns presence (in a cluster): every user's stored inputs are loaded again,
   * the timers re-armed (what changed meanwhile is published at the first sweep), and syncs that
   * were in flight stop counting as live.
   */
  async takeOver(): Promise<void> {
    await this.loadAll(true);
    this.startTimers();
  }

  /** Another process owns presence now (or may): this one stops its timers; what waits to be written fails with `reason`. */
  standDown(reason: Error): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.writer.dropPending(reason);
  }

  /**
   * Loads every stored user into the engine. As owner, syncs in flight then were cut off (a
   * shutdown, or the owner that died): those devices get a full sync timeout to come back.
   */
  private async loadAll(owning: boolean): Promise<void> {
    const now = this.clock.now();
    for (const tracked of await this.stored.all()) {
      if (owning && tracked.inputs.devices.some((device) => (device.syncing ?? 0) > 0)) {
        tracked.inputs = {
          ...tracked.inputs,
          devices: tracked.inputs.devices.map((device) => ((device.syncing ?? 0) > 0 ? { ...device, syncing: 0, lastSeenTs: now } : device)),
        };
        this.writer.markChanged(tracked);
      }
      this.engine.restore(tracked);
    }
    this.noteDerivedChanges(owning);
  }

  private startTimers(): void {
    clearInterval(this.ticker);
    this.ticker = setInterval(() => void this.tick(), this.config.PRESENCE_TIMER_TICK_MS);
    this.ticker.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    this.stopLearning?.();
    clearInterval(this.ticker);
    await this.ticking;
    await this.writer.write([], this.writer.pending);
  }

  /**
   * Runs after the HTTP server has closed and before the database closes (Nest calls shutdown
   * hooks of dependents first). What is still being written is committed. An input after this
   * comes from a request whose client has gone (a long-poll woken by the shutdown, ending): no
   * one waits for it and the database is closing, so it is dropped.
   */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    // Requests are served until the HTTP server has closed, so their activity is kept until now.
    this.stopOnActivity?.();
    await this.writer.write([], this.writer.pending);
    await this.writer.settled();
  }

  /** Activity and sign-ins reach the engine as domain events; returns what stops listening. */
  private listenForActivity(): () => void {
    const record = (userId: string, input: PresenceInput): Promise<void> =>
      this.apply(userId, [input]).then(
        () => undefined,
        (error: unknown) => this.logger.error(`${input.kind} of ${userId} not recorded`, error instanceof Error ? error.stack : String(error)),
      );
    const stops = [
      this.bus.on('user.activity', ({ userId, deviceId }) => void record(userId, { kind: 'activity', deviceId })),
      // Returned, so that signing in answers once the sign-in's presence is written.
      this.bus.on('device.signed-in', ({ userId }) => record(userId, { kind: 'login' })),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /**
   * Where inputs go: applied here, or (set by PresenceOwnership in a cluster) forwarded to the
   * process that owns presence.
   */
  routeThrough(route: PresenceRoute): void {
    this.route = route;
  }

  /**
   * Takes client inputs: applied here, or forwarded to the owner of presence in a cluster. With
   * `rateLimited`, inputs that are a presence update spend the user's rate limit: returns null
   * once they are taken, or the milliseconds until a token is free, and then nothing was applied.
   */
  apply(userId: string, inputs: PresenceInput[], rateLimited = false): Promise<number | null> {
    return this.route ? this.route.apply(userId, inputs, rateLimited) : this.applyHere(userId, inputs, rateLimited);
  }

  /** Applies client inputs through the engine (see `apply`), publishing at once what it says is due. */
  async applyHere(userId: string, inputs: PresenceInput[], rateLimited = false): Promise<number | null> {
    if (!this.tracking || this.stopped) return null;
    if (rateLimited) {
      const retryAfterMs = this.takeToken(userId, inputs);
      if (retryAfterMs !== null) return retryAfterMs;
    }
    const { tracked, changed, publication } = this.engine.apply(userId, inputs);
    this.bus.emit('presence.applied', { kinds: inputs.map((input) => input.kind) });
    this.noteDerivedChanges();
    const acknowledged = inputs.some((input) => ACKNOWLEDGED_INPUTS.has(input.kind));
    if (!changed && !acknowledged) return null;
    this.writer.markChanged(tracked);
    // Durable before acknowledgement (see the class comment); liveness alone waits for the tick.
    if (publication || this.closing || acknowledged) {
      await this.writer.write(publication ? [publication] : [], [tracked]);
      if (publication) this.published(publication, inputs.some((input) => BY_HAND_INPUTS.has(input.kind)) ? 'hand' : 'request');
    }
    return null;
  }

  /**
   * Takes a token when the inputs are a presence update, judged against the user's inputs as they
   * stand: null when allowed, else the milliseconds until one is free. The check and the apply
   * that follows run in one turn of the event loop, so no other input slips in between.
   */
  private takeToken(userId: string, inputs: PresenceInput[]): number | null {
    const now = this.clock.now();
    const current = this.inputsOf(userId);
    if (!inputs.some((input) => spendsPresenceRateLimit(this.policy, current, input, now, this.settings))) return null;
    return this.limiter.take(userId, now);
  }

  private published(publication: Publication, cause: 'hand' | 'request' | 'clock'): void {
    this.bus.emit('presence.published', { cause, changedAt: publication.changedAt, committedAt: this.clock.now() });
  }

  /** The user's presence as `viewerId` sees it: the truth for themselves, what was published for others. */
  view(userId: string, viewerId: string): PresenceView {
    if (!this.enabled) return NEVER_SEEN;
    return this.engine.view(userId, viewerId);
  }

  /**
   * Takes the user's inputs as the owner of presence holds them after applying inputs this process
   * forwarded (in a cluster), keeping the published view this process learned from the store. A
   * read of the user already under way lands first, so the row it read cannot overwrite them.
   */
  async adoptOwnerInputs(userId: string, inputs: PresenceInputs): Promise<void> {
    await this.stored.current(userId);
    this.engine.restore(new TrackedPresence(userId, inputs, this.engine.tracked(userId)?.published ?? null));
    this.noteDerivedChanges();
  }

  /** How many users the engine holds. */
  get trackedUsers(): number {
    return this.engine.trackedCount;
  }

  /** The device inputs the core holds for a user (for the user's own inspection). */
  inputsOf(userId: string) {
    return this.engine.tracked(userId)?.inputs ?? EMPTY_INPUTS;
  }

  /**
   * Notes the derived changes the engine found on the presence stream. Only the owner's (whose
   * timers run) count: another process's engine reads what the owner published and hears of the
   * owner's changes (DerivedPresenceChanges).
   */
  private noteDerivedChanges(owning = !this.config.REDIS_URL || this.ticker !== undefined): void {
    const changes = this.engine.takeDerivedChanges();
    if (owning) this.derived.note(changes);
  }

  /** One sweep of the timer wheel: re-evaluate users whose presence may have changed by itself. */
  tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = (async () => {
      try {
        const started = performance.now();
        const publications: Publication[] = this.engine.sweep();
        this.noteDerivedChanges();
        // One transaction: the publications, and every row behind its inputs.
        await this.writer.write(publications, this.writer.pending);
        for (const publication of publications) this.published(publication, 'clock');
        this.bus.emit('presence.swept', { durationMs: performance.now() - started });
      } catch (error) {
        this.logger.error('presence tick failed', error instanceof Error ? error.stack : String(error));
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }
}
