import { Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
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
 * has begun. This process owns the presence timers; in a multi-process deployment exactly one
 * process would.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceService.name);
  private readonly settings: PresenceSettings;
  private engine!: PresenceEngine;
  private ticker?: NodeJS.Timeout;
  private ticking: Promise<void> | null = null;
  private stopOnActivity?: () => void;
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
    const now = this.clock.now();
    this.engine = new PresenceEngine(
      PRESENCE_POLICIES[this.config.PRESENCE_POLICY],
      this.settings,
      pacingSettingsOf(this.config),
      this.clock,
      this.config.PRESENCE_TIMER_TICK_MS,
    );
    this.position = now;
    if (!this.enabled) return;
    const rows = await this.rows.find();
    const published = await this.publishedViews(rows.map((row) => row.userId));
    for (const row of rows) {
      const tracked = fromRow(row, published.get(row.userId) ?? null);
      // Syncs in flight at shutdown were cut off; those devices get a full sync timeout to come back.
      if (tracked.inputs.devices.some((device) => (device.syncing ?? 0) > 0)) {
        tracked.inputs = {
          ...tracked.inputs,
          devices: tracked.inputs.devices.map((device) => ((device.syncing ?? 0) > 0 ? { ...device, syncing: 0, lastSeenTs: now } : device)),
        };
        this.writer.markChanged(tracked);
      }
      this.engine.restore(tracked);
    }
    this.noteDerivedChanges();
    this.stopOnActivity = this.listenForActivity();
    this.ticker = setInterval(() => void this.tick(), this.config.PRESENCE_TIMER_TICK_MS);
    this.ticker.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
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

  /** Applies client inputs through the engine, publishing at once what it says is due. */
  async apply(userId: string, inputs: PresenceInput[]): Promise<void> {
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
