import { Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainEventBus } from '../common/event-bus.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { AppConfig } from '../config/app-config.js';
import { EventStore } from '../events/event-store.service.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { EMPTY_INPUTS, type PresenceInput, type PresenceSettings, type PresenceView } from './core/presence-model.js';
import { PRESENCE_POLICIES } from './core/policies.js';
import { BY_HAND_INPUTS } from './core/presence-rules.js';
import { PresenceEngine, type Publication } from './presence-engine.js';
import { publishedViewOf } from './presence-events.js';
import { PresenceStateEntity } from './presence-state.entity.js';
import { fromRow } from './presence-state.mapper.js';
import { PresenceWriter } from './presence-writer.js';
import { TrackedPresence } from './tracked-presence.js';
import { pacingSettingsOf, presenceSettingsOf } from './presence-settings.js';

/** Users whose published presence is read at boot per query. */
const BOOT_CHUNK = 500;

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
 * lease (PresenceOwnership), which the others forward their inputs to.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceService.name);
  private readonly settings: PresenceSettings;
  private engine!: PresenceEngine;
  private ticker?: NodeJS.Timeout;
  private ticking: Promise<void> | null = null;
  private stopOnActivity?: () => void;
  private stopLearning?: () => void;
  private route?: (userId: string, inputs: PresenceInput[]) => Promise<void>;
  /** Users being read again after another process published their presence, by the read that covers them. */
  private readonly reloading = new Map<string, Promise<void>>();
  /** Users asked to be read again since the read under way began, and the read that will cover them. */
  private readonly reloadQueue = new Set<string>();
  private nextReload: Promise<void> | null = null;
  private lastReload: Promise<void> = Promise.resolve();
  /** Set at shutdown: requests still being served write their inputs at once, as no tick follows. */
  private closing = false;
  /** Set once the HTTP server has closed: no one is left to acknowledge an input to. */
  private stopped = false;
  /**
   * The presence stream: where each user's view for others last changed with no event written
   * (a derived lapse). Positions are times in ms, moved on by at least one per change, so they
   * keep increasing across restarts and a client's token from before one stays meaningful.
   */
  private position = 0;
  private readonly derivedAt = new Map<string, number>();

  constructor(
    @InjectRepository(PresenceStateEntity) private readonly rows: Repository<PresenceStateEntity>,
    private readonly store: EventStore,
    private readonly writer: PresenceWriter,
    private readonly profileRooms: ProfileRoomService,
    private readonly bus: DomainEventBus,
    private readonly clock: Clock,
    private readonly ids: MscIdentifiers,
    private readonly config: AppConfig,
  ) {
    this.settings = presenceSettingsOf(config);
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
      PRESENCE_POLICIES[this.config.PRESENCE_POLICY],
      this.settings,
      pacingSettingsOf(this.config),
      this.clock,
      this.config.PRESENCE_TIMER_TICK_MS,
    );
    this.position = this.clock.now();
    if (!this.enabled) return;
    this.stopOnActivity = this.listenForActivity();
    this.stopLearning = this.listenForOtherProcesses();
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

  /** Another process owns presence now (or may): this one stops its timers. */
  standDown(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /**
   * Loads every stored user into the engine. As owner, syncs in flight then were cut off (a
   * shutdown, or the owner that died): those devices get a full sync timeout to come back.
   */
  private async loadAll(owning: boolean): Promise<void> {
    const now = this.clock.now();
    const rows = await this.rows.find();
    const published = await this.publishedViews(rows.map((row) => row.userId));
    for (const row of rows) {
      const tracked = fromRow(row, published.get(row.userId) ?? null);
      if (owning && tracked.inputs.devices.some((device) => (device.syncing ?? 0) > 0)) {
        tracked.inputs = {
          ...tracked.inputs,
          devices: tracked.inputs.devices.map((device) => ((device.syncing ?? 0) > 0 ? { ...device, syncing: 0, lastSeenTs: now } : device)),
        };
        this.writer.markChanged(tracked);
      }
      this.engine.restore(tracked);
    }
    this.noteDerivedChanges();
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
    const record = (userId: string, input: PresenceInput) =>
      this.apply(userId, [input]).catch((error: unknown) =>
        this.logger.error(`${input.kind} of ${userId} not recorded`, error instanceof Error ? error.stack : String(error)),
      );
    const stops = [
      this.bus.on('user.activity', ({ userId, deviceId }) => void record(userId, { kind: 'activity', deviceId })),
      // Returned, so that signing in answers once the sign-in's presence is written.
      this.bus.on('device.signed-in', ({ userId }) => record(userId, { kind: 'login' })),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /**
   * Presence another process published (its m.presence / m.status in a profile room): the user's
   * stored inputs (their own view) and published view (everyone else's) are read again, so what
   * this process serves is the store's.
   */
  private listenForOtherProcesses(): () => void {
    return this.bus.on('room.events.persisted', ({ events, learned }) => {
      // The owner's engine is the truth; only the others read what it published.
      if (!learned || this.ticker) return;
      const types = [...this.ids.both('presence'), ...this.ids.both('status')];
      void this.refresh(events.filter((event) => types.includes(event.type) && event.stateKey !== null).map((event) => event.sender));
    });
  }

  /**
   * Reads the users' stored inputs and published views again, in a read that begins after this
   * call; never rejects. One read at a time: the users asked for while one runs are read together
   * in the next, so a burst of publications costs one query, not one per user.
   */
  refresh(userIds: Iterable<string>): Promise<void> {
    for (const userId of userIds) this.reloadQueue.add(userId);
    if (this.reloadQueue.size === 0) return Promise.resolve();
    if (!this.nextReload) {
      // After the read under way, and one turn of the event loop, so that the users asked for in this one join.
      const reload: Promise<void> = this.lastReload
        .then(() => new Promise((resolve) => setImmediate(resolve)))
        .then(() => {
          this.nextReload = null;
          const users = [...this.reloadQueue];
          this.reloadQueue.clear();
          return this.reload(users).finally(() => {
            for (const userId of users) if (this.reloading.get(userId) === reload) this.reloading.delete(userId);
          });
        })
        .catch((error: unknown) => this.logger.error('presence not read again', error instanceof Error ? error.stack : String(error)));
      this.nextReload = this.lastReload = reload;
    }
    for (const userId of this.reloadQueue) this.reloading.set(userId, this.nextReload);
    return this.nextReload;
  }

  /** Resolves once what another process published of the user has been read here. */
  async current(userId: string): Promise<void> {
    await this.reloading.get(userId);
  }

  private async reload(userIds: string[]): Promise<void> {
    const rows = new Map((await this.rows.findBy({ userId: In(userIds) })).map((row) => [row.userId, row]));
    const published = await this.publishedOf(userIds);
    for (const userId of userIds) {
      const row = rows.get(userId);
      const view = published.get(userId) ?? null;
      this.engine.restore(row ? fromRow(row, view) : new TrackedPresence(userId, EMPTY_INPUTS, view));
    }
  }

  /** The published views from the profile rooms' state, as the mirror holds it (it learned the events). */
  private async publishedOf(userIds: string[]): Promise<Map<string, PresenceView>> {
    const views = new Map<string, PresenceView>();
    for (const [userId, roomId] of await this.profileRooms.profileRoomIds(userIds)) {
      const view = publishedViewOf(await this.store.currentState(roomId), this.ids);
      if (view) views.set(userId, view);
    }
    return views;
  }

  /**
   * Where inputs go: applied here, or (set by PresenceOwnership in a cluster) forwarded to the
   * process that owns presence.
   */
  routeThrough(route: (userId: string, inputs: PresenceInput[]) => Promise<void>): void {
    this.route = route;
  }

  /** Takes client inputs: applied here, or forwarded to the owner of presence in a cluster. */
  apply(userId: string, inputs: PresenceInput[]): Promise<void> {
    return this.route ? this.route(userId, inputs) : this.applyHere(userId, inputs);
  }

  /** Applies client inputs through the engine, publishing at once what it says is due. */
  async applyHere(userId: string, inputs: PresenceInput[]): Promise<void> {
    if (!this.tracking || this.stopped) return;
    const { tracked, changed, publication } = this.engine.apply(userId, inputs);
    this.bus.emit('presence.applied', { kinds: inputs.map((input) => input.kind) });
    this.noteDerivedChanges();
    const acknowledged = inputs.some((input) => ACKNOWLEDGED_INPUTS.has(input.kind));
    if (!changed && !acknowledged) return;
    this.writer.markChanged(tracked);
    // Durable before acknowledgement (see the class comment); liveness alone waits for the tick.
    if (publication || this.closing || acknowledged) {
      await this.writer.write(publication ? [publication] : [], [tracked]);
      if (publication) this.published(publication, inputs.some((input) => BY_HAND_INPUTS.has(input.kind)) ? 'hand' : 'request');
    }
  }

  private published(publication: Publication, cause: 'hand' | 'request' | 'clock'): void {
    this.bus.emit('presence.published', { cause, changedAt: publication.changedAt, committedAt: this.clock.now() });
  }

  /** The user's presence as `viewerId` sees it: the truth for themselves, what was published for others. */
  view(userId: string, viewerId: string): PresenceView {
    if (!this.enabled) return NEVER_SEEN;
    return this.engine.view(userId, viewerId);
  }

  /** How many users the engine holds. */
  get trackedUsers(): number {
    return this.engine.trackedCount;
  }

  /** The device inputs the core holds for a user (for the user's own inspection). */
  inputsOf(userId: string) {
    return this.engine.tracked(userId)?.inputs ?? EMPTY_INPUTS;
  }

  /** Where the presence stream stands (see `derivedChangesBetween`). */
  currentPosition(): number {
    return this.position;
  }

  /** Users among `userIds` whose view for others changed with no event within the window (since, upTo] of the presence stream. */
  derivedChangesBetween(userIds: Iterable<string>, since: number, upTo: number): Set<string> {
    const changed = new Set<string>();
    for (const userId of userIds) {
      const at = this.derivedAt.get(userId);
      if (at !== undefined && at > since && at <= upTo) changed.add(userId);
    }
    return changed;
  }

  /** Moves the presence stream on for each derived change the engine reports, and tells the live channels. */
  private noteDerivedChanges(): void {
    for (const userId of this.engine.takeDerivedChanges()) {
      this.position = Math.max(this.position + 1, this.clock.now());
      this.derivedAt.set(userId, this.position);
      this.bus.emit('presence.derived-change', { userId });
    }
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

  /** What each user's profile room holds for others, read in chunks of users. */
  private async publishedViews(userIds: string[]): Promise<Map<string, PresenceView>> {
    const views = new Map<string, PresenceView>();
    const types = [...this.ids.both('presence'), ...this.ids.both('status')];
    for (let start = 0; start < userIds.length; start += BOOT_CHUNK) {
      const rooms = await this.profileRooms.profileRoomIds(userIds.slice(start, start + BOOT_CHUNK));
      const states = await this.store.currentStateOfRooms([...rooms.values()], types);
      for (const [userId, roomId] of rooms) {
        const view = publishedViewOf(states.get(roomId)!, this.ids);
        if (view) views.set(userId, view);
      }
    }
    return views;
  }
}
