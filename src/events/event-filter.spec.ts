import { eventMatches, projectEventFields, roomMatches, typeMatches } from './event-filter.js';

describe('event filters', () => {
  it('matches types exactly or by wildcard', () => {
    expect(typeMatches('m.room.message', 'm.room.message')).toBe(true);
    expect(typeMatches('m.room.*', 'm.room.message')).toBe(true);
    expect(typeMatches('m.*', 'org.example')).toBe(false);
    expect(typeMatches('m.room.message', 'm.room.messages')).toBe(false);
    expect(typeMatches('m.room.(x)', 'm.room.(x)')).toBe(true);
    expect(typeMatches('*', '')).toBe(true);
    expect(typeMatches('a*b*c', 'aXbYc')).toBe(true);
    expect(typeMatches('a*b*c', 'aXbY')).toBe(false);
    expect(typeMatches('*.member', 'm.room.member')).toBe(true);
  });

  it('matches a pattern of many wildcards without backtracking for ever', () => {
    // As a regular expression, this pattern takes exponential time against this type.
    expect(typeMatches(`${'a*'.repeat(60)}b`, 'a'.repeat(250))).toBe(false);
  });

  it('lets everything through without a filter', () => {
    expect(eventMatches(undefined, { type: 'x', sender: '@a:hs' })).toBe(true);
  });

  it('applies types and not_types, not_types winning', () => {
    const filter = { types: ['m.room.*'], not_types: ['m.room.member'] };
    expect(eventMatches(filter, { type: 'm.room.message' })).toBe(true);
    expect(eventMatches(filter, { type: 'm.room.member' })).toBe(false);
    expect(eventMatches(filter, { type: 'm.presence' })).toBe(false);
  });

  it('applies senders and not_senders', () => {
    expect(eventMatches({ senders: ['@a:hs'] }, { type: 'x', sender: '@a:hs' })).toBe(true);
    expect(eventMatches({ senders: ['@a:hs'] }, { type: 'x', sender: '@b:hs' })).toBe(false);
    expect(eventMatches({ not_senders: ['@a:hs'] }, { type: 'x', sender: '@a:hs' })).toBe(false);
  });

  it('treats an empty types list as matching nothing', () => {
    expect(eventMatches({ types: [] }, { type: 'x' })).toBe(false);
  });

  it('applies rooms and not_rooms', () => {
    expect(roomMatches({ rooms: ['!a:hs'] }, '!a:hs')).toBe(true);
    expect(roomMatches({ rooms: ['!a:hs'] }, '!b:hs')).toBe(false);
    expect(roomMatches({ not_rooms: ['!a:hs'] }, '!a:hs')).toBe(false);
  });

  it('applies contains_url', () => {
    expect(eventMatches({ contains_url: true }, { type: 'x', content: { url: 'mxc://a/b' } })).toBe(true);
    expect(eventMatches({ contains_url: true }, { type: 'x', content: {} })).toBe(false);
    expect(eventMatches({ contains_url: false }, { type: 'x', content: {} })).toBe(true);
  });

  it('projects event_fields, including escaped dots', () => {
    const event = { type: 't', content: { body: 'hi', 'a.b': 1, other: 2 }, sender: '@a:hs' };
    expect(projectEventFields(event, ['type', 'content.body', 'content.a\\.b'])).toEqual({
      type: 't',
      content: { body: 'hi', 'a.b': 1 },
    });
  });

  it('follows only the event\'s own keys when projecting', () => {
    const event = { type: 't', content: { body: 'hi' } };
    expect(projectEventFields(event, ['constructor.name', '__proto__.toString', 'content.hasOwnProperty'])).toEqual({});
    expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
  });
});
