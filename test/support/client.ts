/** A small Matrix client over fetch, for end-to-end tests: one helper per operation. */

export interface Response<T = Record<string, any>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as is, instead of JSON-encoding `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Overrides the client's token; null sends none. */
  token?: string | null;
}

let counter = 0;
/** A username unique within this test run. */
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}_${process.pid}_${Date.now().toString(36)}`;
}

export async function request<T = Record<string, any>>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions & { accessToken?: string } = {},
): Promise<Response<T>> {
  const url = new URL(path.startsWith('/_') ? path : `/_matrix/client/v3${path}`, baseUrl);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  const token = options.token === undefined ? options.accessToken : options.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload: string | undefined = options.rawBody;
  if (payload === undefined && body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(url, { method, headers, body: payload });
  const text = await response.text();
  let parsed: unknown = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export class TestClient {
  constructor(
    readonly baseUrl: string,
    readonly userId: string,
    readonly accessToken: string,
    readonly deviceId: string,
  ) {}

  static async register(baseUrl: string, username = uniqueName(), password = 'secret-password'): Promise<TestClient> {
    const response = await request(baseUrl, 'POST', '/register', {
      username,
      password,
      auth: { type: 'm.login.dummy' },
    });
    if (response.status !== 200) throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
    return new TestClient(baseUrl, response.body.user_id, response.body.access_token, response.body.device_id);
  }

  request<T = Record<string, any>>(method: string, path: string, body?: unknown, options: RequestOptions = {}) {
    return request<T>(this.baseUrl, method, path, body, { accessToken: this.accessToken, ...options });
  }

  /** Requests that must succeed; returns the body. */
  async ok<T = Record<string, any>>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const response = await this.request<T>(method, path, body, options);
    if (response.status !== 200) {
      throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  async createRoom(body: Record<string, unknown> = {}): Promise<string> {
    return (await this.ok('POST', '/createRoom', body)).room_id;
  }

  async join(roomIdOrAlias: string): Promise<string> {
    return (await this.ok('POST', `/join/${encodeURIComponent(roomIdOrAlias)}`, {})).room_id;
  }

  async invite(roomId: string, userId: string): Promise<void> {
    await this.ok('POST', `/rooms/${encodeURIComponent(roomId)}/invite`, { user_id: userId });
  }

  async leave(roomId: string): Promise<void> {
    await this.ok('POST', `/rooms/${encodeURIComponent(roomId)}/leave`, {});
  }

  async send(roomId: string, content: Record<string, unknown>, type = 'm.room.message', txnId = uniqueName('txn')): Promise<string> {
    const path = `/rooms/${encodeURIComponent(roomId)}/send/${encodeURIComponent(type)}/${encodeURIComponent(txnId)}`;
    return (await this.ok('PUT', path, content)).event_id;
  }

  async setState(roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
    const path = `/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`;
    return (await this.ok('PUT', path, content)).event_id;
  }

  async state(roomId: string): Promise<Array<Record<string, any>>> {
    return this.ok('GET', `/rooms/${encodeURIComponent(roomId)}/state`);
  }

  async sync(query: RequestOptions['query'] = {}): Promise<Record<string, any>> {
    return this.ok('GET', '/sync', undefined, { query });
  }

  /** Syncs from `since` until `predicate` holds for a response (each waits on the server's long-poll). */
  async syncUntil(
    since: string | undefined,
    predicate: (response: Record<string, any>) => boolean,
    attempts = 10,
  ): Promise<Record<string, any>> {
    let token = since;
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      const response = await this.sync({ since: token, timeout: 10_000 });
      if (predicate(response)) return response;
      token = response.next_batch;
    }
    throw new Error('sync never returned what was expected');
  }

  async profileRoomId(): Promise<string> {
    const localpart = this.userId.slice(1, this.userId.indexOf(':'));
    const server = this.userId.slice(this.userId.indexOf(':') + 1);
    const response = await this.ok('GET', `/directory/room/${encodeURIComponent(`#_profile_${localpart}:${server}`)}`);
    return response.room_id;
  }
}
