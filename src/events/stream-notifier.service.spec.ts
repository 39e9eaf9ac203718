import { jest } from '@jest/globals';
import { DomainEventBus } from '../common/event-bus.js';
import { StreamNotifier } from './stream-notifier.service.js';

describe(StreamNotifier.name, () => {
  let notifier: StreamNotifier;

  beforeEach(() => {
    jest.useFakeTimers();
    notifier = new StreamNotifier(new DomainEventBus());
    notifier.onModuleInit();
  });

  afterEach(() => {
    notifier.onModuleDestroy();
    jest.useRealTimers();
  });

  it('wakes a waiter when its key changes', async () => {
    let woken = false;
    const waiting = notifier.wait('@a:hs', notifier.generation('@a:hs'), 30_000).then(() => (woken = true));
    notifier.wake(['@b:hs']);
    await Promise.resolve();
    expect(woken).toBe(false);
    notifier.wake(['@a:hs']);
    await waiting;
    expect(woken).toBe(true);
  });

  it('returns at once when the key changed after the generation was read', async () => {
    const generation = notifier.generation('@a:hs');
    notifier.wake(['@a:hs']);
    let woken = false;
    await notifier.wait('@a:hs', generation, 30_000).then(() => (woken = true));
    expect(woken).toBe(true);
  });

  it('gives up after the timeout', async () => {
    let woken = false;
    const waiting = notifier.wait('@a:hs', 0, 1_000).then(() => (woken = true));
    jest.advanceTimersByTime(999);
    await Promise.resolve();
    expect(woken).toBe(false);
    jest.advanceTimersByTime(1);
    await waiting;
    expect(woken).toBe(true);
  });

  it('stops waiting when the request is aborted', async () => {
    const controller = new AbortController();
    const waiting = notifier.wait('@a:hs', 0, 30_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
  });
});

describe(`${StreamNotifier.name} with several keys`, () => {
  it('wakes a waiter on any of its keys, and forgets it on every key afterwards', async () => {
    const notifier = new StreamNotifier(new DomainEventBus());
    const snapshot = notifier.snapshot(['@a:hs', '!room:hs']);
    const waiting = notifier.waitAny(snapshot, 30_000);
    notifier.wake(['!room:hs']);
    await expect(waiting).resolves.toBeUndefined();
    notifier.wake(['@a:hs']);
    notifier.onModuleDestroy();
  });
});
