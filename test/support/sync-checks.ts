/** Checks on raw /sync responses a client SDK received, shared by the SDK tests. */

export interface RawEvent {
  event_id: string;
  type: string;
  state_key?: string;
  sender: string;
  content: Record<string, unknown>;
}

export interface RawJoinedRoom {
  timeline: { events: RawEvent[]; limited: boolean };
  state: { events: RawEvent[] };
}

export interface RawSync {
  rooms?: { join?: Record<string, RawJoinedRoom> };
  presence?: { events: Array<{ type: string; sender: string; content: Record<string, unknown> }> };
}

/**
 * A user changed their own m.room.member (display name, avatar, per-room nick) in `rooms` while
 * syncing: after the initial sync, no event was delivered twice, and each room update that
 * brought such a change carried only the user's new member events, not limited, with no state.
 */
export function expectMemberChangesDeliveredAlone(syncs: readonly RawSync[], rooms: readonly string[], userId: string): void {
  const [initial, ...incremental] = syncs;
  const delivered = new Set<string>();
  for (const response of [initial, ...incremental]) {
    for (const room of Object.values(response.rooms?.join ?? {})) {
      for (const event of [...room.state.events, ...room.timeline.events]) {
        expect(delivered.has(event.event_id)).toBe(false);
        delivered.add(event.event_id);
      }
    }
  }
  const isOwnMember = (event: RawEvent) => event.type === 'm.room.member' && event.state_key === userId;
  const updates = incremental.flatMap((response) =>
    rooms.flatMap((roomId) => {
      const room = response.rooms?.join?.[roomId];
      return room && room.timeline.events.some(isOwnMember) ? [room] : [];
    }),
  );
  expect(updates.length).toBeGreaterThanOrEqual(rooms.length);
  for (const room of updates) {
    expect(room.timeline.limited).toBe(false);
    expect(room.state.events).toEqual([]);
    expect(room.timeline.events.every(isOwnMember)).toBe(true);
  }
}
