import { Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainEventBus } from '../common/event-bus.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { AppConfig } from '../config/app-config.js';
import { EventStore } from '../events/event-store.service.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import {
  EMPTY_INPUTS,
  type PresenceEvaluation,
  type PresenceInput,
  type PresencePolicy,
  type PresenceSettings,
  type PresenceView,
} from './core/presence-model.js';
import { PRESENCE_POLICIES } from './core/policies.js';
import { BY_HAND_INPUTS, pendingChange, publicationDue, sameView } from './core/presence-rules.js';
import { publishedViewOf } from './presence-events.js';
import { PresenceStateEntity } from './presence-state.entity.js';
import { fromRow } from './presence-state.mapper.js';
import { PresenceWriter, type Publication } from './presence-writer.js';
import { TimerWheel } from './timer-wheel.js';
import { TrackedPresence } from './tracked-presence.js';

/** What led to a re-evaluation: a request (with the view before its inputs) or the clock (`before` null). */
interface RequestCause {
  byHand: boolean;
  before: PresenceView | null;
}

/** Users whose published presence is read at boot per query. */
const BOOT_CHUNK = 500;

/** The earlier of two times, either of which may be absent. */
function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

const NEVER_SEEN: PresenceView = Object.freeze({ presence: 'offline', currentlyActive: false, lastActiveTs: 0, statusMsg: null });

/**
 * Inputs a client is told were taken (manual presence, appear-offline, status text, a device's
 * explicit report): the user's row is committed before the answer.
 */
const ACKNOWLEDGED_INPUTS: ReadonlySet<string> = new Set([...BY_HAND_INPUTS, 'device-report']);

/**
 * The presence engine's shell around the pure core: it keeps every tracked user's inputs in
 * memory, wakes users when their presence will change by itself (one timer wheel swept each
 * tick) and publishes changes as m.presence / m.status state events in the owner's profile room.
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
  private readonly users = new Map<string, TrackedPresence>();
  private readonly policy: PresencePolicy;
  private readonly settings: PresenceSettings;
  private wheel!: TimerWheel<TrackedPresence>;
  private ticker?: NodeJS.Timeout;
  private ticking: Promise<void> | null = null;
  private stopOnActivity?: () => void;
  /** Set at shutdown: requests still being served write their inputs at once, as no tick follows. */
  private closing = false;
  /** Set once the HTTP server has closed: no one is left to acknowledge an input to. */
  private stopped = false;

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
    this.policy = PRESENCE_POLICIES[config.PRESENCE_POLICY];
    this.settings = {
      idleTimeoutMs: config.PRESENCE_IDLE_TIMEOUT_MS,
      syncOnlineTimeoutMs: config.PRESENCE_SYNC_ONLINE_TIMEOUT_MS,
      busyTimeoutMs: config.PRESENCE_BUSY_TIMEOUT_MS,
      lastActiveGranularityMs: config.PRESENCE_LAST_ACTIVE_GRANULARITY_MS,
      syncIsActivity: config.presenceSyncIsActivity,
    };
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
    return this.policy.name;
  }

  /** The timers and settings in force. */
  get settingsSnapshot(): PresenceSettings {
    return this.settings;
  }

  /** Loads stored inputs and re-arms every user, so a user online at shutdown still times out. */
  async onModuleInit(): Promise<void> {
    const now = this.clock.now();
    this.wheel = new TimerWheel(this.config.PRESENCE_TIMER_TICK_MS, now);
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
      this.users.set(row.userId, tracked);
      const evaluation = this.evaluate(tracked, now);
      // A change that happened while the server was down is published at the first tick.
      const stale = !tracked.published || !sameView(tracked.published, evaluation.forOthers);
      this.arm(tracked, stale ? now : evaluation.nextChangeAt);
    }
    this.stopOnActivity = this.listenForActivity();
    this.ticker = setInterval(() => void this.tick(), this.config.PRESENCE_TIMER_TICK_MS);
    this.ticker.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearInterval(this.ticker);
    this.stopOnActivity?.();
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
      this.bus.on('device.signed-in', ({ userId }) => void record(userId, { kind: 'login' })),
    ];
    return () => stops.forEach((stop) => stop());
  }

  /** Applies client inputs through the policy, publishing at once if presence changed. */
  async apply(userId: string, inputs: PresenceInput[]): Promise<void> {
    if (!this.tracking || this.stopped) return;
    const now = this.clock.now();
    const tracked = this.track(userId);
    const before = this.evaluate(tracked, now).forOthers;
    const previous = tracked.inputs;
    for (const input of inputs) tracked.inputs = this.policy.apply(tracked.inputs, input, now, this.settings);
    // Inputs the policy ignores (a sign-in under the legacy policy) leave nothing to write or publish.
    if (tracked.inputs === previous && !inputs.some((input) => ACKNOWLEDGED_INPUTS.has(input.kind))) return;
    this.writer.markChanged(tracked);
    const publication = this.reconcile(tracked, now, { byHand: inputs.some((input) => BY_HAND_INPUTS.has(input.kind)), before });
    // Durable before acknowledgement (see the class comment); liveness alone waits for the tick.
    if (publication || this.closing || inputs.some((input) => ACKNOWLEDGED_INPUTS.has(input.kind))) {
      await this.writer.write(publication ? [publication] : [], [tracked]);
    }
  }

  /** The user's presence as `viewerId` sees it: the truth for themselves, the published view for others. */
  view(userId: string, viewerId: string): PresenceView {
    const tracked = this.users.get(userId);
    if (!tracked || !this.enabled) return NEVER_SEEN;
    if (userId === viewerId) return this.evaluate(tracked, this.clock.now()).forSelf;
    return tracked.published ?? NEVER_SEEN;
  }

  /** The device inputs the core holds for a user (for the user's own inspection). */
  inputsOf(userId: string) {
    return this.users.get(userId)?.inputs ?? EMPTY_INPUTS;
  }

  /** One sweep of the timer wheel: re-evaluate users whose presence may have changed by itself. */
  tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = (async () => {
      try {
        const now = this.clock.now();
        const publications: Publication[] = [];
        for (const tracked of this.wheel.takeDue(now)) {
          const publication = this.reconcile(tracked, now, { byHand: false, before: null });
          if (publication) publications.push(publication);
        }
        // One transaction: the publications, and every row behind its inputs.
        await this.writer.write(publications, this.writer.pending);
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

  private track(userId: string): TrackedPresence {
    let tracked = this.users.get(userId);
    if (!tracked) this.users.set(userId, (tracked = new TrackedPresence(userId, EMPTY_INPUTS, null)));
    return tracked;
  }

  /**
   * The policy's answer for the user now. With the same inputs it stands until its nextChangeAt
   * (the core's promise, tested), so the last one is reused: a request asks for it before and
   * after its inputs, and a /sync again for the user's own presence.
   */
  private evaluate(tracked: TrackedPresence, now: number): PresenceEvaluation {
    const last = tracked.evaluation;
    if (last && tracked.evaluatedInputs === tracked.inputs && now >= tracked.evaluatedAt && (last.nextChangeAt === null || now < last.nextChangeAt)) {
      return last;
    }
    const evaluation = this.policy.evaluate(tracked.inputs, now, this.settings);
    tracked.evaluation = evaluation;
    tracked.evaluatedInputs = tracked.inputs;
    tracked.evaluatedAt = now;
    return evaluation;
  }

  private arm(tracked: TrackedPresence, at: number | null): void {
    if (at === null) this.wheel.cancel(tracked);
    else this.wheel.schedule(tracked, at);
  }

  /**
   * Re-evaluates a user, re-arms their timer and returns what must be published, if anything.
   * `published` moves before the write so concurrent inputs never publish the same change twice.
   */
  private reconcile(tracked: TrackedPresence, now: number, cause: RequestCause): Publication | null {
    const evaluation = this.evaluate(tracked, now);
    const previous = tracked.published;
    const byRequest = cause.before !== null && !sameView(cause.before, evaluation.forOthers);
    tracked.pending = pendingChange(previous, evaluation.forOthers, tracked.pending, now, byRequest);
    const due = publicationDue(previous && { view: previous, at: tracked.publishedAt }, evaluation.forOthers, now, {
      byHand: cause.byHand,
      byRequest: tracked.pending?.byRequest ?? false,
      pendingSince: tracked.pending?.since ?? now,
      minIntervalMs: this.config.PRESENCE_MIN_PUBLISH_INTERVAL_MS,
      settleMs: this.config.PRESENCE_SETTLE_MS,
    });
    // Wake when presence changes by itself, or when a held-back change falls due, whichever is first.
    this.arm(tracked, earliest(evaluation.nextChangeAt, due !== null && due > now ? due : null));
    if (due !== now) return null;
    tracked.published = evaluation.forOthers;
    tracked.publishedAt = now;
    tracked.pending = null;
    return { userId: tracked.userId, view: evaluation.forOthers, previous };
  }
}
