import { jest } from '@jest/globals';
import { ClientEvent, createClient, SyncState, UserEvent, type MatrixClient, type MatrixEvent, type User } from 'matrix-js-sdk';
import type { Logger } from 'matrix-js-sdk/lib/logger.js';
import type { RawSync } from './sync-checks.js';

/** The SDK's chatter stays out of the test output (some of it goes straight to the console). */
const quietLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (...message) => console.error(...message),
  getChild: () => quietLogger,
};

/**
 * Call once per test file that uses matrix-js-sdk. The SDK arms a timer per request (up to
 * 110 s) that it never clears; unreferencing long timers lets the test process exit when done.
 */
export function quietMatrixSdk(): void {
  jest.spyOn(console, 'debug').mockImplementation(() => undefined);
  jest.spyOn(console, 'info').mockImplementation(() => undefined);
  const realSetTimeout = globalThis.setTimeout;
  const patched = ((handler: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
    const timer = realSetTimeout(handler, delay, ...args);
    if ((delay ?? 0) >= 10_000) timer.unref();
    return timer;
  }) as typeof setTimeout;
  globalThis.setTimeout = Object.assign(patched, realSetTimeout);
}

export interface SdkClientOptions {
  /** The fetch the client uses (see `syncRecorder`). */
  fetchFn?: typeof globalThis.fetch;
}

export async function registerSdkClient(
  baseUrl: string,
  username: string,
  password = 'js-sdk-password',
  options: SdkClientOptions = {},
): Promise<MatrixClient> {
  const anonymous = createClient({ baseUrl, logger: quietLogger });
  await anonymous.registerRequest({ username, password, auth: { type: 'm.login.dummy' } });
  return loginSdkClient(baseUrl, username, password, options);
}

export async function loginSdkClient(
  baseUrl: string,
  username: string,
  password = 'js-sdk-password',
  options: SdkClientOptions = {},
): Promise<MatrixClient> {
  const anonymous = createClient({ baseUrl, logger: quietLogger });
  const login = await anonymous.loginRequest({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: username },
    password,
  });
  return createClient({
    baseUrl,
    accessToken: login.access_token,
    userId: login.user_id,
    deviceId: login.device_id,
    logger: quietLogger,
    fetchFn: options.fetchFn,
  });
}

/** A fetch that keeps the body of every /sync response the client receives, to check what the server sent. */
export function syncRecorder(): { fetchFn: typeof globalThis.fetch; syncs: RawSync[] } {
  const syncs: RawSync[] = [];
  const fetchFn: typeof globalThis.fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname.endsWith('/sync') && response.ok) syncs.push((await response.clone().json()) as RawSync);
    return response;
  };
  return { fetchFn, syncs };
}

/** Starts the client's sync loop and resolves once it reports PREPARED. */
export async function startAndPrepare(client: MatrixClient): Promise<void> {
  const prepared = new Promise<void>((resolve) => {
    const onSync = (state: SyncState) => {
      if (state === SyncState.Prepared) {
        client.off(ClientEvent.Sync, onSync);
        resolve();
      }
    };
    client.on(ClientEvent.Sync, onSync);
  });
  await client.startClient({ initialSyncLimit: 10 });
  await prepared;
}

/**
 * Resolves once `client` knows a presence of `userId` that satisfies `accept` (now or on a later
 * update). It listens to LastPresenceTs, which the SDK fires for every m.presence it receives
 * (Presence fires only when the presence value itself changes, not for currently_active).
 */
export function presenceSeenBy(client: MatrixClient, userId: string, accept: (user: User) => boolean): Promise<User> {
  const known = client.getUser(userId);
  if (known && accept(known)) return Promise.resolve(known);
  return new Promise((resolve) => {
    const listener = (_event: MatrixEvent | undefined, user: User) => {
      if (user.userId === userId && accept(user)) {
        client.off(UserEvent.LastPresenceTs, listener);
        resolve(user);
      }
    };
    client.on(UserEvent.LastPresenceTs, listener);
  });
}
