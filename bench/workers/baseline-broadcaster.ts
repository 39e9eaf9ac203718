import { WebSocketServer, type WebSocket } from 'ws';
import { serveJob } from '../lib/worker-side.js';

/**
 * The fan-out baseline: a bare `ws` server that, for each change, sends a payload of the size a
 * real presenceChanged message has to every socket following the changed user. Changes come
 * over IPC from the benchmark, at the same rate as against the real server.
 */
interface BroadcasterJob {
  payloadBytes: number;
}

const followers = new Map<string, Set<WebSocket>>();
let payloadBytes = 0;
let sent = 0;

serveJob<BroadcasterJob, { port: number }, { sent: number }>({
  async setup(job) {
    payloadBytes = job.payloadBytes;
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (socket) => {
      socket.once('message', (data) => {
        for (const user of (JSON.parse(data.toString()) as { follows: string[] }).follows) {
          let set = followers.get(user);
          if (!set) followers.set(user, (set = new Set()));
          set.add(socket);
        }
      });
    });
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    return { port: address !== null && typeof address === 'object' ? address.port : 0 };
  },
  run() {
    process.on('message', (message: { type: string; user?: string; ts?: number }) => {
      if (message.type !== 'change' || !message.user) return;
      const head = `{"id":"1","type":"next","payload":{"data":{"presenceChanged":{"userId":"${message.user}","statusMsg":"bench:${message.ts}","pad":"`;
      const text = head + 'x'.repeat(Math.max(0, payloadBytes - head.length - 5)) + '"}}}}';
      for (const socket of followers.get(message.user) ?? []) {
        socket.send(text);
        sent += 1;
      }
    });
  },
  async stop() {
    return { sent };
  },
});
