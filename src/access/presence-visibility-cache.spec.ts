import { DomainEventBus } from '../common/event-bus.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import type { EventEntity } from '../events/event.entity.js';
import { PresenceVisibilityCache } from './presence-visibility-cache.js';
import type { RoomAccessService } from './room-access.service.js';

function cache() {
  const bus = new DomainEventBus();
  let checks = 0;
  const access = { maySeePresence: async () => (checks += 1) > 0 } as unknown as RoomAccessService;
  const visibility = new PresenceVisibilityCache(access, bus, new MscIdentifiers('stable'));
  visibility.onModuleInit();
  const persisted = (type: string) => bus.emit('room.events.persisted', { events: [{ type } as EventEntity] } as never);
  return { visibility, persisted, checks: () => checks };
}

describe('PresenceVisibilityCache', () => {
  it('answers from a decision until a membership or privacy change anywhere starts a new epoch', async () => {
    const { visibility, persisted, checks } = cache();
    expect(visibility.known('@viewer:t', '@a:t')).toBeUndefined();
    expect(await visibility.maySeePresence('@viewer:t', '@a:t')).toBe(true);
    expect(visibility.known('@viewer:t', '@a:t')).toBe(true);
    await visibility.maySeePresence('@viewer:t', '@a:t');
    expect(checks()).toBe(1);
    const epoch = visibility.currentEpoch;
    persisted('m.room.message');
    expect(visibility.currentEpoch).toBe(epoch);
    persisted('m.room.member');
    persisted('m.profile.privacy');
    expect(visibility.currentEpoch).toBe(epoch + 2);
    expect(visibility.known('@viewer:t', '@a:t')).toBeUndefined();
    await visibility.maySeePresence('@viewer:t', '@a:t');
    expect(checks()).toBe(2);
  });
});
