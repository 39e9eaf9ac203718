import { MscIdentifiers } from '../common/msc-identifiers.js';
import { EventEntity } from '../events/event.entity.js';
import { RoomState } from '../events/room-state.js';
import { presenceEventContent, publishedViewOf, statusEventContent } from './presence-events.js';
import type { PresenceView } from './core/presence-model.js';

const stateEvent = (type: string, content: Record<string, unknown>, streamOrdering: number) =>
  Object.assign(new EventEntity(), { type, stateKey: '', content, streamOrdering, roomId: '!profile:example.org' });

describe(publishedViewOf.name, () => {
  const stable = new MscIdentifiers('stable');
  const unstable = new MscIdentifiers('unstable');
  const busy: PresenceView = { presence: 'busy', currentlyActive: false, lastActiveTs: 1_700_000_000_000, statusMsg: 'lunch' };

  it('reads back what presenceEventContent and statusEventContent wrote', () => {
    for (const ids of [stable, unstable]) {
      const state = new RoomState([
        stateEvent(ids.write('presence'), presenceEventContent(busy, ids), 1),
        stateEvent(ids.write('status'), statusEventContent(busy.statusMsg), 2),
      ]);
      expect(publishedViewOf(state, ids)).toEqual(busy);
    }
  });

  it('takes the newer event where both identifier forms were written', () => {
    const online: PresenceView = { presence: 'online', currentlyActive: true, lastActiveTs: 1_700_000_100_000, statusMsg: null };
    const state = new RoomState([
      stateEvent(unstable.write('presence'), presenceEventContent(busy, unstable), 5),
      stateEvent(stable.write('presence'), presenceEventContent(online, stable), 3),
      stateEvent(unstable.write('status'), statusEventContent('lunch'), 4),
      stateEvent(stable.write('status'), statusEventContent(null), 6),
    ]);
    expect(publishedViewOf(state, stable)).toEqual({ ...busy, statusMsg: null });
  });

  it('is null when nothing was published, or the presence value is not one it knows', () => {
    expect(publishedViewOf(new RoomState(), stable)).toBeNull();
    expect(publishedViewOf(new RoomState([stateEvent('m.presence', { presence: 'dancing' }, 1)]), stable)).toBeNull();
  });
});
