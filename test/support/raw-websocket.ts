import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** WebSocket opcodes (RFC 6455 §5.2); 3–7 and 0xB–0xF are reserved. */
export const Opcode = { Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const;

export interface FrameOptions {
  opcode: number;
  payload?: Buffer | string;
  fin?: boolean;
  /** The three RSV bits, 0–7 (RSV1 is 4). */
  rsv?: number;
  /** Clients must mask; false sends the frame unmasked. */
  masked?: boolean;
  /** The length to declare, when it should differ from the payload's. */
  declaredLength?: number;
}

/** One WebSocket frame as a client would put it on the wire, valid or not. */
export function encodeFrame({ opcode, payload = Buffer.alloc(0), fin = true, rsv = 0, masked = true, declaredLength }: FrameOptions): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = declaredLength ?? body.length;
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0xf)];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 0x10000) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!masked) return Buffer.concat([Buffer.from(head), extended, body]);
  const key = randomBytes(4);
  const maskedBody = Buffer.from(body.map((byte, index) => byte ^ key[index % 4]));
  return Buffer.concat([Buffer.from(head), extended, key, maskedBody]);
}

/** A close frame's payload: the code, then the reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const buffer = Buffer.alloc(2 + Buffer.byteLength(reason));
  buffer.writeUInt16BE(code);
  buffer.write(reason, 2);
  return buffer;
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** How a raw connection ended: the server's close frame, if it sent one before the TCP close. */
export interface RawEnd {
  closeCode: number | null;
  reason: string;
}

/**
 * A WebSocket client over a bare TCP socket, so a test can send frames no library would: the
 * upgrade request is written by hand and every frame is built with `encodeFrame`. It reads the
 * server's (unmasked, unfragmented) frames, answers a close frame by closing TCP, and never
 * answers pings.
 */
export class RawWebSocket {
  readonly frames: ServerFrame[] = [];
  /** Resolves once TCP is closed, with the server's close frame if there was one. */
  readonly ended: Promise<RawEnd>;
  private buffer = Buffer.alloc(0);
  private closeFrame: ServerFrame | null = null;
  private waiters: Array<{ match: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame | null) => void }> = [];

  private constructor(
    private readonly socket: Socket,
    rest: Buffer,
  ) {
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        for (const waiter of this.waiters.splice(0)) waiter.resolve(null);
        const payload = this.closeFrame?.payload;
        resolve({
          closeCode: payload && payload.length >= 2 ? payload.readUInt16BE(0) : null,
          reason: payload ? payload.subarray(2).toString() : '',
        });
      }),
    );
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    if (rest.length > 0) this.receive(rest);
  }

  /**
   * Opens `path` with an upgrade request carrying `protocol`; rejects unless the server answers
   * 101. `head` goes out in the same write as the request.
   */
  static connect(baseUrl: string, options: { path?: string; protocol?: string | null; head?: Buffer } = {}): Promise<RawWebSocket> {
    const { hostname, port } = new URL(baseUrl);
    const { path = '/graphql', protocol = 'graphql-transport-ws', head = Buffer.alloc(0) } = options;
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      // A reset after the server gave up on the socket is an ending like any other.
      socket.on('error', () => socket.destroy());
      let response = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        response = Buffer.concat([response, chunk]);
        const end = response.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.off('close', onClose);
        const status = response.subarray(0, end).toString().split('\r\n')[0];
        if (!/^HTTP\/1\.1 101 /.test(status)) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${status}`));
          return;
        }
        resolve(new RawWebSocket(socket, response.subarray(end + 4)));
      };
      const onClose = () => reject(new Error('connection closed during the upgrade'));
      socket.on('data', onData);
      socket.once('close', onClose);
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []),
      ];
      socket.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), head]));
    });
  }

  /** Writes raw bytes: one or more frames, or a part of one. */
  write(bytes: Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  sendFrame(options: FrameOptions): void {
    this.write(encodeFrame(options));
  }

  sendText(text: string): void {
    this.sendFrame({ opcode: Opcode.Text, payload: text });
  }

  /** The first frame from now on that matches, or null if the connection ends first. */
  waitFor(match: (frame: ServerFrame) => boolean): Promise<ServerFrame | null> {
    if (this.socket.destroyed) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const frame = this.takeFrame();
      if (!frame) return;
      this.frames.push(frame);
      for (const waiter of this.waiters.filter((each) => each.match(frame))) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
      if (frame.opcode === Opcode.Close && !this.closeFrame) {
        this.closeFrame = frame;
        // The server closes TCP once it has our close frame; ending our side gets there sooner.
        this.sendFrame({ opcode: Opcode.Close, payload: frame.payload.subarray(0, 2) });
        this.socket.end();
      }
    }
  }

  private takeFrame(): ServerFrame | null {
    if (this.buffer.length < 2) return null;
    let length = this.buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (this.buffer.length < 4) return null;
      length = this.buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (this.buffer.length < 10) return null;
      length = Number(this.buffer.readBigUInt64BE(2));
      offset = 10;
    }
    if (this.buffer.length < offset + length) return null;
    const frame = { opcode: this.buffer[0] & 0x0f, payload: this.buffer.subarray(offset, offset + length) };
    this.buffer = this.buffer.subarray(offset + length);
    return frame;
  }
}
