import { MatrixError } from '../common/matrix-error.js';
import { MAX_APPLIED_LIMIT, parseFilterText, parseRoomEventFilter, parseSyncFilter, usableSyncFilter, type FilterBounds } from './filter-validation.js';

const BOUNDS: FilterBounds = { maxBytes: 4096, maxListLength: 10, maxDepth: 8 };

function errorOf(run: () => unknown): MatrixError {
  try {
    run();
  } catch (caught) {
    if (caught instanceof MatrixError) return caught;
    throw caught;
  }
  throw new Error('did not throw');
}

describe('filter validation', () => {
  it('accepts a full valid filter and keeps what the server applies', () => {
    const filter = parseSyncFilter(
      {
        room: { timeline: { limit: 5, types: ['m.room.message'] }, include_leave: true, rooms: ['!a:hs'] },
        presence: { not_types: ['*'] },
        event_fields: ['type'],
        unknown_key: 'is allowed',
      },
      BOUNDS,
    );
    expect(filter).toEqual({
      room: { timeline: { limit: 5, types: ['m.room.message'] }, include_leave: true, rooms: ['!a:hs'] },
      presence: { not_types: ['*'] },
      event_fields: ['type'],
    });
  });

  it.each([
    ['a non-object', []],
    ['null', null],
    ['a non-array types', { room: { timeline: { types: 'm.room.message' } } }],
    ['a null list', { room: { rooms: null } }],
    ['a negative limit', { room: { timeline: { limit: -1 } } }],
    ['a non-integer limit', { presence: { limit: 1.5 } }],
    ['a huge limit', { room: { timeline: { limit: 1e308 } } }],
    ['a limit as a string', { room: { timeline: { limit: '10' } } }],
    ['a non-boolean include_leave', { room: { include_leave: 'yes' } }],
    ['a null room', { room: null }],
    ['a bad event_format', { event_format: 'xml' }],
    ['a list over the length bound', { room: { not_rooms: Array.from({ length: 11 }, (_, n) => `!${n}:hs`) } }],
    ['a list item over 255 bytes', { room: { timeline: { senders: [`@${'a'.repeat(300)}:hs`] } } }],
  ])('rejects %s with M_BAD_JSON', (_name, value) => {
    expect(errorOf(() => parseSyncFilter(value, BOUNDS)).errcode).toBe('M_BAD_JSON');
  });

  it('rejects a filter over the size bound with M_INVALID_PARAM', () => {
    const error = errorOf(() => parseSyncFilter({ padding: 'x'.repeat(5000) }, BOUNDS));
    expect([error.status, error.errcode]).toEqual([400, 'M_INVALID_PARAM']);
  });

  it('checks a /messages filter the same way', () => {
    expect(parseRoomEventFilter({ limit: 3, types: ['a'] }, BOUNDS)).toEqual({ limit: 3, types: ['a'] });
    expect(errorOf(() => parseRoomEventFilter({ limit: 1e308 }, BOUNDS)).errcode).toBe('M_BAD_JSON');
    expect(errorOf(() => parseRoomEventFilter([], BOUNDS)).errcode).toBe('M_BAD_JSON');
  });

  it('parses inline filter text, refusing what is not JSON or nested too deeply', () => {
    expect(parseFilterText('{"room":{}}', BOUNDS)).toEqual({ room: {} });
    expect(errorOf(() => parseFilterText('{"room":', BOUNDS)).errcode).toBe('M_INVALID_PARAM');
    expect(errorOf(() => parseFilterText(`${'['.repeat(20)}${']'.repeat(20)}`, BOUNDS)).errcode).toBe('M_INVALID_PARAM');
  });

  it('reads a stored filter leniently: malformed parts ignored, limits brought into range', () => {
    expect(
      usableSyncFilter({
        room: { timeline: { limit: 1e308, types: 'x', senders: ['@a:hs'] }, state: { limit: -4 }, include_leave: 'yes', rooms: [1] },
        presence: null,
        event_fields: [null],
      }),
    ).toEqual({ room: { timeline: { limit: MAX_APPLIED_LIMIT, senders: ['@a:hs'] }, state: { limit: 0 } } });
    expect(usableSyncFilter({ room: { timeline: { limit: Number.NaN } } })).toEqual({ room: { timeline: {} } });
    for (const junk of [null, 'x', 5, [], undefined]) expect(usableSyncFilter(junk)).toEqual({});
  });
});
