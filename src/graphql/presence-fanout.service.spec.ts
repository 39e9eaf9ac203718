import { PubSub } from 'graphql-subscriptions';
import type { PresenceVisibilityCache } from '../access/presence-visibility-cache.js';
import type { Requester } from '../auth/requester.js';
import type { Clock } from '../common/clock.js';
import { MatrixError } from '../common/matrix-error.js';
import type { PresenceView } from '../presence/core/presence-model.js';
import type { PresenceReader, PresenceRecord } from '../presence/presence-reader.service.js';
import type { StoredPresence } from '../presence/stored-presence.js';
import { Metrics } from '../operations/metrics/metrics.js';
import { PresenceFanout } from './presence-fanout.service.js';
import type { PresenceItem, PresenceRenderer, PresenceSink } from './presence-stream.js';
import { TRIGGERS } from './pubsub.js';

const ALICE = '@alice:test';
const BOB = '@bob:test';
const CAROL = '@carol:test';

/** A world of published presence, a visibility rule and a pub/sub, all in memory. */
function world(subscribed: Promise<void> = Promise.resolve()) {
  const log: string[] = [];
  const views = new Map<string, PresenceView>([
    [ALICE, { presence: 'offline', currentlyActive: false, lastActiveTs: 0, statusMsg: null }],
    [BOB, { presence: 'offline', currentlyActive: false, lastActiveTs: 0, statusMsg: null }],
  ]);
  const record = (userId: string): PresenceRecord => ({ userId, view: views.get(userId)!, displayName: null, avatarUrl: null });
  const hidden = new Set<string>();
  let initialRead: Promise<void> = Promise.resolve();
  const reader = {
    read: async (viewer: string, userIds: readonly string[]) => {
      log.push('read');
      await initialRead;
      return new Map(userIds.map((userId) => [userId, hidden.has(`${viewer}>${userId}`) ? MatrixError.forbidden('no') : record(userId)]));
    },
    readOne: async (_viewer: string, userId: string) => record(userId),
    publicRecord: async (userId: string) => record(userId),
  } as unknown as PresenceReader;
  // Hiding a user is a privacy change: it starts a new epoch, as the real cache does.
  const visibility = {
    known: () => undefined,
    get currentEpoch() {
      return hidden.size;
    },
    maySeePresence: async (viewer: string, owner: string) => !hidden.has(`${viewer}>${owner}`),
  } as unknown as PresenceVisibilityCache;
  const pubsub = new PubSub();
  // A subscription confirmed when `subscribed` resolves, as Redis confirms one.
  const subscribe = pubsub.subscribe.bind(pubsub);
  pubsub.subscribe = async (...args: Parameters<PubSub['subscribe']>) => {
    const id = await subscribe(...args);
    await subscribed;
    log.push('subscribed');
    return id;
  };
  const stored = { caughtUp: async () => undefined } as unknown as StoredPresence;
  const fanout = new PresenceFanout(pubsub, reader, stored, visibility, { now: () => 1_000 } as Clock, new Metrics());
  const change = async (userId: string, view: Partial<PresenceView>) => {
    views.set(userId, { ...views.get(userId)!, ...view });
    await pubsub.publish(TRIGGERS.presenceChanged(userId), { userId });
  };
  return {
    fanout,
    change,
    log,
    hide: (viewer: string, owner: string) => hidden.add(`${viewer}>${owner}`),
    holdInitialRead: () => {
      let release!: () => void;
      initialRead = new Promise((resolve) => (release = resolve));
      return release;
    },
  };
}

const viewer = (userId: string) => ({ userId, deviceId: 'D' }) as Requester;

/** Lets queued deliveries run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('PresenceFanout', () => {
  it('reads the initial values only once its subscriptions are confirmed, so no change falls between', async () => {
    let confirm!: () => void;
    const { fanout, log } = world(new Promise((resolve) => (confirm = resolve)));
    const iterator = fanout.follow(viewer(BOB), [ALICE])[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    expect(log).toEqual([]);
    confirm();
    expect((await first).value).toMatchObject({ userId: ALICE });
    expect(log).toEqual(['subscribed', 'read']);
  });

  it('streams the initial values, then each change once, as an async iterable', async () => {
    const { fanout, change } = world();
    const iterator = fanout.follow(viewer(BOB), [ALICE])[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ userId: ALICE, state: 'offline' });
    await change(ALICE, { presence: 'online', statusMsg: 'hi' });
    // A notification that changes nothing visible is not delivered.
    await change(ALICE, {});
    await change(ALICE, { presence: 'busy' });
    expect((await iterator.next()).value).toMatchObject({ state: 'online', statusMsg: 'hi' });
    expect((await iterator.next()).value).toMatchObject({ state: 'busy' });
    await iterator.return!();
  });

  it('refuses a user the viewer may not see alone, and keeps streaming the others', async () => {
    const { fanout, change, hide } = world();
    hide(CAROL, ALICE);
    const iterator = fanout.follow(viewer(CAROL), [ALICE, BOB])[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ errcode: 'M_FORBIDDEN', extra: { userId: ALICE } });
    expect((await iterator.next()).value).toMatchObject({ userId: BOB, state: 'offline' });
    await change(ALICE, { presence: 'online' });
    await change(BOB, { presence: 'busy' });
    expect((await iterator.next()).value).toMatchObject({ userId: BOB, state: 'busy' });
    await iterator.return!();
  });

  it('ends delivery of a user once the viewer may no longer see them, and completes when nobody is left', async () => {
    const { fanout, change, hide } = world();
    const iterator = fanout.follow(viewer(CAROL), [ALICE, BOB])[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.next();
    hide(CAROL, ALICE);
    await change(ALICE, { presence: 'online' });
    expect((await iterator.next()).value).toMatchObject({ errcode: 'M_FORBIDDEN', extra: { userId: ALICE } });
    await change(ALICE, { presence: 'busy' });
    await change(BOB, { presence: 'online' });
    expect((await iterator.next()).value).toMatchObject({ userId: BOB, state: 'online' });
    hide(CAROL, BOB);
    await change(BOB, { presence: 'busy' });
    expect((await iterator.next()).value).toMatchObject({ errcode: 'M_FORBIDDEN', extra: { userId: BOB } });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('renders a change once for every stream that shares a renderer', async () => {
    const { fanout, change, hide } = world();
    const renders: PresenceItem[] = [];
    const renderer: PresenceRenderer = {
      render: async (item) => {
        renders.push(item);
        return item instanceof MatrixError ? `${item.errcode}:${String(item.extra.userId)}` : `${item.userId}:${item.state}`;
      },
    };
    const received: string[][] = [[], [], []];
    const sink = (n: number): PresenceSink => ({ renderer, next: (_item, text) => received[n].push(text!), complete: () => undefined, fail: () => undefined });
    for (const n of [0, 1, 2]) fanout.follow(viewer(`@watcher${n}:test`), [ALICE, BOB]).attach(sink(n));
    await settle();
    renders.length = 0;
    await change(ALICE, { presence: 'online' });
    await settle();
    expect(renders).toHaveLength(1);
    expect(received.map((texts) => texts.at(-1))).toEqual([`${ALICE}:online`, `${ALICE}:online`, `${ALICE}:online`]);

    // A refusal reaching many followers at once is rendered once too.
    renders.length = 0;
    for (const n of [0, 1, 2]) hide(`@watcher${n}:test`, ALICE);
    await change(ALICE, { presence: 'busy' });
    await settle();
    expect(renders).toHaveLength(1);
    expect(received.map((texts) => texts.at(-1))).toEqual([`M_FORBIDDEN:${ALICE}`, `M_FORBIDDEN:${ALICE}`, `M_FORBIDDEN:${ALICE}`]);
  });

  it('delivers a change made while the initial values were being read, after them', async () => {
    const { fanout, change, holdInitialRead } = world();
    const release = holdInitialRead();
    const iterator = fanout.follow(viewer(BOB), [ALICE])[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    await change(ALICE, { presence: 'online' });
    release();
    expect((await first).value).toMatchObject({ state: 'online' });
    await change(ALICE, { presence: 'unavailable' });
    expect((await iterator.next()).value).toMatchObject({ state: 'unavailable' });
    await iterator.return!();
  });

  it('refuses an empty list or one over the limit', () => {
    const { fanout } = world();
    expect(() => fanout.follow(viewer(BOB), [])).toThrow(MatrixError);
    expect(() => fanout.follow(viewer(BOB), Array.from({ length: 1001 }, (_, n) => `@u${n}:test`))).toThrow(MatrixError);
  });
});
