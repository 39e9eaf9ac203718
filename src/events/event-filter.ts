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

/**
 * Types match exactly or with `*` as a wildcard for any run of characters. Matched by walking
 * both strings rather than by a regular expression, whose backtracking a pattern of many `*`
 * makes exponential.
 */
export function typeMatches(pattern: string, type: string): boolean {
  if (!pattern.includes('*')) return pattern === type;
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < type.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === type[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
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

/**
 * Keeps only the listed dotted paths of each event (`event_fields`); `\.` escapes a dot. Only the
 * event's own keys are followed, so a path such as `constructor.name` selects nothing.
 */
export function projectEventFields<T extends object>(event: T, fields: string[] | undefined): Partial<T> {
  if (!fields) return event;
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const path = field.split(/(?<!\\)\./).map((part) => part.replace(/\\\./g, '.'));
    let source: unknown = event;
    for (const part of path) source = isRecord(source) && Object.hasOwn(source, part) ? source[part] : undefined;
    if (source === undefined) continue;
    let target = result;
    for (const part of path.slice(0, -1)) {
      if (!Object.hasOwn(target, part)) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    target[path[path.length - 1]] = source;
  }
  return result as Partial<T>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function projectClientEvent(event: ClientEvent, fields: string[] | undefined): Partial<ClientEvent> {
  return projectEventFields(event, fields);
}
