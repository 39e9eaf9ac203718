/** One signed-in device of a simulated user, speaking the client-server API over fetch. */
export class LiveDevice {
  constructor(
    readonly baseUrl: string,
    readonly userId: string,
    readonly deviceId: string,
    readonly accessToken: string,
  ) {}

  /** A request that must succeed; returns the answer's JSON. */
  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<T> {
    return call<T>(this.baseUrl, method, path, body, query, this.accessToken);
  }

  /** A GraphQL operation over HTTP, as the GraphQL clients send one; fails on any error in the answer. */
  async graphql(query: string, variables: Record<string, unknown>): Promise<void> {
    const answer = await this.request<{ errors?: unknown }>('POST', '/graphql', { query, variables });
    if (answer.errors) throw new Error(`GraphQL ${query} answered ${JSON.stringify(answer.errors)}`);
  }
}

interface SignedIn {
  user_id: string;
  device_id: string;
  access_token: string;
}

/** Registers `username` signed in on `deviceId`, as a client does. */
export async function register(baseUrl: string, username: string, password: string, deviceId: string): Promise<LiveDevice> {
  const answer = await call<SignedIn>(baseUrl, 'POST', '/register', { username, password, device_id: deviceId, auth: { type: 'm.login.dummy' } });
  return new LiveDevice(baseUrl, answer.user_id, answer.device_id, answer.access_token);
}

/** Signs `userId` in on another device. */
export async function login(baseUrl: string, userId: string, password: string, deviceId: string): Promise<LiveDevice> {
  const answer = await call<SignedIn>(baseUrl, 'POST', '/login', { type: 'm.login.password', identifier: { type: 'm.id.user', user: userId }, password, device_id: deviceId });
  return new LiveDevice(baseUrl, answer.user_id, answer.device_id, answer.access_token);
}

/** A request (with the access token when given) that must succeed; returns the answer's JSON. */
export async function call<T = Record<string, unknown>>(baseUrl: string, method: string, path: string, body?: unknown, query: Record<string, string> = {}, token?: string): Promise<T> {
  const url = new URL(path.startsWith('/_') || path === '/graphql' ? path : `/_matrix/client/v3${path}`, baseUrl);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url.pathname} answered ${response.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : {}) as T;
}
