import { decideRoomAccess, type RoomAccessFacts } from './room-access.js';

const profile = (visibility: 'public' | 'restricted') => ({ owner: '@owner:hs', visibility });
const facts = (overrides: Partial<RoomAccessFacts>): RoomAccessFacts => ({
  viewer: '@viewer:hs',
  membership: null,
  profile: null,
  historyVisibility: 'shared',
  ...overrides,
});

describe('room access', () => {
  it('lets members read their rooms', () => {
    expect(decideRoomAccess(facts({ membership: 'join' }))).toBe('allow');
  });

  it('denies an unauthenticated viewer, even on a public profile', () => {
    expect(decideRoomAccess(facts({ viewer: null, profile: profile('public') }))).toBe('deny');
  });

  it('lets anyone authenticated peek a public profile room', () => {
    expect(decideRoomAccess(facts({ profile: profile('public') }))).toBe('allow');
  });

  it('lets the owner read a profile room whatever its privacy', () => {
    expect(decideRoomAccess(facts({ viewer: '@owner:hs', profile: profile('restricted') }))).toBe('allow');
  });

  it('lets an invited user peek a restricted profile room', () => {
    expect(decideRoomAccess(facts({ membership: 'invite', profile: profile('restricted') }))).toBe('allow');
  });

  it('asks about shared rooms for anyone else on a restricted profile', () => {
    expect(decideRoomAccess(facts({ profile: profile('restricted') }))).toBe('allow-if-shares-room-with-owner');
    expect(decideRoomAccess(facts({ membership: 'leave', profile: profile('restricted') }))).toBe('allow-if-shares-room-with-owner');
  });

  it('lets anyone peek a world_readable room and nobody else peek other rooms', () => {
    expect(decideRoomAccess(facts({ historyVisibility: 'world_readable' }))).toBe('allow');
    expect(decideRoomAccess(facts({ historyVisibility: 'shared' }))).toBe('deny');
    expect(decideRoomAccess(facts({ membership: 'invite', historyVisibility: 'invited' }))).toBe('deny');
  });
});
