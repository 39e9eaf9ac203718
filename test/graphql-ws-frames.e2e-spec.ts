import type { Client } from 'graphql-ws';
import { connect } from 'node:net';
import { TestClient } from './support/client.js';
import { Subscription, wsFor } from './support/graphql.js';
import { closePayload, encodeFrame, Opcode, RawWebSocket, type FrameOptions } from './support/raw-websocket.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/**
 * Malformed WebSocket frames and upgrade requests on /graphql: each closes only its own socket,
 * with the protocol's close code, and an authenticated subscriber elsewhere keeps receiving.
 */
describe('GraphQL WebSocket: malformed frames', () => {
  let server: TestServer;
  let alice: TestClient;
  let watcher: Client;
  let bystander: Subscription<{ presenceChanged: { statusMsg: string | null } }>;
  const sockets: RawWebSocket[] = [];
  let round = 0;

  const open = async (options?: Parameters<typeof RawWebSocket.connect>[1]) => {
    const socket = await RawWebSocket.connect(server.baseUrl, options);
    sockets.push(socket);
    return socket;
  };

  /** The subscriber opened before gets the next change, and plain HTTP still answers. */
  const expectUnharmed = async () => {
    const status = `still here ${++round}`;
    await alice.ok('PUT', `/presence/${encodeURIComponent(alice.userId)}/status`, { presence: 'online', status_msg: status });
    expect((await bystander.next()).presenceChanged.statusMsg).toBe(status);
    expect((await fetch(`${server.baseUrl}/_matrix/client/versions`)).status).toBe(200);
  };

  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_PRESENCE_PER_SECOND: '1000', RATE_LIMIT_PRESENCE_BURST: '1000' });
    alice = await TestClient.register(server.baseUrl);
    watcher = wsFor(alice);
    bystander = new Subscription(watcher, 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { statusMsg } }', { ids: [alice.userId] });
    await bystander.next();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await watcher.dispose();
    await server.close();
  });

  const cases: Array<[string, FrameOptions, number]> = [
    ['a 70 KiB text frame, over the 64 KiB limit', { opcode: Opcode.Text, payload: Buffer.alloc(70 * 1024, 'a') }, 1009],
    ['invalid UTF-8 in a text frame', { opcode: Opcode.Text, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }, 1007],
    ['an unmasked client frame', { opcode: Opcode.Text, payload: '{"type":"ping"}', masked: false }, 1002],
    ['a reserved opcode', { opcode: 0x3, payload: 'x' }, 1002],
    ['RSV1 without a negotiated extension', { opcode: Opcode.Text, payload: '{"type":"ping"}', rsv: 4 }, 1002],
    ['close code 999', { opcode: Opcode.Close, payload: closePayload(999) }, 1002],
  ];

  it.each(cases)('closes the socket on %s with its close code, and nothing else', async (_name, frame, code) => {
    const socket = await open();
    socket.sendFrame(frame);
    expect((await socket.ended).closeCode).toBe(code);
    await expectUnharmed();
  });

  it('closes with the same code after connection_init, and when the frame came with the upgrade request', async () => {
    const initialised = await open();
    initialised.sendText(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${alice.accessToken}` } }));
    initialised.sendFrame({ opcode: Opcode.Text, payload: Buffer.from([0xc0, 0x80]) });
    const early = await open({ head: encodeFrame({ opcode: 0xb }) });
    expect([(await initialised.ended).closeCode, (await early.ended).closeCode]).toEqual([1007, 1002]);
    await expectUnharmed();
  });

  it('closes a socket whose operation id is too long for a close reason with 4409', async () => {
    const socket = await open();
    socket.sendText(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${alice.accessToken}` } }));
    const subscribe = { id: 'x'.repeat(200), type: 'subscribe', payload: { query: 'subscription { presenceChanged(userIds: []) { userId } }' } };
    socket.sendText(JSON.stringify(subscribe));
    socket.sendText(JSON.stringify(subscribe));
    expect((await socket.ended).closeCode).toBe(4409);
    await expectUnharmed();
  });

  it('refuses malformed upgrade requests and drops sockets that vanish mid-handshake', async () => {
    const exchange = (request: string, reset = false) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(new URL(server.baseUrl).port), '127.0.0.1');
        let response = '';
        socket.on('data', (chunk) => (response += String(chunk)));
        socket.on('error', () => undefined);
        socket.once('close', () => resolve(response.split('\r\n')[0]));
        socket.write(request, () => (reset ? socket.resetAndDestroy() : undefined));
      });
    const upgrade = (path: string, headers: string[]) =>
      [`GET ${path} HTTP/1.1`, 'Host: localhost', 'Upgrade: websocket', 'Connection: Upgrade', ...headers, '', ''].join('\r\n');
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==';
    const statuses = await Promise.all([
      exchange(upgrade('/graphql', ['Sec-WebSocket-Version: 13'])),
      exchange(upgrade('/graphql', [key, 'Sec-WebSocket-Version: 7'])),
      exchange(upgrade('/elsewhere', [key, 'Sec-WebSocket-Version: 13'])),
      exchange('GET /graphql HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nBad Header\r\n\r\n'),
      exchange(upgrade('/graphql', [key, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: graphql-transport-ws']), true),
    ]);
    expect(statuses.slice(0, 4)).toEqual(['HTTP/1.1 400 Bad Request', 'HTTP/1.1 400 Bad Request', '', 'HTTP/1.1 400 Bad Request']);
    await expectUnharmed();
  });
});
