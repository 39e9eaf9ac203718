import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveJob } from '../lib/worker-side.js';

/**
 * The fan-out baseline: a bare `ws` server that, for each change, sends a payload of the size a
 * real presenceChanged message has to every socket following the changed user. Changes arrive as
 * the same legacy `PUT /presence/{userId}/status` requests, from the same driver, as against the
 * real server, and are answered once broadcast: both runs cost the shared cores the same to drive,
 * and neither can fall behind its driver unseen.
 */
interface BroadcasterJob {
  payloadBytes: number;
}

const STATUS_PATH = /^\/_matrix\/client\/v3\/presence\/([^/]+)\/status$/;

const followers = new Map<string, Set<WebSocket>>();
let payloadBytes = 0;
let sent = 0;

function broadcast(user: string, statusMsg: string): void {
  const head = `{"id":"1","type":"next","payload":{"data":{"presenceChanged":{"userId":"${user}","statusMsg":"${statusMsg}","pad":"`;
  const text = head + 'x'.repeat(Math.max(0, payloadBytes - head.length - 5)) + '"}}}}';
  for (const socket of followers.get(user) ?? []) {
    socket.send(text);
    sent += 1;
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
    sockets.on('connection', (socket) => {
      socket.once('message', (data) => {
        for (const user of (JSON.parse(data.toString()) as { follows: string[] }).follows) {
          let set = followers.get(user);
          if (!set) followers.set(user, (set = new Set()));
          set.add(socket);
        }
      });
    });
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
