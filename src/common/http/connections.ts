import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AppConfig } from '../../config/app-config.js';
import { MatrixError } from '../matrix-error.js';

/**
 * What each open connection is doing, for the two decisions Node's HTTP server leaves to us:
 * whether a connection whose request failed below the router can still be answered, and which
 * connections a shutdown may drop without cutting off an answer.
 */
export class Connections {
  private readonly open = new Set<Socket>();
  /** The answer to the latest request on each connection (its request is `.req`); kept until the next one. */
  private readonly latest = new WeakMap<Socket, ServerResponse>();

  watch(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.open.add(socket);
      socket.once('close', () => this.open.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => this.latest.set(request.socket, response));
  }

  /**
   * Whether nothing of an answer to the request under way has been written, so that one may
   * still be: either its answer has not started, or the previous exchange is over and the
   * failure is about a new request (Node emits no 'request' before the headers are complete).
   */
  canAnswer(socket: Socket): boolean {
    const response = this.latest.get(socket);
    if (!response || !response.headersSent) return true;
    return response.req.complete && response.writableFinished;
  }

  /**
   * Drops every connection that is not answering a fully received request: idle ones, and ones
   * still sending headers or a body. Node stops enforcing its request deadlines once the server
   * is closing, so without this a slow client would hold the shutdown open for as long as it likes.
   */
  dropAllButAnswering(): void {
    for (const socket of this.open) {
      const response = this.latest.get(socket);
      const answering = response !== undefined && response.req.complete && !response.writableFinished;
      if (!answering) socket.destroy();
      // Once answered, the connection goes too: the server only closes connections idle when
      // the shutdown began, and one idle after would hold it open until its keep-alive timeout.
      else response.once('finish', () => socket.destroySoon());
    }
  }

  /** Destroys every connection, WebSockets included: a shutdown's last resort at its deadline. */
  destroyAll(): void {
    for (const socket of this.open) socket.destroy();
  }
}

/** The Matrix error for a request Node's HTTP parser refused before any route saw it. */
export function clientErrorToMatrix(code: string | undefined): MatrixError {
  switch (code) {
    // Headers or body not received within HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS. The
    // spec has no errcode for it; like any failure without one, it is M_UNKNOWN.
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new MatrixError(408, 'M_UNKNOWN', 'Request not received in time');
    case 'HPE_HEADER_OVERFLOW':
      return new MatrixError(431, 'M_TOO_LARGE', 'Request headers too large');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new MatrixError(413, 'M_TOO_LARGE', 'Chunk extensions too large');
    default:
      // Not HTTP as the server understands it: the spec's meaning of M_UNRECOGNIZED.
      return new MatrixError(400, 'M_UNRECOGNIZED', 'Malformed HTTP request');
  }
}

/**
 * Node's 'clientError' handler: answers with a Matrix error where a reply is still possible, as
 * Node's own handler would with its plain-text one, and closes the connection.
 */
export function answerClientError(connections: Connections, error: NodeJS.ErrnoException, socket: Socket): void {
  if (socket.destroyed) return;
  if (error.code === 'ECONNRESET' || !socket.writable || !connections.canAnswer(socket)) {
    socket.destroy();
    return;
  }
  const matrixError = clientErrorToMatrix(error.code);
  const body = JSON.stringify(matrixError.toJSON());
  const head = [
    `HTTP/1.1 ${matrixError.status} ${STATUS_CODES[matrixError.status]}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

/** Node's deadlines for receiving a request and for idle connections, from the configuration. */
export function connectionOptions(config: Pick<AppConfig, 'HTTP_HEADERS_TIMEOUT_MS' | 'HTTP_REQUEST_TIMEOUT_MS' | 'HTTP_KEEP_ALIVE_TIMEOUT_MS'>) {
  return {
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    // No inactivity deadline on the socket itself: a long-poll sends nothing for its whole wait.
    connectionTimeout: 0,
    http: {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
      // Node checks the two deadlines on this period (30 s by default); a quarter of the shorter
      // one keeps any deadline from running over by more than a quarter.
      connectionsCheckingInterval: Math.min(30_000, Math.ceil(config.HTTP_HEADERS_TIMEOUT_MS / 4)),
    },
  };
}
