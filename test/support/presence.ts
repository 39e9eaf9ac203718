import type { TestClient } from './client.js';

export type PresenceEvent = { type: string; sender: string; content: Record<string, any> };

/** The m.presence events of a /sync response (none when the section is absent). */
export function presenceEvents(response: Record<string, any>): PresenceEvent[] {
  return response.presence?.events ?? [];
}

/** The content of `userId`'s presence event in a /sync response, if there is one. */
export function presenceOf(response: Record<string, any>, userId: string): Record<string, any> | undefined {
  return presenceEvents(response).find((event) => event.sender === userId)?.content;
}

/** Syncs `client` (reporting nothing itself) until `userId`'s presence matches `predicate`. */
export async function syncUntilPresence(
  client: TestClient,
  since: string | undefined,
  userId: string,
  predicate: (content: Record<string, any>) => boolean,
): Promise<Record<string, any>> {
  let token = since;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const response = await client.sync({ since: token, timeout: 10_000, set_presence: 'offline' });
    const content = presenceOf(response, userId);
    if (content && predicate(content)) return content;
    token = response.next_batch;
  }
  throw new Error(`no matching presence for ${userId}`);
}

/** The profile room's m.presence / m.status events, oldest first. */
export async function publishedPresenceEvents(owner: TestClient, types = ['m.presence', 'm.status']): Promise<PresenceEvent[]> {
  const roomId = await owner.profileRoomId();
  const response = await owner.ok('GET', `/rooms/${encodeURIComponent(roomId)}/messages`, undefined, {
    query: { dir: 'f', limit: 1000, filter: JSON.stringify({ types }) },
  });
  return response.chunk;
}
