import { EventEntity } from '../events/event.entity.js';
import { joinedWithinWindow, membershipBeforeWindow } from './membership-window.js';

const ME = '@me:example.org';

function member(stateKey: string, membership: string, previous?: string): EventEntity {
  return Object.assign(new EventEntity(), {
    type: 'm.room.member',
    stateKey,
    content: { membership },
    unsigned: previous === undefined ? null : { prev_content: { membership: previous } },
  });
}

describe('membership-window', () => {
  it('reads the membership the first own event replaced', () => {
    const events = [member('@other:example.org', 'join', 'invite'), member(ME, 'leave', 'join'), member(ME, 'join', 'leave')];
    expect(membershipBeforeWindow(events, ME)).toBe('join');
  });

  it('counts a transition into join as a new join', () => {
    expect(joinedWithinWindow([member(ME, 'join')], ME)).toBe(true);
    expect(joinedWithinWindow([member(ME, 'join', 'invite')], ME)).toBe(true);
    expect(joinedWithinWindow([member(ME, 'join', 'leave')], ME)).toBe(true);
    expect(joinedWithinWindow([member(ME, 'invite', 'leave'), member(ME, 'join', 'invite')], ME)).toBe(true);
  });

  it('does not count join→join (a profile change or per-room nick) as a new join', () => {
    expect(joinedWithinWindow([member(ME, 'join', 'join')], ME)).toBe(false);
    expect(joinedWithinWindow([member(ME, 'join', 'join'), member(ME, 'join', 'join')], ME)).toBe(false);
  });

  it('treats a window without an own membership event as a new join (a full room is always safe)', () => {
    expect(joinedWithinWindow([member('@other:example.org', 'join', 'join')], ME)).toBe(true);
  });
});
