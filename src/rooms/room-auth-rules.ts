import type { RoomState } from '../events/room-state.js';

/**
 * The room authorisation rules a client's event must pass (the spec's auth rules for a
 * single-server room: membership transitions, power levels, and changes to power levels).
 * Pure: returns the reason for refusal, or null when the event is allowed.
 */
export interface CandidateEvent {
  type: string;
  stateKey?: string;
  sender: string;
  content: Record<string, unknown>;
}

export function checkEventAuth(state: RoomState, event: CandidateEvent): string | null {
  if (event.type === 'm.room.create') return 'The room already exists';
  if (event.type === 'm.room.member') return checkMembership(state, event);

  if (state.membership(event.sender) !== 'join') return `${event.sender} is not in the room`;
  if (event.stateKey?.startsWith('@') && event.stateKey !== event.sender) {
    return 'A state key that is a user ID may only be set by that user';
  }
  const senderLevel = state.userLevel(event.sender);
  const required = requiredLevel(state, event.type, event.stateKey !== undefined);
  if (senderLevel < required) {
    return `${event.type} needs power level ${required}; ${event.sender} has ${senderLevel}`;
  }
  if (event.type === 'm.room.power_levels') return checkPowerLevelsChange(state, event);
  return null;
}

export function requiredLevel(state: RoomState, type: string, isState: boolean): number {
  const levels = state.powerLevels();
  return levels.events[type] ?? (isState ? levels.state_default : levels.events_default);
}

function checkMembership(state: RoomState, event: CandidateEvent): string | null {
  const target = event.stateKey;
  if (!target || !target.startsWith('@')) return 'A membership event needs a user ID as state key';
  const membership = event.content.membership;
  const senderMembership = state.membership(event.sender);
  const targetMembership = state.membership(target);
  const levels = state.powerLevels();
  const senderLevel = state.userLevel(event.sender);
  const targetLevel = state.userLevel(target);

  switch (membership) {
    case 'join': {
      if (event.sender !== target) return 'Users can only join on their own behalf';
      if (targetMembership === 'ban') return `${target} is banned from the room`;
      if (targetMembership === 'join') return null;
      const rule = state.joinRule();
      if (rule === 'public') return null;
      if ((rule === 'invite' || rule === 'knock') && targetMembership === 'invite') return null;
      return 'You are not invited to this room';
    }
    case 'invite': {
      if (senderMembership !== 'join') return `${event.sender} is not in the room`;
      if (targetMembership === 'join') return `${target} is already in the room`;
      if (targetMembership === 'ban') return `${target} is banned from the room`;
      if (senderLevel < levels.invite) return `Inviting needs power level ${levels.invite}`;
      return null;
    }
    case 'leave': {
      if (event.sender === target) {
        return senderMembership === 'join' || senderMembership === 'invite' || senderMembership === 'knock'
          ? null
          : `${target} is not in the room`;
      }
      if (senderMembership !== 'join') return `${event.sender} is not in the room`;
      if (targetMembership === 'ban' && senderLevel < levels.ban) return `Unbanning needs power level ${levels.ban}`;
      if (senderLevel < levels.kick || targetLevel >= senderLevel) return 'You cannot kick this user';
      return null;
    }
    case 'ban': {
      if (senderMembership !== 'join') return `${event.sender} is not in the room`;
      if (senderLevel < levels.ban || targetLevel >= senderLevel) return 'You cannot ban this user';
      return null;
    }
    default:
      return `Unsupported membership ${JSON.stringify(membership)}`;
  }
}

/**
 * Nobody may grant or take away more power than they hold: every changed level (top-level,
 * per event type, per user) must be at most the sender's level before and after, and a user's
 * level may not be changed by someone at or below it (except for themselves).
 */
function checkPowerLevelsChange(state: RoomState, event: CandidateEvent): string | null {
  const before = state.content('m.room.power_levels');
  if (!before) return null;
  const senderLevel = state.userLevel(event.sender);
  const after = event.content;

  for (const field of ['users_default', 'events_default', 'state_default', 'ban', 'kick', 'redact', 'invite']) {
    const problem = checkLevelChange(before[field], after[field], senderLevel, field);
    if (problem) return problem;
  }
  const oldEvents = asRecord(before.events);
  const newEvents = asRecord(after.events);
  for (const type of new Set([...Object.keys(oldEvents), ...Object.keys(newEvents)])) {
    const problem = checkLevelChange(oldEvents[type], newEvents[type], senderLevel, `events.${type}`);
    if (problem) return problem;
  }
  const oldUsers = asRecord(before.users);
  const newUsers = asRecord(after.users);
  for (const user of new Set([...Object.keys(oldUsers), ...Object.keys(newUsers)])) {
    if (oldUsers[user] === newUsers[user]) continue;
    if (user !== event.sender && oldUsers[user] !== undefined && Number(oldUsers[user]) >= senderLevel) {
      return `You cannot change the level of ${user}`;
    }
    const problem = checkLevelChange(oldUsers[user], newUsers[user], senderLevel, `users.${user}`);
    if (problem) return problem;
  }
  return null;
}

function checkLevelChange(before: unknown, after: unknown, senderLevel: number, name: string): string | null {
  if (before === after) return null;
  for (const value of [before, after]) {
    if (value !== undefined && Number(value) > senderLevel) {
      return `You cannot change ${name} beyond your own power level`;
    }
  }
  return null;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
