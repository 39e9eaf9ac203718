import { jest } from '@jest/globals';
import type { Repository } from 'typeorm';
import type { DeviceEntity } from '../accounts/device.entity.js';
import { LocalLink, type ClusterTopic, type ClusterTopics } from '../cluster/cluster-link.js';
import type { Clock } from '../common/clock.js';
import { DomainEventBus } from '../common/event-bus.js';
import type { DatabaseWriter } from '../database/database-writer.service.js';
import { hashAccessToken } from './access-token.js';
import { SessionsService } from './sessions.service.js';

const TOKEN = 'syt_token';

/** A link whose `token-revoked` messages and reconnections the test sends by hand. */
class HandLink extends LocalLink {
  revoked?: (tokenHash: ClusterTopics['token-revoked']) => void;
  reconnected?: () => void;

  override on<T extends ClusterTopic>(_topic?: T, handler?: (message: ClusterTopics[T]) => void): () => void {
    this.revoked = handler as (tokenHash: string) => void;
    return () => undefined;
  }

  /** Whether each publish Redis takes, in turn (true once these run out), and what was published. */
  outcomes: boolean[] = [];
  readonly published: string[] = [];

  override async publish<T extends ClusterTopic>(_topic?: T, message?: ClusterTopics[T]): Promise<boolean> {
    this.published.push(String(message));
    return this.outcomes.shift() ?? true;
  }

  override onReconnect(handler?: () => void): () => void {
    this.reconnected = handler;
    return () => undefined;
  }
}

/** A device table of one row, whose lookups the test may hold until it lets them answer. */
function devicesWith(row: Partial<DeviceEntity>) {
  const lookups: Array<() => void> = [];
  let held = false;
  const repository = {
    lookups: 0,
    hold: () => (held = true),
    release: () => {
      held = false;
      for (const answer of lookups.splice(0)) answer();
    },
    findOneBy: (where: { tokenHash: string }) => {
      repository.lookups += 1;
      const answer = where.tokenHash === row.tokenHash ? row : null;
      return held ? new Promise((resolve) => lookups.push(() => resolve(answer))) : Promise.resolve(answer);
    },
  };
  return repository;
}

function sessionsOn(devices: ReturnType<typeof devicesWith>, link: HandLink): SessionsService {
  // A logout's transaction finds the device and deletes it.
  const manager = { findOneBy: async () => ({ tokenHash: hashAccessToken(TOKEN) }), delete: async () => undefined };
  const writer = { transaction: async (work: (manager: unknown) => Promise<void>) => work(manager) } as unknown as DatabaseWriter;
  const sessions = new SessionsService(devices as unknown as Repository<DeviceEntity>, writer, {} as Clock, link, new DomainEventBus());
  sessions.onModuleInit();
  return sessions;
}

describe(SessionsService.name, () => {
  const row = { userId: '@alice:localhost', deviceId: 'PHONE', tokenHash: hashAccessToken(TOKEN) };

  it('does not keep a lookup that a revocation from another process raced: the next request looks again', async () => {
    const devices = devicesWith(row);
    const link = new HandLink();
    const sessions = sessionsOn(devices, link);
    devices.hold();
    const lookup = sessions.authenticate(TOKEN);
    // The logout commits elsewhere and its message arrives before this read answers with the old row.
    link.revoked!(row.tokenHash);
    devices.release();
    expect(await lookup).toEqual({ userId: row.userId, deviceId: row.deviceId });
    await sessions.authenticate(TOKEN);
    expect(devices.lookups).toBe(2);
  });

  it('keeps a lookup no revocation raced, and forgets every token when the link comes back', async () => {
    const devices = devicesWith(row);
    const link = new HandLink();
    const sessions = sessionsOn(devices, link);
    await sessions.authenticate(TOKEN);
    await sessions.authenticate(TOKEN);
    expect(devices.lookups).toBe(1);
    link.reconnected!();
    await sessions.authenticate(TOKEN);
    expect(devices.lookups).toBe(2);
  });

  it('tells the other processes of a logout again until Redis takes it', async () => {
    jest.useFakeTimers();
    try {
      const link = new HandLink();
      link.outcomes = [false, false];
      const sessions = sessionsOn(devicesWith(row), link);
      await sessions.endSession({ userId: row.userId, deviceId: row.deviceId });
      expect(link.published).toEqual([row.tokenHash]);
      await jest.advanceTimersByTimeAsync(5_000);
      expect(link.published).toEqual([row.tokenHash, row.tokenHash, row.tokenHash]);
    } finally {
      jest.useRealTimers();
    }
  });
});
