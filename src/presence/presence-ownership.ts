import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CLUSTER_LINK, NoServerError, type ClusterLink } from '../cluster/cluster-link.js';
import { LeaseLostError, OwnerLease, PRESENCE_OWNER_LOCK_KEY } from '../cluster/owner-lease.js';
import { RecentAnswers } from '../cluster/recent-answers.js';
import { MatrixError } from '../common/matrix-error.js';
import { AppConfig } from '../config/app-config.js';
import { EventStore } from '../events/event-store.service.js';
import { ReadinessChecks } from '../operations/readiness-checks.js';
import { BY_HAND_INPUTS } from './core/presence-rules.js';
import type { PresenceInput, PresenceInputs } from './core/presence-model.js';
import { PresenceService } from './presence.service.js';
import { PresenceWriter } from './presence-writer.js';
import { StoredPresence } from './stored-presence.js';

const SERVICE = 'presence-inputs';

/** Which process's client sent a forwarded request, and its number there: the request's key at the owner. */
interface Origin {
  from: string;
  id: number;
}

/**
 * One forwarded request: which process's client sent it (and its number there, the same in each
 * retry), whose inputs, and whether they spend the rate limit.
 */
interface Forwarded extends Origin {
  userId: string;
  inputs: PresenceInput[];
  rateLimited: boolean;
}

/**
 * The owner's answer: the event position that holds what it published and the user's inputs as
 * they stand after the forwarded ones, or the wait the rate limit asks for (nothing taken).
 */
type Answer = { position: number; inputs: PresenceInputs } | { retryAfterMs: number };

/** Inputs a client waits to be told were taken; the others (liveness) are dropped after a handover that failed. */
const ACKNOWLEDGED: ReadonlySet<string> = new Set([...BY_HAND_INPUTS, 'device-report']);

/**
 * Exactly one process of a cluster owns presence (Synapse's presence writer): it holds the lease
 * (OwnerLease), runs the timers and publishes; the others forward every input to it through the
 * cluster link and read presence from the store, but for a user's own inputs, which they take
 * from the owner (its answers, `readOwn`): the store has liveness only from the owner's next
 * tick. When the owner dies, another takes the lease within PRESENCE_OWNER_LEASE_MS and loads
 * every user again (PresenceService.takeOver).
 *
 * The owner counts each process's syncs in flight; a process that stops renewing its heartbeat
 * has its syncs ended (Synapse's ClearUserSyncs), so none of its users stays online for ever. A
 * forwarded input is retried until an owner answers, for twice the lease; then an acknowledged
 * input is refused with 503 (never a 200 for an input that was not taken), and liveness is dropped.
 * A request retried after its answer was late is answered once: the owner keeps its answers for as
 * long as a sender retries (RecentAnswers), so a sync is never counted twice and left live for ever.
 *
 * Every presence write is fenced: it commits only while this process's lease still holds the lock
 * (OwnerLease.assertHeld). A new owner first passes through the event stream's lock, which every
 * write holds, so no write of a former owner commits after it has read the store. An input whose
 * write was refused goes to the new owner instead.
 */
@Injectable()
export class PresenceOwnership implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('PresenceOwner');
  private lease?: OwnerLease;
  private stopServing?: () => Promise<void>;
  private reaper?: NodeJS.Timeout;
  /** Syncs in flight per process, then per `user\0device`: their count. */
  private readonly syncs = new Map<string, Map<string, number>>();
  /** The owner as last seen: this process's ID, or null while unknown (see `owner`). */
  private owning = false;
  private since: number | null = null;
  /** Moves on at each takeover and each loss of the lease: a takeover still under way when the lease is lost gives up. */
  private tenure = 0;
  private takingOver = Promise.resolve();
  /** Forwarded requests this process answered as owner, kept for as long as their senders retry. */
  private readonly answered: RecentAnswers;
  private forwarded = 0;

  constructor(
    private readonly presence: PresenceService,
    private readonly writer: PresenceWriter,
    private readonly stored: StoredPresence,
    private readonly store: EventStore,
    private readonly config: AppConfig,
    private readonly readiness: ReadinessChecks,
    @Inject(CLUSTER_LINK) private readonly link: ClusterLink,
  ) {
    // A sender retries for twice the lease after its first try, plus the last try's timeout.
    this.answered = new RecentAnswers(3 * config.PRESENCE_OWNER_LEASE_MS + 2_000);
  }

  async onModuleInit(): Promise<void> {
    if (!this.link.clustered || !this.presence.enabled || !this.config.DATABASE_URL) return;
    this.presence.routeThrough({
      apply: (userId, inputs, rateLimited) => (this.owning ? this.applyOwning(userId, inputs, rateLimited) : this.forward(userId, inputs, rateLimited)),
      readOwn: (userId) => this.readOwn(userId),
    });
    const lease = new OwnerLease(this.config.DATABASE_URL, PRESENCE_OWNER_LOCK_KEY, this.config.PRESENCE_OWNER_LEASE_MS, {
      // One takeover at a time: one that gives up undoes only its own.
      acquired: () => void (this.takingOver = this.takingOver.then(() => this.takeOver())),
      lost: () => void this.standDown('its lease was lost (its database session failed, or no longer holds the lock)'),
    });
    this.lease = lease;
    this.writer.fenceWith((sql) => lease.assertHeld(sql));
    await this.lease.start();
    // Ready means presence inputs have somewhere to go: this process owns, or another does.
    this.readiness.register('presence-owner', async () => ({ 'presence-owner': { status: 'up', owner: this.owning ? 'this process' : 'another process' } }));
  }

  /** Who owns presence, for the admin API. */
  status(): { clustered: boolean; processId: string; owner: boolean; ownerSince: number | null } {
    return { clustered: this.link.clustered, processId: this.link.processId, owner: !this.link.clustered || this.owning, ownerSince: this.since };
  }

  /**
   * Loads every user and serves forwarded inputs. When the lease is lost meanwhile, or a step fails
   * (the database or Redis out of reach), what was begun is undone and the lease given up, so that
   * this process or another tries again rather than holding a lease that serves no one.
   */
  private async takeOver(): Promise<void> {
    const tenure = ++this.tenure;
    const started = Date.now();
    try {
      // Through the event stream's lock: a former owner's write still under way commits before the load, or is fenced.
      await this.store.write(async () => undefined);
      await this.presence.takeOver();
      this.syncs.clear();
      this.answered.clear();
      this.stopServing = await this.link.serve(SERVICE, (body) => {
        const forwarded = JSON.parse(body) as Forwarded;
        return this.answered.answer(`${forwarded.from}/${forwarded.id}`, () => this.serve(forwarded));
      });
    } catch (error) {
      this.logger.error(`Taking over presence failed; the lease is given up: ${error instanceof Error ? error.message : String(error)}`);
      await this.abandon();
      this.lease?.release();
      return;
    }
    if (tenure !== this.tenure || !this.lease?.holding) {
      this.logger.warn('The presence lease was lost while taking over');
      return this.abandon();
    }
    this.owning = true;
    this.since = Date.now();
    this.reaper = setInterval(
      () => void this.reapDeadProcesses().catch((error: unknown) => this.logger.warn(`Syncs of stopped processes not ended yet: ${String(error)}`)),
      Math.max(100, Math.floor(this.config.PRESENCE_OWNER_LEASE_MS / 2)),
    );
    this.reaper.unref();
    this.logger.log(`This process (${this.link.processId}, pid ${process.pid}) owns presence now; users loaded in ${Date.now() - started} ms`);
  }

  private async standDown(reason: string): Promise<void> {
    this.tenure += 1;
    if (!this.owning) return;
    this.owning = false;
    this.since = null;
    clearInterval(this.reaper);
    this.presence.standDown(new LeaseLostError());
    await this.stopServing?.();
    this.logger.warn(`This process no longer owns presence: ${reason}`);
  }

  /** Undoes a takeover that did not finish: no timers, nothing queued to write, no serving. */
  private async abandon(): Promise<void> {
    this.presence.standDown(new LeaseLostError());
    await this.stopServing?.().catch(() => undefined);
    this.stopServing = undefined;
  }

  /** The owner's side: apply (nothing for a read), counting the sender's syncs (those taken); answers with an `Answer`. */
  private async serve({ from, id, userId, inputs, rateLimited }: Forwarded): Promise<string> {
    const retryAfterMs = inputs.length === 0 ? null : await this.applyOwning(userId, inputs, rateLimited, { from, id });
    if (retryAfterMs !== null) return JSON.stringify({ retryAfterMs } satisfies Answer);
    for (const input of inputs) {
      if (input.kind !== 'sync' && input.kind !== 'sync-end') continue;
      const key = `${userId}\u0000${input.deviceId}`;
      let open = this.syncs.get(from);
      if (!open) this.syncs.set(from, (open = new Map()));
      const count = (open.get(key) ?? 0) + (input.kind === 'sync' ? 1 : -1);
      if (count > 0) open.set(key, count);
      else open.delete(key);
    }
    return JSON.stringify({ position: this.store.currentPosition(), inputs: this.presence.inputsOf(userId) } satisfies Answer);
  }

  /** Ends the syncs of processes that stopped renewing their heartbeat. */
  private async reapDeadProcesses(): Promise<void> {
    for (const [processId, open] of this.syncs) {
      if (processId === this.link.processId || open.size === 0 || (await this.link.isAlive(processId))) continue;
      this.syncs.delete(processId);
      this.logger.warn(`Process ${processId} stopped: ending its ${open.size} syncs in flight`);
      for (const [key, count] of open) {
        const [userId, deviceId] = key.split('\u0000');
        const ends = Array.from({ length: count }, () => ({ kind: 'sync-end', deviceId }) as const);
        await this.presence.applyHere(userId, ends).catch((error: unknown) => this.logger.error(`sync end of ${userId} not applied: ${String(error)}`));
      }
    }
  }

  /**
   * Applied here as owner; an input whose write was fenced or dropped (the lease had passed on) goes
   * to the new owner, a forwarded one under the key it came with, so that the new owner applies it
   * once even when its sender, whose answer was late, asks the new owner too.
   */
  private async applyOwning(userId: string, inputs: PresenceInput[], rateLimited: boolean, origin?: Origin): Promise<number | null> {
    try {
      return await this.presence.applyHere(userId, inputs, rateLimited);
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      return this.forward(userId, inputs, rateLimited, origin);
    }
  }

  /**
   * A user reading themselves: the inputs the owner holds, as forwarding no inputs answers them.
   * The store's row lags the owner (liveness is written at its next tick), so it serves only
   * while no owner answers (a handover), rather than keeping the read waiting for one.
   */
  private async readOwn(userId: string): Promise<void> {
    if (this.owning) return;
    try {
      const answer = await this.ask(this.forwarding(userId, [], false));
      if ('inputs' in answer) await this.presence.adoptOwnerInputs(userId, answer.inputs);
    } catch (error) {
      if (!(error instanceof NoServerError)) throw error;
      await this.stored.refresh([userId]);
    }
  }

  private forwarding(userId: string, inputs: PresenceInput[], rateLimited: boolean, origin: Origin = { from: this.link.processId, id: ++this.forwarded }): string {
    return JSON.stringify({ ...origin, userId, inputs, rateLimited } satisfies Forwarded);
  }

  /** The owner's answer to a forwarded request; a late one (2 s, or the lease if shorter) fails as NoServerError. */
  private async ask(body: string): Promise<Answer> {
    return JSON.parse(await this.link.request(SERVICE, body, Math.min(2_000, this.config.PRESENCE_OWNER_LEASE_MS))) as Answer;
  }

  /** A non-owner's side: to the owner, retried through a handover; answers as PresenceService.apply does. */
  private async forward(userId: string, inputs: PresenceInput[], rateLimited: boolean, origin?: Origin): Promise<number | null> {
    const body = this.forwarding(userId, inputs, rateLimited, origin);
    const deadline = Date.now() + 2 * this.config.PRESENCE_OWNER_LEASE_MS;
    for (;;) {
      if (this.owning) return this.presence.applyHere(userId, inputs, rateLimited);
      try {
        const answer = await this.ask(body);
        if ('retryAfterMs' in answer) return answer.retryAfterMs;
        // What the owner published is learned here before the answer, and its inputs taken as they are, not read back
        // from the store (where liveness lands only at the owner's next tick): the client reads its own write from this process.
        await this.store.catchUp(answer.position);
        await this.presence.adoptOwnerInputs(userId, answer.inputs);
        return null;
      } catch (error) {
        if (!(error instanceof NoServerError)) throw error;
        if (Date.now() >= deadline) {
          if (inputs.some((input) => ACKNOWLEDGED.has(input.kind))) {
            throw new MatrixError(503, 'M_UNKNOWN', 'Presence is changing owner and could not take this change; try again');
          }
          this.logger.warn(`${inputs.map((input) => input.kind).join(', ')} of ${userId} dropped: no presence owner answered`);
          return null;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.reaper);
    await this.stopServing?.();
    // What the owner holds is written before the lease goes, so the next owner loads it.
    if (this.owning) await this.presence.onApplicationShutdown();
    await this.lease?.stop();
  }
}
