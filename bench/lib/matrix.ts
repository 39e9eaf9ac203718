/** The few client calls the benchmarks need, over fetch (keep-alive by default). */

export interface Account {
  userId: string;
  accessToken: string;
  deviceId: string;
}

export async function call(baseUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${baseUrl}/_matrix/client/v3${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

async function ok(baseUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const response = await call(baseUrl, method, path, token, body);
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inBatches<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index], index);
      }
    }),
  );
  return results;
}

export async function register(baseUrl: string, username: string): Promise<Account> {
  const body = await ok(baseUrl, 'POST', '/register', undefined, { username, password: 'bench-password', auth: { type: 'm.login.dummy' } });
  return { userId: body.user_id, accessToken: body.access_token, deviceId: body.device_id };
}

export async function login(baseUrl: string, username: string): Promise<Account> {
  const body = await ok(baseUrl, 'POST', '/login', undefined, { type: 'm.login.password', user: username, password: 'bench-password' });
  return { userId: body.user_id, accessToken: body.access_token, deviceId: body.device_id };
}

/** `users` users named `<prefix><n>`, each with two devices (a registration, then a login), one after the other in the list. */
export async function usersWithTwoDevices(baseUrl: string, prefix: string, users: number): Promise<Account[]> {
  const names = Array.from({ length: users }, (_, n) => `${prefix}${n}`);
  const first = await inBatches(names, 16, (name) => register(baseUrl, name));
  const second = await inBatches(names, 16, (name) => login(baseUrl, name));
  return first.flatMap((account, n) => [account, second[n]]);
}

export async function createRoom(baseUrl: string, owner: Account): Promise<string> {
  return (await ok(baseUrl, 'POST', '/createRoom', owner.accessToken, { preset: 'public_chat' })).room_id;
}

export async function join(baseUrl: string, account: Account, roomId: string): Promise<void> {
  await ok(baseUrl, 'POST', `/join/${encodeURIComponent(roomId)}`, account.accessToken, {});
}

/**
 * A first `/sync` (offline, so it counts as no device activity) whose token starts the measured
 * ones, so those are incremental syncs. `filter` is the filter JSON, when one is wanted.
 */
export async function initialSyncToken(baseUrl: string, account: Account, filter?: string): Promise<string> {
  const query = `?timeout=0&set_presence=offline${filter === undefined ? '' : `&filter=${encodeURIComponent(filter)}`}`;
  return (await ok(baseUrl, 'GET', `/sync${query}`, account.accessToken)).next_batch;
}

export async function setPresence(baseUrl: string, account: Account, presence: string, statusMsg?: string): Promise<number> {
  const path = `/presence/${encodeURIComponent(account.userId)}/status`;
  return (await call(baseUrl, 'PUT', path, account.accessToken, statusMsg === undefined ? { presence } : { presence, status_msg: statusMsg })).status;
}
