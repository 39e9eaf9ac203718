import { EventEntity } from '../events/event.entity.js';
import { RoomState } from '../events/room-state.js';
import { checkEventAuth } from './room-auth-rules.js';

let ordering = 0;
function stateEvent(type: string, stateKey: string, content: Record<string, unknown>, sender = '@alice:hs'): EventEntity {
  return Object.assign(new EventEntity(), {
    streamOrdering: ++ordering,
    eventId: `$${ordering}`,
    roomId: '!r:hs',
    type,
    stateKey,
    sender,
    content,
    unsigned: null,
    originServerTs: 0,
    deviceId: null,
    txnId: null,
  });
}

function room(joinRule = 'invite', extraMembers: Record<string, string> = {}, users: Record<string, number> = {}) {
  return new RoomState([
    stateEvent('m.room.create', '', { creator: '@alice:hs' }),
    stateEvent('m.room.member', '@alice:hs', { membership: 'join' }),
    stateEvent('m.room.power_levels', '', {
      users: { '@alice:hs': 100, ...users },
      users_default: 0,
      events: { 'm.room.name': 50, 'm.room.power_levels': 100 },
      events_default: 0,
      state_default: 50,
      invite: 50,
      kick: 50,
      ban: 50,
      redact: 50,
    }),
    stateEvent('m.room.join_rules', '', { join_rule: joinRule }),
    ...Object.entries(extraMembers).map(([user, membership]) => stateEvent('m.room.member', user, { membership }, user)),
  ]);
}

const member = (sender: string, target: string, membership: string) => ({
  type: 'm.room.member',
  stateKey: target,
  sender,
  content: { membership },
});

describe('room auth rules', () => {
  describe('joining', () => {
    it('lets anyone join a public room', () => {
      expect(checkEventAuth(room('public'), member('@bob:hs', '@bob:hs', 'join'))).toBeNull();
    });

    it('refuses an uninvited user in an invite-only room', () => {
      expect(checkEventAuth(room('invite'), member('@bob:hs', '@bob:hs', 'join'))).toMatch(/not invited/);
    });

    it('lets an invited user join an invite-only room', () => {
      expect(checkEventAuth(room('invite', { '@bob:hs': 'invite' }), member('@bob:hs', '@bob:hs', 'join'))).toBeNull();
    });

    it('refuses a banned user even in a public room', () => {
      expect(checkEventAuth(room('public', { '@bob:hs': 'ban' }), member('@bob:hs', '@bob:hs', 'join'))).toMatch(/banned/);
    });

    it('refuses joining on behalf of someone else', () => {
      expect(checkEventAuth(room('public'), member('@alice:hs', '@bob:hs', 'join'))).not.toBeNull();
    });
  });

  describe('inviting', () => {
    it('lets a member with enough power invite', () => {
      expect(checkEventAuth(room(), member('@alice:hs', '@bob:hs', 'invite'))).toBeNull();
    });

    it('refuses a member below the invite level', () => {
      const state = room('invite', { '@carol:hs': 'join' });
      expect(checkEventAuth(state, member('@carol:hs', '@bob:hs', 'invite'))).toMatch(/power level 50/);
    });

    it('refuses a non-member', () => {
      expect(checkEventAuth(room(), member('@mallory:hs', '@bob:hs', 'invite'))).toMatch(/not in the room/);
    });

    it('refuses inviting someone already joined', () => {
      expect(checkEventAuth(room('invite', { '@bob:hs': 'join' }), member('@alice:hs', '@bob:hs', 'invite'))).toMatch(
        /already/,
      );
    });
  });

  describe('leaving and kicking', () => {
    it('lets a member leave and an invitee reject', () => {
      const state = room('invite', { '@bob:hs': 'join', '@carol:hs': 'invite' });
      expect(checkEventAuth(state, member('@bob:hs', '@bob:hs', 'leave'))).toBeNull();
      expect(checkEventAuth(state, member('@carol:hs', '@carol:hs', 'leave'))).toBeNull();
    });

    it('refuses leaving a room one is not in', () => {
      expect(checkEventAuth(room(), member('@bob:hs', '@bob:hs', 'leave'))).toMatch(/not in the room/);
    });

    it('lets a higher member kick a lower one but not the reverse', () => {
      const state = room('invite', { '@bob:hs': 'join' });
      expect(checkEventAuth(state, member('@alice:hs', '@bob:hs', 'leave'))).toBeNull();
      expect(checkEventAuth(state, member('@bob:hs', '@alice:hs', 'leave'))).toMatch(/cannot kick/);
    });
  });

  describe('sending', () => {
    it('requires membership to send', () => {
      expect(checkEventAuth(room(), { type: 'm.room.message', sender: '@bob:hs', content: {} })).toMatch(/not in the room/);
    });

    it('lets a member send messages at events_default', () => {
      const state = room('invite', { '@bob:hs': 'join' });
      expect(checkEventAuth(state, { type: 'm.room.message', sender: '@bob:hs', content: {} })).toBeNull();
    });

    it('refuses state below state_default or the event level', () => {
      const state = room('invite', { '@bob:hs': 'join' });
      expect(checkEventAuth(state, { type: 'm.room.topic', stateKey: '', sender: '@bob:hs', content: {} })).toMatch(
        /power level 50/,
      );
      expect(checkEventAuth(state, { type: 'm.room.topic', stateKey: '', sender: '@alice:hs', content: {} })).toBeNull();
    });

    it("refuses setting state keyed by another user's ID", () => {
      expect(checkEventAuth(room(), { type: 'x.y', stateKey: '@bob:hs', sender: '@alice:hs', content: {} })).toMatch(
        /state key/,
      );
    });
  });

  describe('power levels', () => {
    const change = (sender: string, content: Record<string, unknown>) => ({
      type: 'm.room.power_levels',
      stateKey: '',
      sender,
      content,
    });

    it('refuses granting a level above the sender own', () => {
      const state = room('invite', { '@bob:hs': 'join' }, { '@bob:hs': 100 });
      expect(
        checkEventAuth(state, change('@bob:hs', { users: { '@alice:hs': 100, '@bob:hs': 100, '@carol:hs': 150 } })),
      ).toMatch(/beyond/);
    });

    it('refuses lowering a user at the same level', () => {
      const state = room('invite', { '@bob:hs': 'join' }, { '@bob:hs': 100 });
      expect(checkEventAuth(state, change('@bob:hs', { users: { '@alice:hs': 0, '@bob:hs': 100 } }))).toMatch(
        /cannot change the level of @alice:hs/,
      );
    });

    it('lets the top user grant a level up to their own', () => {
      expect(checkEventAuth(room(), change('@alice:hs', { users: { '@alice:hs': 100, '@bob:hs': 50 } }))).toBeNull();
    });

    it('keeps an event level above the sender out of reach', () => {
      const state = new RoomState([
        ...room().events().filter((e) => e.type !== 'm.room.power_levels'),
        stateEvent('m.room.power_levels', '', { users: { '@alice:hs': 100 }, events: { 'm.presence': 101 } }),
      ]);
      expect(checkEventAuth(state, change('@alice:hs', { users: { '@alice:hs': 100 }, events: { 'm.presence': 0 } }))).toMatch(
        /beyond/,
      );
      expect(checkEventAuth(state, { type: 'm.presence', stateKey: '', sender: '@alice:hs', content: {} })).toMatch(
        /power level 101/,
      );
    });
  });
});
