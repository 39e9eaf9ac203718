import { MatrixError } from '../common/matrix-error.js';
import { eventMatches, parseSyncFilter, projectEventFields, roomMatches, typeMatches } from './event-filter.js';

describe('event filters', () => {
  it('matches types exactly or by wildcard', () => {
    expect(typeMatches('m.room.message', 'm.room.message')).toBe(true);
    expect(typeMatches('m.room.*', 'm.room.message')).toBe(true);
    expect(typeMatches('m.*', 'org.example')).toBe(false);
    expect(typeMatches('m.room.message', 'm.room.messages')).toBe(false);
    expect(typeMatches('m.room.(x)', 'm.room.(x)')).toBe(true);
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

  it('accepts a full valid filter', () => {
    const filter = parseSyncFilter({
      room: { timeline: { limit: 5, types: ['m.room.message'] }, include_leave: true, rooms: ['!a:hs'] },
      presence: { not_types: ['*'] },
      event_fields: ['type'],
      unknown_key: 'is allowed',
    });
    expect(filter.room?.timeline?.limit).toBe(5);
  });

  it.each([
    ['a non-object', []],
    ['a non-array types', { room: { timeline: { types: 'm.room.message' } } }],
    ['a negative limit', { room: { timeline: { limit: -1 } } }],
    ['a non-integer limit', { presence: { limit: 1.5 } }],
    ['a non-boolean include_leave', { room: { include_leave: 'yes' } }],
    ['a bad event_format', { event_format: 'xml' }],
  ])('rejects %s with M_BAD_JSON', (_name, value) => {
    let error: unknown;
    try {
      parseSyncFilter(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MatrixError);
    expect((error as MatrixError).errcode).toBe('M_BAD_JSON');
  });
});
