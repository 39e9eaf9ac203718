import { createConnection, type Socket } from 'node:net';
import { NoServerError } from './cluster-link.js';
import { FrameReader, FrameWriter, type Frame } from './request-frames.js';

/** Where a service is served, as its server wrote it in Redis. */
export interface ServiceAddress {
  processId: string;
  host: string;
  port: number;
  /** Proof that the asker read the address from Redis: the server takes only the connections that bring it. */
  secret: string;
}

/** The answer of a process that no longer serves the service asked for: ask whoever serves it now. */
export const NOT_SERVED = '!';

/**
 * An asker's connection to the process serving one service. It retires (takes no more requests)
 * when its server says it no longer serves, and ends once its requests are answered; when it
 * fails, every request still waiting on it fails with NoServerError, to be asked again of
 * whoever serves then. A request that times out fails the connection, as its server may be gone
 * without a word (another machine cut off).
 */
export class ServiceConnection {
  private readonly socket: Socket;
  private readonly writer: FrameWriter;
  private readonly pending = new Map<number, { resolve: (body: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private retired = false;

  constructor(
    private readonly service: string,
    address: ServiceAddress,
    /** Called once, when the connection stops taking requests. */
    private readonly onRetired: () => void,
    unreachable: (error: Error) => void,
  ) {
    this.socket = createConnection({ host: address.host, port: address.port, noDelay: true });
    this.socket.setEncoding('utf8');
    this.writer = new FrameWriter(this.socket);
    this.writer.add({ id: 0, text: `${service} ${address.secret}` });
    const reader = new FrameReader();
    this.socket.on('data', (chunk: string) => {
      try {
        for (const frame of reader.push(chunk)) this.answered(frame);
      } catch {
        this.fail();
      }
    });
    let connected = false;
    this.socket.once('connect', () => (connected = true));
    this.socket.on('error', (error) => connected || unreachable(error));
    this.socket.on('close', () => this.fail());
  }

  request(id: number, body: string, timeoutMs: number): Promise<string> {
    if (this.retired) return Promise.reject(new NoServerError(this.service, 'none'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(id, new NoServerError(this.service, 'timeout'));
        this.fail();
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.writer.add({ id, text: body });
    });
  }

  private answered({ id, text }: Frame): void {
    if (text === NOT_SERVED) {
      this.settle(id, new NoServerError(this.service, 'none'));
      this.retire();
    } else {
      const waiting = this.pending.get(id);
      if (!waiting) return;
      this.pending.delete(id);
      clearTimeout(waiting.timer);
      if (text.startsWith('-')) waiting.reject(new Error(text.slice(1)));
      else waiting.resolve(text.slice(1));
    }
    if (this.retired && this.pending.size === 0) this.socket.end();
  }

  private retire(): void {
    if (this.retired) return;
    this.retired = true;
    this.onRetired();
  }

  /** Ends the connection now: what waits on it is asked again elsewhere. */
  private fail(): void {
    this.retire();
    for (const id of this.pending.keys()) this.settle(id, new NoServerError(this.service, 'none'));
    this.socket.destroy();
  }

  private settle(id: number, error: Error): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    waiting.reject(error);
  }

  end(): void {
    this.fail();
  }
}
