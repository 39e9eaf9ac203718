import type { EventEntity } from './event.entity.js';
import type { Membership } from './room-membership.entity.js';

const key = (type: string, stateKey: string) => `${type}\u0000${stateKey}`;

export interface PowerLevels {
  users: Record<string, number>;
  users_default: number;
  events: Record<string, number>;
  events_default: number;
  state_default: number;
  ban: number;
  kick: number;
  redact: number;
  invite: number;
}

function asNumber(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return fallback;
}

/**
 * A map without a prototype, so that looking up an event type such as `constructor` or
 * `toString` finds no level (and falls back to the default) rather than an inherited function.
 */
function levelMap(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

function asLevelMap(value: unknown): Record<string, number> {
  const result = levelMap();
  if (typeof value !== 'object' || value === null) return result;
  for (const [name, level] of Object.entries(value)) {
    const parsed = asNumber(level, Number.NaN);
    if (!Number.isNaN(parsed)) result[name] = parsed;
  }
  return result;
}

/** Reads power levels content with the spec's defaults for absent keys. */
export function parsePowerLevels(content: Record<string, unknown> | undefined, creator?: string): PowerLevels {
  if (!content) {
    // No power levels event yet: the creator holds 100, everyone else 0 (spec auth rules).
    return {
      users: Object.assign(levelMap(), creator ? { [creator]: 100 } : {}),
      users_default: 0,
      events: levelMap(),
      events_default: 0,
      state_default: 0,
      ban: 50,
      kick: 50,
      redact: 50,
      invite: 0,
    };
  }
  return {
    users: asLevelMap(content.users),
    users_default: asNumber(content.users_default, 0),
    events: asLevelMap(content.events),
    events_default: asNumber(content.events_default, 0),
    state_default: asNumber(content.state_default, 50),
    ban: asNumber(content.ban, 50),
    kick: asNumber(content.kick, 50),
    redact: asNumber(content.redact, 50),
    invite: asNumber(content.invite, 0),
  };
}

/** A room's state at one point: an immutable view over its state events. */
export class RoomState {
  private readonly byKey: Map<string, EventEntity>;

  constructor(events: Iterable<EventEntity> = []) {
    this.byKey = new Map();
    for (const event of events) {
      if (event.stateKey !== null) this.byKey.set(key(event.type, event.stateKey), event);
    }
  }

  get(type: string, stateKey = ''): EventEntity | undefined {
    return this.byKey.get(key(type, stateKey));
  }

  content(type: string, stateKey = ''): Record<string, unknown> | undefined {
    return this.get(type, stateKey)?.content;
  }

  events(): EventEntity[] {
    return [...this.byKey.values()];
  }

  get isEmpty(): boolean {
    return this.byKey.size === 0;
  }

  with(event: EventEntity): RoomState {
    return new RoomState([...this.byKey.values(), event]);
  }

  creator(): string | undefined {
    const create = this.get('m.room.create');
    if (!create) return undefined;
    return typeof create.content.creator === 'string' ? create.content.creator : create.sender;
  }

  membership(userId: string): Membership | undefined {
    const membership = this.content('m.room.member', userId)?.membership;
    return typeof membership === 'string' ? (membership as Membership) : undefined;
  }

  members(membership: Membership): string[] {
    return this.events()
      .filter((event) => event.type === 'm.room.member' && event.content.membership === membership)
      .map((event) => event.stateKey as string);
  }

  powerLevels(): PowerLevels {
    return parsePowerLevels(this.content('m.room.power_levels'), this.creator());
  }

  userLevel(userId: string): number {
    const levels = this.powerLevels();
    return levels.users[userId] ?? levels.users_default;
  }

  joinRule(): string {
    const rule = this.content('m.room.join_rules')?.join_rule;
    return typeof rule === 'string' ? rule : 'invite';
  }

  historyVisibility(): string {
    const visibility = this.content('m.room.history_visibility')?.history_visibility;
    return typeof visibility === 'string' ? visibility : 'shared';
  }
}
