import { MatrixError } from '../common/matrix-error.js';
import type { ClientEvent } from './client-event.js';

/** Filters as the spec defines them (definitions/sync_filter.yaml, room_event_filter.yaml). */
export interface EventFilter {
  limit?: number;
  types?: string[];
  not_types?: string[];
  senders?: string[];
  not_senders?: string[];
}

export interface RoomEventFilter extends EventFilter {
  rooms?: string[];
  not_rooms?: string[];
  contains_url?: boolean;
  lazy_load_members?: boolean;
  include_redundant_members?: boolean;
}

export interface RoomFilter {
  rooms?: string[];
  not_rooms?: string[];
  include_leave?: boolean;
  timeline?: RoomEventFilter;
  state?: RoomEventFilter;
  ephemeral?: RoomEventFilter;
  account_data?: RoomEventFilter;
}

export interface SyncFilter {
  event_fields?: string[];
  event_format?: 'client' | 'federation';
  presence?: EventFilter;
  account_data?: EventFilter;
  room?: RoomFilter;
}

/** Types match exactly or with `*` as a wildcard for any run of characters. */
export function typeMatches(pattern: string, type: string): boolean {
  if (!pattern.includes('*')) return pattern === type;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(type);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface FilterableEvent {
  type: string;
  sender?: string;
  roomId?: string;
  content?: Record<string, unknown>;
}

/** Whether an event passes a filter; an absent filter or key lets everything through. */
export function eventMatches(filter: RoomEventFilter | undefined, event: FilterableEvent): boolean {
  if (!filter) return true;
  if (filter.not_types?.some((pattern) => typeMatches(pattern, event.type))) return false;
  if (filter.types && !filter.types.some((pattern) => typeMatches(pattern, event.type))) return false;
  if (event.sender !== undefined) {
    if (filter.not_senders?.includes(event.sender)) return false;
    if (filter.senders && !filter.senders.includes(event.sender)) return false;
  }
  if (event.roomId !== undefined) {
    if (filter.not_rooms?.includes(event.roomId)) return false;
    if (filter.rooms && !filter.rooms.includes(event.roomId)) return false;
  }
  if (filter.contains_url !== undefined && event.content) {
    const hasUrl = typeof event.content.url === 'string';
    if (hasUrl !== filter.contains_url) return false;
  }
  return true;
}

export function roomMatches(filter: RoomFilter | undefined, roomId: string): boolean {
  if (!filter) return true;
  if (filter.not_rooms?.includes(roomId)) return false;
  return !filter.rooms || filter.rooms.includes(roomId);
}

/** Keeps only the listed dotted paths of each event (`event_fields`); `\.` escapes a dot. */
export function projectEventFields<T extends object>(event: T, fields: string[] | undefined): Partial<T> {
  if (!fields) return event;
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const path = field.split(/(?<!\\)\./).map((part) => part.replace(/\\\./g, '.'));
    let source: unknown = event;
    for (const part of path) source = typeof source === 'object' && source !== null ? (source as Record<string, unknown>)[part] : undefined;
    if (source === undefined) continue;
    let target = result;
    for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[path[path.length - 1]] = source;
  }
  return result as Partial<T>;
}

export function projectClientEvent(event: ClientEvent, fields: string[] | undefined): Partial<ClientEvent> {
  return projectEventFields(event, fields);
}

// ---- validation -------------------------------------------------------------------------

function fail(path: string, expectation: string): never {
  throw MatrixError.badJson(`Invalid filter: ${path} must be ${expectation}`);
}

function checkStringList(value: unknown, path: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) fail(path, 'an array of strings');
}

function checkBoolean(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== 'boolean') fail(path, 'a boolean');
}

function checkObject(value: unknown, path: string): value is Record<string, unknown> | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) fail(path, 'an object');
  return true;
}

function checkEventFilter(value: unknown, path: string, roomLevel: boolean): void {
  checkObject(value, path);
  if (value === undefined) return;
  const filter = value as Record<string, unknown>;
  if (filter.limit !== undefined && (!Number.isInteger(filter.limit) || (filter.limit as number) < 0)) {
    fail(`${path}.limit`, 'a non-negative integer');
  }
  for (const key of ['types', 'not_types', 'senders', 'not_senders']) checkStringList(filter[key], `${path}.${key}`);
  if (roomLevel) {
    for (const key of ['rooms', 'not_rooms']) checkStringList(filter[key], `${path}.${key}`);
    for (const key of ['contains_url', 'lazy_load_members', 'include_redundant_members', 'unread_thread_notifications']) {
      checkBoolean(filter[key], `${path}.${key}`);
    }
  }
}

/** Checks a filter's shape and returns it typed; unknown keys are allowed, as the spec does. */
export function parseSyncFilter(value: unknown): SyncFilter {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('the filter', 'a JSON object');
  const filter = value as Record<string, unknown>;
  checkStringList(filter.event_fields, 'event_fields');
  if (filter.event_format !== undefined && filter.event_format !== 'client' && filter.event_format !== 'federation') {
    fail('event_format', '"client" or "federation"');
  }
  checkEventFilter(filter.presence, 'presence', false);
  checkEventFilter(filter.account_data, 'account_data', false);
  checkObject(filter.room, 'room');
  if (filter.room !== undefined) {
    const room = filter.room as Record<string, unknown>;
    checkStringList(room.rooms, 'room.rooms');
    checkStringList(room.not_rooms, 'room.not_rooms');
    checkBoolean(room.include_leave, 'room.include_leave');
    for (const key of ['timeline', 'state', 'ephemeral', 'account_data']) checkEventFilter(room[key], `room.${key}`, true);
  }
  return filter as SyncFilter;
}

/** A RoomEventFilter on its own (the `filter` of /messages). */
export function parseRoomEventFilter(value: unknown): RoomEventFilter {
  checkEventFilter(value, 'filter', true);
  return value as RoomEventFilter;
}
