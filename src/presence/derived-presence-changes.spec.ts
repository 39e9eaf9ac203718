import type { ClusterLink, ClusterTopic } from '../cluster/cluster-link.js';
import type { Clock } from '../common/clock.js';
import { DomainEventBus, type DomainEventMap } from '../common/event-bus.js';
import { DerivedPresenceChanges } from './derived-presence-changes.js';

/** Two processes' links joined to each other, as Redis joins them (a process never hears itself). */
function joinedLinks(): [ClusterLink, ClusterLink] {
  const handlers = [new Map<ClusterTopic, (message: string) => void>(), new Map<ClusterTopic, (message: string) => void>()];
  const link = (self: number): ClusterLink => ({
    clustered: true,
    processId: String(self),
    publish: async (topic, message) => {
      handlers[1 - self].get(topic)?.(message);
      return true;
    },
    on: (topic, handler) => {
      handlers[self].set(topic, handler as (message: string) => void);
      return () => handlers[self].delete(topic);
    },
    onReconnect: () => () => undefined,
    request: async () => '',
    isAlive: async () => true,
    serve: async () => async () => undefined,
  });
  return [link(0), link(1)];
}

describe(DerivedPresenceChanges.name, () => {
  let now = 10_000;
  const clock = { now: () => now } as Clock;

  function process(link: ClusterLink) {
    const bus = new DomainEventBus();
    const heard: Array<DomainEventMap['presence.derived-change']> = [];
    bus.on('presence.derived-change', (change) => void heard.push(change));
    const changes = new DerivedPresenceChanges(clock, bus, link);
    changes.onModuleInit();
    return { changes, heard };
  }

  it("notes the owner's changes at increasing positions, and every other process at the same ones", () => {
    const [ownerLink, otherLink] = joinedLinks();
    const owner = process(ownerLink);
    now = 9_000;
    const other = process(otherLink);
    now = 20_000;
    owner.changes.note(['@a:x', '@b:x']);

    expect(owner.heard).toEqual([
      { userId: '@a:x', position: 20_000 },
      { userId: '@b:x', position: 20_001 },
    ]);
    expect(other.heard).toEqual([
      { userId: '@a:x', position: 20_000, learned: true },
      { userId: '@b:x', position: 20_001, learned: true },
    ]);
    for (const { changes } of [owner, other]) {
      expect(changes.currentPosition()).toBe(20_001);
      expect(changes.changesBetween(['@a:x', '@b:x', '@c:x'], 19_999, 20_001)).toEqual(new Set(['@a:x', '@b:x']));
      expect(changes.changesBetween(['@a:x', '@b:x'], 20_000, 20_001)).toEqual(new Set(['@b:x']));
      expect(changes.changesBetween(['@a:x', '@b:x'], 20_001, 20_001)).toEqual(new Set());
    }
  });

  it('keeps a position a process started ahead of, and tells nothing when nothing changed', () => {
    const [ownerLink, otherLink] = joinedLinks();
    now = 5_000;
    const owner = process(ownerLink);
    now = 30_000;
    const other = process(otherLink);
    owner.changes.note([]);
    expect(other.heard).toEqual([]);
    now = 6_000;
    owner.changes.note(['@a:x']);
    expect(other.changes.currentPosition()).toBe(30_000);
    expect(other.changes.changesBetween(['@a:x'], 5_999, 30_000)).toEqual(new Set(['@a:x']));
  });
});
