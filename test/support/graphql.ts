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

/**
 * A running subscription whose items are read one at a time (`next`), so a test can act between
 * them; `error` holds a final error, if the server sent one.
 */
export class Subscription<T = Record<string, any>> {
  private readonly items: T[] = [];
  private waiting: Array<() => void> = [];
  error: Array<{ message: string; extensions?: Record<string, any> }> | null = null;
  done = false;
  readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables?: Record<string, unknown>) {
    this.unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) this.error = value.errors as never;
          else this.items.push(value.data as T);
          this.wake();
        },
        error: (error) => {
          this.error = Array.isArray(error) ? error : [{ message: String((error as Error).message ?? error) }];
          this.done = true;
          this.wake();
        },
        complete: () => {
          this.done = true;
          this.wake();
        },
      },
    );
  }

  /** The next item; rejects when the stream ends (with its error) before one comes. */
  async next(): Promise<T> {
    while (this.items.length === 0) {
      if (this.done || this.error) throw new Error(`subscription ended: ${JSON.stringify(this.error)}`);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return this.items.shift()!;
  }

  /** Resolves once the stream has ended (error or complete). */
  async ended(): Promise<void> {
    while (!this.done && !this.error) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
