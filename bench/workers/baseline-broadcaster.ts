import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveJob } from '../lib/worker-side.js';

/**
 * The fan-out baseline: a bare `ws` server that, for each change, sends a payload of the size a
 * real presenceChanged message has to every subscription following the changed user. It speaks
 * just enough graphql-transport-ws (ack, pong, a `next` per subscription) for the very same
 * graphql-ws clients to subscribe to it, so both runs pay the same client cost on the shared
 * cores and the ratio compares the servers. Changes arrive as the same legacy
 * `PUT /presence/{userId}/status` requests, from the same driver, and are answered once
 * broadcast: neither run can fall behind its driver unseen.
 */
interface BroadcasterJob {
  payloadBytes: number;
}

interface Subscription {
  socket: WebSocket;
  id: string;
}

const STATUS_PATH = /^\/_matrix\/client\/v3\/presence\/([^/]+)\/status$/;

const followers = new Map<string, Subscription[]>();
let payloadBytes = 0;
let sent = 0;

function next(subscription: Subscription, user: string, statusMsg: string | null): void {
  const status = statusMsg === null ? 'null' : JSON.stringify(statusMsg);
  const head = `{"id":${JSON.stringify(subscription.id)},"type":"next","payload":{"data":{"presenceChanged":{"userId":"${user}","statusMsg":${status},"pad":"`;
  subscription.socket.send(head + 'x'.repeat(Math.max(0, payloadBytes - head.length - 5)) + '"}}}}');
}

function broadcast(user: string, statusMsg: string): void {
  for (const subscription of followers.get(user) ?? []) {
    next(subscription, user, statusMsg);
    sent += 1;
  }
}

function onMessage(socket: WebSocket, data: string): void {
  const message = JSON.parse(data) as { type: string; id?: string; payload?: { variables?: { ids?: string[] } } };
  if (message.type === 'connection_init') socket.send('{"type":"connection_ack"}');
  else if (message.type === 'ping') socket.send('{"type":"pong"}');
  else if (message.type === 'subscribe' && message.id !== undefined) {
    const subscription = { socket, id: message.id };
    for (const user of message.payload?.variables?.ids ?? []) {
      let list = followers.get(user);
      if (!list) followers.set(user, (list = []));
      list.push(subscription);
      // Each followed user's current value first, as presenceChanged sends it.
      next(subscription, user, null);
    }
  }
}

serveJob<BroadcasterJob, { port: number }, { sent: number }>({
  async setup(job) {
    payloadBytes = job.payloadBytes;
    const server = createServer((request, response) => {
      const match = STATUS_PATH.exec(request.url ?? '');
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        if (request.method !== 'PUT' || !match) {
          response.writeHead(404).end();
          return;
        }
        const { status_msg: statusMsg } = JSON.parse(body) as { status_msg?: string };
        broadcast(decodeURIComponent(match[1]), statusMsg ?? '');
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    const sockets = new WebSocketServer({ server });
    sockets.on('connection', (socket) => socket.on('message', (data) => onMessage(socket, String(data))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return { port: address !== null && typeof address === 'object' ? address.port : 0 };
  },
  // Changes arrive as requests; there is nothing to start.
  run() {},
  async stop() {
    return { sent };
  },
});
