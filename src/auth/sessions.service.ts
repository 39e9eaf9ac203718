import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DeviceEntity } from '../accounts/device.entity.js';
import { CLUSTER_LINK, type ClusterLink } from '../cluster/cluster-link.js';
import { Clock } from '../common/clock.js';
import { DomainEventBus } from '../common/event-bus.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import { newAccessToken, newDeviceId } from '../common/matrix-ids.js';
import { hashAccessToken } from './access-token.js';
import type { Requester } from './requester.js';

/**
 * Cached token lookups, keyed by the token itself so a known token costs no hash; bounded, and
 * dropped on logout (which knows the stored hash, hence the second map). Other processes are told
 * the hashes a commit revoked, and drop them too.
 */
const CACHE_LIMIT = 50_000;
/** How many more times (a second apart) a revocation Redis could not take is sent. */
const TELL_RETRIES = 300;

/** Devices and their access tokens: creating a login, authenticating a request, logging out. */
@Injectable()
export class SessionsService implements OnModuleInit {
  private readonly cache = new Map<string, { requester: Requester; tokenHash: string }>();
  private readonly tokenByHash = new Map<string, string>();
  /** Moves on at every revocation heard of: a lookup that a revocation raced is not cached. */
  private revocations = 0;

  constructor(
    @InjectRepository(DeviceEntity) private readonly devices: Repository<DeviceEntity>,
    private readonly writer: DatabaseWriter,
    private readonly clock: Clock,
    @Inject(CLUSTER_LINK) private readonly link: ClusterLink,
    private readonly bus: DomainEventBus,
  ) {}

  onModuleInit(): void {
    this.link.on('token-revoked', (tokenHash) => this.revoked(tokenHash));
    // A revocation may have been missed while the link was down: every token is looked up again.
    this.link.onReconnect(() => {
      this.revocations += 1;
      this.cache.clear();
      this.tokenByHash.clear();
      this.bus.emit('access-token.revoked', { tokenHash: null });
    });
  }

  /**
   * Starts a session on a new device, or on the named one (whose old token stops working,
   * as the spec asks for a login that reuses a device ID).
   */
  async createSession(
    userId: string,
    deviceId?: string,
    displayName?: string,
  ): Promise<{ deviceId: string; accessToken: string }> {
    const accessToken = newAccessToken();
    const id = deviceId ?? newDeviceId();
    const revoked: string[] = [];
    await this.writer.transaction(async (manager) => {
      const existing = await manager.findOneBy(DeviceEntity, { userId, deviceId: id });
      if (existing) revoked.push(existing.tokenHash);
      await manager.upsert(
        DeviceEntity,
        {
          userId,
          deviceId: id,
          tokenHash: hashAccessToken(accessToken),
          displayName: displayName ?? existing?.displayName ?? null,
          createdTs: existing?.createdTs ?? this.clock.now(),
        },
        ['userId', 'deviceId'],
      );
    });
    await this.revoke(revoked);
    return { deviceId: id, accessToken };
  }

  async authenticate(accessToken: string): Promise<Requester | null> {
    const cached = this.cache.get(accessToken);
    if (cached) return cached.requester;
    const tokenHash = hashAccessToken(accessToken);
    const revocations = this.revocations;
    const device = await this.devices.findOneBy({ tokenHash });
    if (!device) return null;
    const requester = { userId: device.userId, deviceId: device.deviceId };
    // The row may predate a revocation told meanwhile (the message can outrun this read): not kept.
    if (revocations !== this.revocations) return requester;
    if (this.cache.size >= CACHE_LIMIT) this.forget(this.cache.values().next().value!.tokenHash);
    this.cache.set(accessToken, { requester, tokenHash });
    this.tokenByHash.set(tokenHash, accessToken);
    return requester;
  }

  async endSession(requester: Requester): Promise<void> {
    const revoked: string[] = [];
    await this.writer.transaction(async (manager) => {
      const key = { userId: requester.userId, deviceId: requester.deviceId };
      const device = await manager.findOneBy(DeviceEntity, key);
      if (!device) return;
      revoked.push(device.tokenHash);
      await manager.delete(DeviceEntity, key);
    });
    await this.revoke(revoked);
  }

  async endAllSessions(userId: string): Promise<void> {
    const revoked: string[] = [];
    await this.writer.transaction(async (manager) => {
      for (const device of await manager.findBy(DeviceEntity, { userId })) revoked.push(device.tokenHash);
      await manager.delete(DeviceEntity, { userId });
    });
    await this.revoke(revoked);
  }

  async listDevices(userId: string): Promise<DeviceEntity[]> {
    return this.devices.findBy({ userId });
  }

  /**
   * Tokens whose devices a commit deleted or re-keyed: dropped here and on every other process.
   * After the commit, so a lookup racing it cannot cache the old row again.
   */
  private async revoke(tokenHashes: string[]): Promise<void> {
    for (const tokenHash of tokenHashes) this.revoked(tokenHash);
    // The answer waits for the other processes to have been told: the token is refused everywhere once it comes.
    await Promise.all(tokenHashes.map((tokenHash) => this.tell(tokenHash)));
  }

  /**
   * Tells the other processes of a revoked token. When Redis could not take it, the logout still
   * stands (the row is gone), and the message is sent again each second until it goes, for
   * up to TELL_RETRIES seconds: a process that lost Redis meanwhile reads every token again anyway.
   */
  private async tell(tokenHash: string): Promise<void> {
    if (await this.link.publish('token-revoked', tokenHash)) return;
    void (async () => {
      for (let attempt = 0; attempt < TELL_RETRIES; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
        if (await this.link.publish('token-revoked', tokenHash)) return;
      }
    })();
  }

  /** A token stopped signing in: forgotten here, and what holds it open (a WebSocket) is told. */
  private revoked(tokenHash: string): void {
    this.revocations += 1;
    this.forget(tokenHash);
    this.bus.emit('access-token.revoked', { tokenHash });
  }

  private forget(tokenHash: string): void {
    const token = this.tokenByHash.get(tokenHash);
    if (token === undefined) return;
    this.tokenByHash.delete(tokenHash);
    this.cache.delete(token);
  }
}
