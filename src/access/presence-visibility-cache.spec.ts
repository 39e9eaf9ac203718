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
  it('answers from a remembered decision until a membership changes anywhere', async () => {
    const { visibility, persisted, checks } = cache();
    visibility.remember('@viewer:t', ['@a:t', '@b:t'], true, visibility.currentEpoch);
    expect(visibility.known('@viewer:t', '@a:t')).toBe(true);
    expect(await visibility.maySeePresence('@viewer:t', '@b:t')).toBe(true);
    expect(checks()).toBe(0);
    persisted('m.room.member');
    expect(visibility.known('@viewer:t', '@a:t')).toBeUndefined();
    await visibility.maySeePresence('@viewer:t', '@a:t');
    expect(checks()).toBe(1);
  });

  it('does not store a decision made before a change that came in meanwhile', () => {
    const { visibility, persisted } = cache();
    const epoch = visibility.currentEpoch;
    persisted('m.profile.privacy');
    visibility.remember('@viewer:t', ['@a:t'], true, epoch);
    expect(visibility.known('@viewer:t', '@a:t')).toBeUndefined();
  });
});
