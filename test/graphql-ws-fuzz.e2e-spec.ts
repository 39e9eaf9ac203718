import fc from 'fast-check';
import { parseMessage, type Client } from 'graphql-ws';
import { TestClient } from './support/client.js';
import { Subscription, wsFor } from './support/graphql.js';
import { closePayload, encodeFrame, Opcode, RawWebSocket, type FrameOptions } from './support/raw-websocket.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { anyFrame, graphqlWsText, wellFormedMessage } from './support/websocket-arbitraries.js';

const MAX_PAYLOAD_BYTES = 4096;

/**
 * Codes the server itself closes with: the protocol's for a broken frame (1002, 1007, 1009) and
 * graphql-ws's (4400 malformed message, 4401 unauthorised, 4403 refused token, 4408 no init in
 * time, 4409 reused id, 4429 second init). Never 1011 or 4500: those would be the server failing.
 */
const SERVER_CODES = [1002, 1007, 1009, 4400, 4401, 4403, 4408, 4409, 4429];

/** The close codes a client sent, which the server may echo when they are valid. */
function sentCloseCodes(frames: FrameOptions[]): number[] {
  return frames
    .filter((frame) => frame.opcode === Opcode.Close && Buffer.isBuffer(frame.payload) && frame.payload.length >= 2)
    .map((frame) => (frame.payload as Buffer).readUInt16BE(0));
}

/**
 * Random frames and random graphql-transport-ws messages, over raw TCP: whatever a socket sends,
 * the server closes that socket alone, with a close code it owes that socket, and keeps serving
 * the rest.
 */
describe('GraphQL WebSocket: random frames and messages', () => {
  let server: TestServer;
  let alice: TestClient;
  let fuzzer: TestClient;
  let watcher: Client;
  let bystander: Subscription<{ presenceChanged: { statusMsg: string | null } }>;
  let round = 0;

  const expectUnharmed = async () => {
    const status = `round ${++round}`;
    await alice.ok('PUT', `/presence/${encodeURIComponent(alice.userId)}/status`, { presence: 'online', status_msg: status });
    expect((await bystander.next()).presenceChanged.statusMsg).toBe(status);
    expect((await fetch(`${server.baseUrl}/_matrix/client/versions`)).status).toBe(200);
  };

  beforeAll(async () => {
    server = await startTestServer({
      RATE_LIMIT_PRESENCE_PER_SECOND: '1000',
      RATE_LIMIT_PRESENCE_BURST: '1000',
      // Bounds how long a socket left inside a frame stays open; generous for the clients that do init.
      GRAPHQL_WS_INIT_TIMEOUT_MS: '2000',
      GRAPHQL_WS_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES),
    });
    [alice, fuzzer] = await Promise.all([TestClient.register(server.baseUrl), TestClient.register(server.baseUrl)]);
    watcher = wsFor(alice);
    bystander = new Subscription(watcher, 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { statusMsg } }', { ids: [alice.userId] });
    await bystander.next();
  });

  afterAll(async () => {
    await watcher.dispose();
    await server.close();
  });

  it('closes each socket sending random frames with a code it owes it, and harms nothing else', async () => {
    const connection = fc.record({ frames: fc.array(anyFrame(MAX_PAYLOAD_BYTES), { minLength: 1, maxLength: 6 }), together: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(connection, { minLength: 1, maxLength: 3 }), async (connections) => {
        const ends = await Promise.all(
          connections.map(async ({ frames, together }) => {
            const socket = await RawWebSocket.connect(server.baseUrl);
            // A well-formed close last: unless the server is left inside a frame, or closed already, it is echoed.
            const sent = [...frames, { opcode: Opcode.Close, payload: closePayload(1000) }];
            const bytes = sent.map(encodeFrame);
            if (together) socket.write(Buffer.concat(bytes));
            else for (const frame of bytes) socket.write(frame);
            return { end: await socket.ended, allowed: [...SERVER_CODES, ...sentCloseCodes(sent)] };
          }),
        );
        for (const { end, allowed } of ends) if (end.closeCode !== null) expect(allowed).toContain(end.closeCode);
        await expectUnharmed();
      }),
      { seed: 20261202, numRuns: 40 },
    );
  });

  it('answers an authenticated socket sending random messages with well-formed messages, or closes it', async () => {
    const message = fc.oneof({ weight: 8, arbitrary: wellFormedMessage }, { weight: 1, arbitrary: graphqlWsText });
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 8 }), async (texts) => {
        const socket = await RawWebSocket.connect(server.baseUrl);
        socket.sendText(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${fuzzer.accessToken}` } }));
        for (const text of texts) socket.sendText(text);
        // The pong tells the messages before it were read; the close is then echoed, unless the server closed first.
        socket.sendText(JSON.stringify({ type: 'ping', payload: { last: true } }));
        await socket.waitFor((frame) => frame.opcode === Opcode.Text && frame.payload.toString() === '{"type":"pong","payload":{"last":true}}');
        socket.sendFrame({ opcode: Opcode.Close, payload: closePayload(1000) });
        const end = await socket.ended;
        expect([...SERVER_CODES, 1000]).toContain(end.closeCode);
        for (const frame of socket.frames.filter((each) => each.opcode === Opcode.Text)) expect(() => parseMessage(frame.payload.toString())).not.toThrow();
        await expectUnharmed();
      }),
      { seed: 20261202, numRuns: 40 },
    );
  });
});
