import { request, TestClient, uniqueName } from './support/client.js';
import { createTestDatabase } from './support/test-database.js';
import { startTestServer } from './support/test-server.js';

describe('restarting on the same database', () => {
  it('keeps users, devices, rooms and events, and continues the stream', async () => {
    const database = await createTestDatabase();
    try {
      const first = await startTestServer({}, { database });
      const username = uniqueName();
      const alice = await TestClient.register(first.baseUrl, username, 'pw');
      const roomId = await alice.createRoom({ name: 'durable' });
      const eventId = await alice.send(roomId, { msgtype: 'm.text', body: 'before restart' });
      const { next_batch: since } = await alice.sync();
      await first.stop();

      const second = await startTestServer({}, { database });
      try {
        const again = new TestClient(second.baseUrl, alice.userId, alice.accessToken, alice.deviceId);
        expect((await again.ok('GET', '/account/whoami')).device_id).toBe(alice.deviceId);
        const login = await request(second.baseUrl, 'POST', '/login', { type: 'm.login.password', user: username, password: 'pw' });
        expect(login.status).toBe(200);
        expect((await again.ok('GET', `/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`)).content.body).toBe(
          'before restart',
        );
        expect(await again.ok('GET', `/rooms/${encodeURIComponent(roomId)}/state/m.room.name`)).toEqual({ name: 'durable' });
        await again.send(roomId, { msgtype: 'm.text', body: 'after restart' });
        const response = await again.sync({ since });
        const bodies = response.rooms.join[roomId].timeline.events.map((e: any) => e.content.body);
        expect(bodies).toEqual(['after restart']);
      } finally {
        await second.stop();
      }
    } finally {
      await database.drop();
    }
  });
});
