import { jest } from '@jest/globals';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import type { EventStore } from '../events/event-store.service.js';
import type { NewEvent, RoomWriteTransaction } from '../events/room-write-transaction.js';
import type { ProfileRoomService } from '../profiles/profile-room.service.js';
import { EMPTY_INPUTS, type PresenceView } from './core/presence-model.js';
import type { Publication } from './presence-engine.js';
import { PresenceWriter } from './presence-writer.js';
import { TrackedPresence } from './tracked-presence.js';

const USER = '@alice:localhost';

const view = (statusMsg: string): PresenceView => ({ presence: 'online', currentlyActive: true, lastActiveTs: 1, statusMsg });
const publication = (previous: PresenceView | null, next: PresenceView): Publication => ({ userId: USER, view: next, previous, changedAt: 1, refresh: false });

/**
 * A store whose transactions keep their writes only when they commit; the first `failures`
 * fail at commit, as a transient database error would. `during` runs inside each transaction
 * before its work, `beforeCommit` after it.
 */
class FakeStore {
  readonly events: NewEvent[] = [];
  readonly rows: unknown[][] = [];
  attempts = 0;
  during: () => void = () => {};
  beforeCommit: () => void | Promise<void> = () => {};

  constructor(private failures: number) {}

  async write(work: (tx: RoomWriteTransaction) => Promise<void>): Promise<void> {
    this.attempts += 1;
    const events: NewEvent[] = [];
    const rows: unknown[][] = [];
    const tx = { append: async (event: NewEvent) => void events.push(event), sql: { run: async (_sql: string, ...values: unknown[]) => void rows.push(values) } };
    this.during();
    await work(tx as unknown as RoomWriteTransaction);
    await this.beforeCommit();
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('connection reset');
    }
    this.events.push(...events);
    this.rows.push(...rows);
  }

  idle = async () => undefined;
}

function writerOn(store: FakeStore): PresenceWriter {
  const profileRooms = { ensureProfileRoom: async () => '!profile:localhost' } as unknown as ProfileRoomService;
  return new PresenceWriter(store as unknown as EventStore, profileRooms, new MscIdentifiers('stable'));
}

const statusMessages = (store: FakeStore) => store.events.filter((event) => event.type === 'm.status').map((event) => event.content.status_msg);

describe(PresenceWriter.name, () => {
  afterEach(() => jest.useRealTimers());

  it('writes a batch whose transaction failed again, so what the engine published is stored, with the row', async () => {
    const store = new FakeStore(1);
    const writer = writerOn(store);
    const tracked = new TrackedPresence(USER, { ...EMPTY_INPUTS, statusMsg: 'lunch' }, null);
    writer.markChanged(tracked);
    await writer.write([publication(null, view('lunch'))], [tracked]);
    expect(store.attempts).toBe(2);
    expect(statusMessages(store)).toEqual(['lunch']);
    expect(store.rows.map((row) => row[0])).toEqual([USER]);
    expect(writer.pending.size).toBe(0);
  });

  it('writes a failed batch before the publications asked for after it, so the newest stands last', async () => {
    const store = new FakeStore(1);
    const writer = writerOn(store);
    let later: Promise<void> | undefined;
    // A request arrives while the first transaction runs.
    store.during = () => {
      store.during = () => {};
      later = writer.write([publication(view('lunch'), view('back'))], []);
    };
    await writer.write([publication(null, view('lunch'))], []);
    await later;
    expect(statusMessages(store)).toEqual(['lunch', 'back']);
  });

  it('fails a write put back after a failed transaction when the process stands down, rather than acknowledging it', async () => {
    jest.useFakeTimers();
    const store = new FakeStore(1);
    const writer = writerOn(store);
    const outcome = writer.write([publication(null, view('lunch'))], []).then(
      () => 'written',
      (error: Error) => error.message,
    );
    // The first transaction has failed; the retry waits.
    await jest.advanceTimersByTimeAsync(0);
    expect(store.attempts).toBe(1);
    writer.dropPending(new Error('lease lost'));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(await outcome).toBe('lease lost');
    expect(statusMessages(store)).toEqual([]);
  });

  it('fails only the writes still queued when the process stands down: the batch under way commits', async () => {
    const store = new FakeStore(0);
    const writer = writerOn(store);
    let queued: Promise<string> | undefined;
    // A request arrives once the first transaction has taken its batch, then the lease is lost before its turn.
    store.beforeCommit = async () => {
      store.beforeCommit = () => {};
      queued = writer.write([publication(view('lunch'), view('back'))], []).then(
        () => 'written',
        (error: Error) => error.message,
      );
      await new Promise((resolve) => setImmediate(resolve));
      writer.dropPending(new Error('lease lost'));
    };
    await writer.write([publication(null, view('lunch'))], []);
    expect(await queued).toBe('lease lost');
    expect(statusMessages(store)).toEqual(['lunch']);
  });

  it('tells those waiting once the write has failed several times, and still writes the batch later', async () => {
    jest.useFakeTimers();
    const store = new FakeStore(8);
    const writer = writerOn(store);
    const written = writer.write([publication(null, view('lunch'))], []);
    const outcome = written.then(
      () => 'written',
      (error: Error) => error.message,
    );
    await jest.advanceTimersByTimeAsync(60_000);
    expect(await outcome).toBe('connection reset');
    expect(store.attempts).toBe(9);
    expect(statusMessages(store)).toEqual(['lunch']);
  });
});
