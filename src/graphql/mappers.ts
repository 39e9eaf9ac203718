import type { EventEntity } from '../events/event.entity.js';
import type { DeviceInputs } from '../presence/core/presence-model.js';
import type { PresenceRecord } from '../presence/presence-reader.service.js';
import { DevicePresence, Presence, PresenceStateValue } from './models/presence.model.js';
import { StateEvent } from './models/profile-room.model.js';

export function toPresence(record: PresenceRecord, now: number): Presence {
  const { view } = record;
  const everActive = view.lastActiveTs > 0;
  return Object.assign(new Presence(), {
    userId: record.userId,
    state: view.presence as PresenceStateValue,
    statusMsg: view.statusMsg,
    lastActiveAgo: everActive ? Math.max(0, now - view.lastActiveTs) : null,
    lastActiveTs: everActive ? view.lastActiveTs : null,
    currentlyActive: view.currentlyActive,
    displayName: record.displayName,
    avatarUrl: record.avatarUrl,
  });
}

export function toStateEvent(event: EventEntity): StateEvent {
  return Object.assign(new StateEvent(), {
    eventId: event.eventId,
    type: event.type,
    stateKey: event.stateKey ?? '',
    sender: event.sender,
    originServerTs: event.originServerTs,
    content: event.content,
  });
}

export function toDevicePresence(device: DeviceInputs, live: boolean): DevicePresence {
  return Object.assign(new DevicePresence(), {
    deviceId: device.deviceId,
    state: device.state as PresenceStateValue,
    live,
    lastSeenTs: device.lastSeenTs,
    lastActiveTs: device.lastActiveTs,
  });
}
