import { Logger } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { NoServerError } from './cluster-link.js';
import { FrameReader, FrameWriter, type Frame } from './request-frames.js';
import { NOT_SERVED, ServiceConnection, type ServiceAddress } from './service-connection.js';

/** Deletes a key only if it still holds what this process wrote there (a successor may have replaced it). */
const DELETE_IF_SAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** How long a new connection has to greet. */
const GREETING_MS = 10_000;

/**
 * Requests and answers between processes over a TCP connection from the asker to the server, the
 * way Synapse's workers call its presence writer over HTTP replication rather than its Redis.
 * Redis only says where a service is served (a key under the prefix, with a secret).
 *
 * Why not Redis pub/sub, as before: a request and its answer through Redis wake each side twice
 * (the message, then the PUBLISH reply), and on these machines waking a process costs more CPU
 * than the work a forwarded presence input does. Over a direct connection each side wakes once.
 *
 * Each connection starts with a frame `0 <service> <secret>`; then requests and answers are
 * frames (request-frames.ts), written together when made in one turn of the event loop.
 */
export class DirectRequests {
  private readonly logger = new Logger('ClusterRequests');
  private server: Server | null = null;
  private listening: Promise<{ port: number }> | null = null;
  /** The services served here, by name: their handler and secret. */
  private readonly served = new Map<string, { secret: string; handler: (body: string) => Promise<string> }>();
  /** The connections of this process as asker, by service. */
  private readonly connections = new Map<string, Promise<ServiceConnection>>();
  /** Every socket this process serves on. */
  private readonly accepted = new Set<Socket>();
  private requests = 0;
  /** The addresses found unreachable, each told once. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly processId: string,
    /** The address this process listens on and tells the others, and the port (0: any free one). */
    private readonly host: string,
    private readonly port: number,
  ) {}

  private key(service: string): string {
    return `${this.prefix}serve:${service}`;
  }

  async serve(service: string, handler: (body: string) => Promise<string>): Promise<() => Promise<void>> {
    const { port } = await this.listen();
    const secret = randomBytes(18).toString('base64url');
    this.served.set(service, { secret, handler });
    const address = JSON.stringify({ processId: this.processId, host: this.host, port, secret } satisfies ServiceAddress);
    await this.redis.set(this.key(service), address);
    return async () => {
      if (this.served.get(service)?.secret === secret) this.served.delete(service);
      await this.redis.eval(DELETE_IF_SAME, 1, this.key(service), address).catch(() => undefined);
      if (this.served.size === 0) this.stopListening();
    };
  }

  /** Listens, once, on the configured address; `exclusive` keeps node:cluster from sharing the port with the other workers. */
  private listen(): Promise<{ port: number }> {
    this.listening ??= new Promise((resolve, reject) => {
      const server = createServer((socket) => this.accept(socket));
      this.server = server;
      server.once('error', reject);
      server.listen({ host: this.host, port: this.port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.logger.error(`cluster requests server: ${error.message}`));
        resolve({ port: (server.address() as { port: number }).port });
      });
    });
    const listening = this.listening;
    listening.catch(() => {
      if (this.listening === listening) this.listening = null;
    });
    return listening;
  }

  private stopListening(): void {
    this.server?.close();
    this.server = null;
    this.listening = null;
  }

  /** A connection from an asker: a greeting naming the service and its secret, then requests. */
  private accept(socket: Socket): void {
    this.accepted.add(socket);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    const reader = new FrameReader();
    const writer = new FrameWriter(socket);
    let greeting: { service: string; secret: string } | null = null;
    // A connection that does not say what it wants soon is dropped: the port may be reachable by others than the cluster.
    socket.setTimeout(GREETING_MS, () => socket.destroy());
    socket.on('data', (chunk: string) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch (error) {
        this.logger.error(`cluster requests: ${(error as Error).message} from ${socket.remoteAddress ?? 'a closed socket'}`);
        return void socket.destroy();
      }
      for (const { id, text } of frames) {
        if (!greeting) {
          const [service, secret] = text.split(' ');
          if (id !== 0 || !sameSecret(this.served.get(service)?.secret, secret)) return void socket.destroy();
          greeting = { service, secret };
          socket.setTimeout(0);
          continue;
        }
        const served = this.served.get(greeting.service);
        if (served?.secret !== greeting.secret) {
          writer.add({ id, text: NOT_SERVED });
          continue;
        }
        let answered: Promise<string>;
        try {
          answered = served.handler(text);
        } catch (error) {
          answered = Promise.reject(error as Error);
        }
        void answered.then(
          (body) => writer.add({ id, text: `+${body}` }),
          (error: Error) => writer.add({ id, text: `-${error.message}` }),
        );
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.accepted.delete(socket));
  }

  async request(service: string, body: string, timeoutMs: number): Promise<string> {
    const connection = await this.connectionTo(service);
    const id = ++this.requests;
    return connection.request(id, body, timeoutMs);
  }

  /** The connection to the process serving `service`, made once and again after it ended. */
  private connectionTo(service: string): Promise<ServiceConnection> {
    let connection = this.connections.get(service);
    if (!connection) {
      const made = this.connect(service, () => this.forget(service, made));
      connection = made;
      this.connections.set(service, made);
      made.catch(() => this.forget(service, made));
    }
    return connection;
  }

  private forget(service: string, connection: Promise<ServiceConnection>): void {
    if (this.connections.get(service) === connection) this.connections.delete(service);
  }

  private async connect(service: string, retired: () => void): Promise<ServiceConnection> {
    let raw: string | null;
    try {
      raw = await this.redis.get(this.key(service));
    } catch {
      // Redis unreachable: asked again on the next try, as when no process serves.
      throw new NoServerError(service, 'none');
    }
    if (raw === null) throw new NoServerError(service, 'none');
    const address = JSON.parse(raw) as ServiceAddress;
    return new ServiceConnection(service, address, retired, (error) => this.unreachable(service, address, error));
  }

  /** Says once per address that it could not be reached: during a handover, or a CLUSTER_HOST the others cannot reach. */
  private unreachable(service: string, { host, port, processId }: ServiceAddress, error: Error): void {
    const address = `${host}:${port}`;
    if (this.warned.has(address)) return;
    this.warned.add(address);
    this.logger.warn(`${service} of process ${processId} not reachable at ${address} (${error.message}); its CLUSTER_HOST must be an address this process reaches`);
  }

  async close(): Promise<void> {
    this.stopListening();
    for (const socket of this.accepted) socket.destroy();
    for (const connection of this.connections.values()) void connection.then((open) => open.end(), () => undefined);
    this.connections.clear();
  }
}

function sameSecret(expected: string | undefined, given: string | undefined): boolean {
  if (expected === undefined || given === undefined || expected.length !== given.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}
