import { Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType, parseMessage, type SubscribePayload } from 'graphql-ws';
import type { RawData, WebSocket } from 'ws';
import type { Requester } from '../auth/requester.js';

/** What the server does for a connection: authenticate it, and run its operations. */
export interface GraphqlWsHandler {
  /** The session for a connection_init payload; a `CloseCode` refuses the connection. */
  authenticate(params: Record<string, unknown>): Promise<GraphqlWsSession | CloseCode.Unauthorized | CloseCode.Forbidden>;
  /** Runs one operation; its items go out through `connection`, and `connection.track` stops it. */
  operate(connection: GraphqlWsConnection, id: string, payload: SubscribePayload): Promise<void>;
}

/** Who a connection signed in as, and with which token (a revoked one ends the connection). */
export interface GraphqlWsSession {
  requester: Requester;
  token: string;
  tokenHash: string;
}

const logger = new Logger('GraphqlWsConnection');

/** Longest close reason a close frame carries (RFC 6455 §5.5: 125 bytes with the code). */
const MAX_CLOSE_REASON_BYTES = 123;

/** `reason` cut to fit a close frame, on a character boundary; ws throws on a longer one. */
export function closeReason(reason: string): string {
  let kept = '';
  let bytes = 0;
  for (const character of reason) {
    bytes += Buffer.byteLength(character);
    if (bytes > MAX_CLOSE_REASON_BYTES) break;
    kept += character;
  }
  return kept;
}

/** Connections with messages waiting, written out together once the current turn's work is done. */
const waiting = new Set<GraphqlWsConnection>();

function flushWaiting(): void {
  const connections = [...waiting];
  waiting.clear();
  for (const connection of connections) connection.flush();
}

export interface GraphqlWsTimers {
  initTimeoutMs: number;
  keepAliveMs: number;
}

/**
 * One socket speaking the graphql-ws protocol (graphql-transport-ws), with the library's close
 * codes: 4406 wrong subprotocol, 4408 no connection_init in time, 4429 a second init, 4401 an
 * operation before the ack or no token, 4403 a refused token, 4409 a reused operation id, 4400
 * a malformed message. A WebSocket ping every keep-alive period ends a connection that stopped
 * answering.
 */
export class GraphqlWsConnection {
  private initReceived = false;
  private session: GraphqlWsSession | null = null;
  /** Open operations and how to stop each; null while it is being set up. */
  private readonly operations = new Map<string, (() => void) | null>();
  private readonly timers: NodeJS.Timeout[] = [];
  private awaitingPong = false;
  /** Messages of this turn, in order: under load one socket gets several, and they share a write. */
  private outbox: string[] = [];

  constructor(
    private readonly socket: WebSocket,
    private readonly handler: GraphqlWsHandler,
    timers: GraphqlWsTimers,
  ) {
    // ws reports a frame that breaks the protocol (too big, invalid UTF-8, unmasked, reserved
    // opcode or bits, bad close code) here, after closing the socket with its code itself;
    // without a listener the event would throw and end the process.
    socket.on('error', (error: Error & { code?: string }) => logger.debug(`WebSocket closed on a protocol error: ${error.code ?? error.message}`));
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      socket.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    this.timers.push(
      setTimeout(() => {
        if (!this.initReceived) socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
      }, timers.initTimeoutMs),
      setInterval(() => this.keepAlive(), timers.keepAliveMs),
    );
    socket.on('message', (data: RawData) => void this.receive(data).catch((error: unknown) => this.fail(error)));
    socket.on('pong', () => (this.awaitingPong = false));
    socket.once('close', () => this.closed());
  }

  get viewer(): Requester {
    return this.session!.requester;
  }

  /** The session once connection_init was accepted, else null. */
  get signedIn(): GraphqlWsSession | null {
    return this.session;
  }

  get operationCount(): number {
    return this.operations.size;
  }

  /** Registers how to stop an operation; false when the client completed it meanwhile. */
  track(id: string, stop: () => void): boolean {
    if (!this.operations.has(id)) {
      stop();
      return false;
    }
    this.operations.set(id, stop);
    return true;
  }

  isOpen(id: string): boolean {
    return this.operations.has(id);
  }

  next(id: string, payload: unknown): void {
    if (this.operations.has(id)) this.send(JSON.stringify({ id, type: MessageType.Next, payload }));
  }

  /** A next message whose payload is already serialised: the id is spliced in, nothing else is. */
  nextRendered(id: string, payloadJson: string): void {
    if (this.operations.has(id)) this.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payloadJson}}`);
  }

  /** Ends an operation with errors. */
  error(id: string, errors: readonly GraphQLFormattedError[]): void {
    if (!this.operations.delete(id)) return;
    this.send(JSON.stringify({ id, type: MessageType.Error, payload: errors }));
  }

  complete(id: string): void {
    if (!this.operations.delete(id)) return;
    this.send(JSON.stringify({ id, type: MessageType.Complete }));
  }

  close(code: number, reason: string): void {
    this.flush();
    this.socket.close(code, closeReason(reason));
  }

  /** Writes the waiting messages; several go out corked, as one write to the kernel. */
  flush(): void {
    const messages = this.outbox;
    this.outbox = [];
    if (messages.length === 0 || this.socket.readyState !== this.socket.OPEN) return;
    if (messages.length === 1) {
      this.socket.send(messages[0]);
      return;
    }
    // ws frames each message with its own write; corking the TCP socket joins them.
    const tcp = (this.socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    tcp?.cork();
    for (const message of messages) this.socket.send(message);
    tcp?.uncork();
  }

  private send(text: string): void {
    if (this.outbox.length === 0) {
      if (waiting.size === 0) setImmediate(flushWaiting);
      waiting.add(this);
    }
    this.outbox.push(text);
  }

  private async receive(data: RawData): Promise<void> {
    let message;
    try {
      message = parseMessage(String(data));
    } catch {
      return this.close(CloseCode.BadRequest, 'Invalid message received');
    }
    switch (message.type) {
      case MessageType.ConnectionInit: {
        if (this.initReceived) return this.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
        this.initReceived = true;
        const outcome = await this.handler.authenticate(message.payload ?? {});
        if (outcome === CloseCode.Unauthorized) return this.close(outcome, 'Missing access token');
        if (outcome === CloseCode.Forbidden) return this.close(outcome, 'Forbidden');
        this.session = outcome;
        this.send(JSON.stringify({ type: MessageType.ConnectionAck }));
        return;
      }
      case MessageType.Ping:
        this.send(JSON.stringify(message.payload ? { type: MessageType.Pong, payload: message.payload } : { type: MessageType.Pong }));
        return;
      case MessageType.Pong:
        return;
      case MessageType.Subscribe: {
        if (!this.session) return this.close(CloseCode.Unauthorized, 'Unauthorized');
        if (this.operations.has(message.id)) return this.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${message.id} already exists`);
        this.operations.set(message.id, null);
        await this.handler.operate(this, message.id, message.payload);
        return;
      }
      case MessageType.Complete: {
        const stop = this.operations.get(message.id);
        this.operations.delete(message.id);
        stop?.();
        return;
      }
      default:
        // Server-to-client messages (next, error, connection_ack) are not the client's to send.
        return this.close(CloseCode.BadRequest, `Unexpected message of type ${message.type} received`);
    }
  }

  /** A message whose handling threw: that socket alone ends, as graphql-ws's own server does. */
  private fail(error: unknown): void {
    logger.error(`GraphQL WebSocket message failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (this.socket.readyState === this.socket.OPEN) this.close(CloseCode.InternalServerError, 'Internal server error');
  }

  private keepAlive(): void {
    if (this.awaitingPong) {
      this.socket.terminate();
      return;
    }
    this.awaitingPong = true;
    this.socket.ping();
  }

  private closed(): void {
    for (const timer of this.timers) clearTimeout(timer);
    const stops = [...this.operations.values()];
    this.operations.clear();
    for (const stop of stops) stop?.();
  }
}
