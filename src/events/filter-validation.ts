import { jsonDepthExceeds } from '../common/json-depth.js';
import { MatrixError } from '../common/matrix-error.js';
import type { AppConfig } from '../config/app-config.js';
import type { EventFilter, RoomEventFilter, RoomFilter, SyncFilter } from './event-filter.js';

/** How large a filter may be; the server's configuration sets them. */
export interface FilterBounds {
  /** The filter as JSON, in bytes. */
  maxBytes: number;
  /** Items in any one list (rooms, senders, types, event_fields, ...). */
  maxListLength: number;
  /** Nesting of objects and arrays, for a filter sent inline as text. */
  maxDepth: number;
}

/** The bounds the configuration sets. */
export function filterBoundsOf(config: AppConfig): FilterBounds {
  return { maxBytes: config.FILTER_MAX_BYTES, maxListLength: config.FILTER_MAX_LIST_LENGTH, maxDepth: config.JSON_MAX_DEPTH };
}

/** The largest `limit` a filter may state: any integer a client could mean fits a 32-bit int. */
export const MAX_FILTER_LIMIT = 2 ** 31 - 1;
/** The most events one filter `limit` is ever taken to ask for; larger ones are read as this. */
export const MAX_APPLIED_LIMIT = 1000;
/** Event types, user IDs and room IDs are at most 255 bytes, so a list item needs no more. */
const MAX_ITEM_BYTES = 255;

const EVENT_LISTS = ['types', 'not_types', 'senders', 'not_senders'] as const;
const ROOM_LISTS = ['rooms', 'not_rooms'] as const;
const ROOM_FLAGS = ['contains_url', 'lazy_load_members', 'include_redundant_members', 'unread_thread_notifications'] as const;
const ROOM_SECTIONS = ['timeline', 'state', 'ephemeral', 'account_data'] as const;

// ---- strict: what a client may store or send ----------------------------------------------

function fail(path: string, expectation: string): never {
  throw MatrixError.badJson(`Invalid filter: ${path} must be ${expectation}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkStringList(value: unknown, path: string, bounds: FilterBounds): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) fail(path, 'an array of strings');
  if (value.length > bounds.maxListLength) fail(path, `at most ${bounds.maxListLength} items long`);
  if (value.some((item: string) => Buffer.byteLength(item) > MAX_ITEM_BYTES)) fail(`${path}[]`, `at most ${MAX_ITEM_BYTES} bytes`);
}

function checkBoolean(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== 'boolean') fail(path, 'a boolean');
}

function checkObject(value: unknown, path: string): void {
  if (value !== undefined && !isObject(value)) fail(path, 'an object');
}

function checkEventFilter(value: unknown, path: string, roomLevel: boolean, bounds: FilterBounds): void {
  checkObject(value, path);
  if (value === undefined) return;
  const filter = value as Record<string, unknown>;
  if (filter.limit !== undefined && (!Number.isInteger(filter.limit) || (filter.limit as number) < 0 || (filter.limit as number) > MAX_FILTER_LIMIT)) {
    fail(`${path}.limit`, `an integer from 0 to ${MAX_FILTER_LIMIT}`);
  }
  for (const key of EVENT_LISTS) checkStringList(filter[key], `${path}.${key}`, bounds);
  if (roomLevel) {
    for (const key of ROOM_LISTS) checkStringList(filter[key], `${path}.${key}`, bounds);
    for (const key of ROOM_FLAGS) checkBoolean(filter[key], `${path}.${key}`);
  }
}

function checkSize(value: unknown, bounds: FilterBounds): void {
  if (Buffer.byteLength(JSON.stringify(value)) > bounds.maxBytes) {
    throw MatrixError.invalidParam(`Invalid filter: it must be at most ${bounds.maxBytes} bytes as JSON`);
  }
}

/**
 * Checks a filter a client stores or sends: the spec's shape, limits as integers in range, lists
 * and the whole within `bounds`. Unknown keys are allowed, as the spec does. Returns it typed,
 * with only the keys the server applies (see `usableSyncFilter`).
 */
export function parseSyncFilter(value: unknown, bounds: FilterBounds): SyncFilter {
  if (!isObject(value)) fail('the filter', 'a JSON object');
  checkStringList(value.event_fields, 'event_fields', bounds);
  if (value.event_format !== undefined && value.event_format !== 'client' && value.event_format !== 'federation') {
    fail('event_format', '"client" or "federation"');
  }
  checkEventFilter(value.presence, 'presence', false, bounds);
  checkEventFilter(value.account_data, 'account_data', false, bounds);
  checkObject(value.room, 'room');
  if (isObject(value.room)) {
    const room = value.room;
    for (const key of ROOM_LISTS) checkStringList(room[key], `room.${key}`, bounds);
    checkBoolean(room.include_leave, 'room.include_leave');
    for (const key of ROOM_SECTIONS) checkEventFilter(room[key], `room.${key}`, true, bounds);
  }
  // Last, so that a list too long is reported as that rather than as the size it makes.
  checkSize(value, bounds);
  return usableSyncFilter(value);
}

/** A RoomEventFilter on its own (the `filter` of /messages), checked as `parseSyncFilter` does. */
export function parseRoomEventFilter(value: unknown, bounds: FilterBounds): RoomEventFilter {
  checkObject(value, 'filter');
  if (value === undefined) return {};
  checkEventFilter(value, 'filter', true, bounds);
  checkSize(value, bounds);
  return usableEventFilter(value, true) ?? {};
}

/** Parses a filter sent as JSON text (a query parameter), refusing text nested too deeply to parse safely. */
export function parseFilterText(text: string, bounds: FilterBounds): unknown {
  if (Buffer.byteLength(text) > bounds.maxBytes) {
    throw MatrixError.invalidParam(`Invalid filter: it must be at most ${bounds.maxBytes} bytes as JSON`);
  }
  if (jsonDepthExceeds(text, bounds.maxDepth)) throw MatrixError.invalidParam(`filter is nested more than ${bounds.maxDepth} levels deep`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A query parameter rather than a body: its value is invalid, the request is not "not JSON".
    throw MatrixError.invalidParam('filter is not valid JSON');
  }
}

// ---- lenient: what the server applies ------------------------------------------------------

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
}

function usableEventFilter(value: unknown, roomLevel: boolean): RoomEventFilter | undefined {
  if (!isObject(value)) return undefined;
  const filter: RoomEventFilter = {};
  if (typeof value.limit === 'number' && !Number.isNaN(value.limit)) {
    filter.limit = Math.min(Math.max(Math.floor(value.limit), 0), MAX_APPLIED_LIMIT);
  }
  for (const key of EVENT_LISTS) filter[key] = stringList(value[key]);
  if (roomLevel) {
    for (const key of ROOM_LISTS) filter[key] = stringList(value[key]);
    for (const key of ['contains_url', 'lazy_load_members', 'include_redundant_members'] as const) {
      if (typeof value[key] === 'boolean') filter[key] = value[key];
    }
  }
  return dropUndefined(filter);
}

/**
 * The parts of a filter the server applies, each kept only when well-formed and with limits
 * brought within 0..MAX_APPLIED_LIMIT. A filter stored before these checks existed, or changed
 * in the database, is read through this too: what is malformed in it is ignored, not fatal.
 */
export function usableSyncFilter(value: unknown): SyncFilter {
  if (!isObject(value)) return {};
  const filter: SyncFilter = {
    event_fields: stringList(value.event_fields),
    event_format: value.event_format === 'client' || value.event_format === 'federation' ? value.event_format : undefined,
    presence: usableEventFilter(value.presence, false) as EventFilter | undefined,
    account_data: usableEventFilter(value.account_data, false) as EventFilter | undefined,
  };
  if (isObject(value.room)) {
    const source = value.room;
    const room: RoomFilter = {
      rooms: stringList(source.rooms),
      not_rooms: stringList(source.not_rooms),
      include_leave: typeof source.include_leave === 'boolean' ? source.include_leave : undefined,
    };
    for (const key of ROOM_SECTIONS) room[key] = usableEventFilter(source[key], true);
    filter.room = dropUndefined(room);
  }
  return dropUndefined(filter);
}

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
