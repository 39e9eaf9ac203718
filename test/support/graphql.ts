import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestClient } from './client.js';

export interface GraphqlResponse<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

/** POST /graphql with the client's token (or `token`, or none with null). */
export async function graphql<T = Record<string, any>>(
  baseUrl: string,
  token: string | null,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphqlResponse<T>> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T | null; errors?: GraphqlResponse['errors'] };
  return { status: response.status, data: body.data ?? null, errors: body.errors };
}

/** A graphql-ws client for `client`'s token, failing fast rather than retrying. */
export function wsClient(baseUrl: string, token: string | null, onClose?: (code: number, reason: string) => void): Client {
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    // Refused connections are asserted through `onClose`; the client would also print them.
    onNonLazyError: () => undefined,
    on: { closed: (event) => onClose?.((event as { code: number }).code, String((event as { reason?: unknown }).reason ?? '')) },
  });
}

export function wsFor(client: TestClient): Client {
  return wsClient(client.baseUrl, client.accessToken);
}

export interface SubscriptionResult<T> {
  data: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

/**
 * A running subscription whose messages are read one at a time (`result`, or `next` for the data
 * of one without errors), so a test can act between them; `error` holds a final error message, if
 * the server sent one, and `completed` tells a stream the server completed.
 */
export class Subscription<T = Record<string, any>> {
  private readonly results: Array<SubscriptionResult<T>> = [];
  private waiting: Array<() => void> = [];
  error: Array<{ message: string; extensions?: Record<string, any> }> | null = null;
  done = false;
  completed = false;
  readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables?: Record<string, unknown>) {
    this.unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          this.results.push(value as SubscriptionResult<T>);
          this.wake();
        },
        error: (error) => {
          this.error = Array.isArray(error) ? error : [{ message: String((error as Error).message ?? error) }];
          this.done = true;
          this.wake();
        },
        complete: () => {
          this.done = true;
          this.completed = true;
          this.wake();
        },
      },
    );
  }

  /** The next message's payload, errors and all; rejects when the stream ends before one comes. */
  async result(): Promise<SubscriptionResult<T>> {
    while (this.results.length === 0) {
      if (this.done) throw new Error(`subscription ended: ${JSON.stringify(this.error)}`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return this.results.shift()!;
  }

  /** The next message's data; rejects when it carries errors or the stream ends before one comes. */
  async next(): Promise<T> {
    const { data, errors } = await this.result();
    if (errors) throw new Error(`subscription item failed: ${JSON.stringify(errors)}`);
    return data as T;
  }

  /** Resolves once the stream has ended (error or complete). */
  async ended(): Promise<void> {
    while (!this.done) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

/** A graphql-ws socket, signed in, that then stops reading: it never answers the server's close frame. */
export async function stalledWebSocket(baseUrl: string, token: string): Promise<WebSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const acked = new Promise<void>((resolve) => socket.on('message', (data) => String(data).includes('connection_ack') && resolve()));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  await acked;
  socket.pause();
  return socket;
}
