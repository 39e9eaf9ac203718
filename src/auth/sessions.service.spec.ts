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
  const sessions = new SessionsService(devices as unknown as Repository<DeviceEntity>, {} as DatabaseWriter, {} as Clock, link, new DomainEventBus());
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
});
