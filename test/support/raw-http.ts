/** HTTP at the socket level, for what fetch hides: partial requests, resets, the connection's fate. */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body parsed as JSON, or `{ raw }` when it is not JSON. */
  body: Record<string, any>;
}

/** Splits one HTTP/1.1 response (with Content-Length) off the front of `text`, if it is all there. */
function parseResponse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const length = Number(headers['content-length'] ?? 0);
  const bodyText = text.slice(end + 4);
  if (Buffer.byteLength(bodyText) < length) return undefined;
  let body: Record<string, any>;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = { raw: bodyText };
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** A raw TCP connection to the server that records what comes back and when it closes. */
export class RawConnection {
  private received = '';
  private readonly closed: Promise<void>;
  error?: Error;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (this.received += chunk));
    socket.on('error', (error) => (this.error = error));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(baseUrl: string): Promise<RawConnection> {
    const url = new URL(baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /**
   * Writes everything before reading anything, as a client that does not watch for an early
   * answer would; rejects if the server resets the connection meanwhile.
   */
  writeAll(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (error) => (error ? reject(error) : resolve())));
  }

  /** Resolves once the server has closed the connection, with the response it sent first, if any. */
  async untilClosed(): Promise<RawResponse | undefined> {
    await this.closed;
    return parseResponse(this.received);
  }

  /** Resolves with the first complete response. */
  async response(): Promise<RawResponse> {
    for (;;) {
      const parsed = parseResponse(this.received);
      if (parsed) return parsed;
      if (this.socket.closed) throw new Error(`connection closed after ${JSON.stringify(this.received)}`, { cause: this.error });
      await new Promise((resolve) => this.socket.once('data', resolve).once('close', resolve));
    }
  }

  /** Forgets what was received so far: response() then waits for the next response on this connection. */
  forget(): void {
    this.received = '';
  }

  destroy(): void {
    this.socket.destroy();
  }
}
