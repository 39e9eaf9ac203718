import { Mutex } from '../common/mutex.js';
import type { SqlParameter, SqlTransaction } from './sql-statements.js';
import { StreamPositions } from './stream-positions.js';

/**
 * A table of positions with the database's lock semantics: a transaction that takes the lock
 * holds it until it ends, its rows count only once it commits, and the highest position is read
 * from committed rows (and its own).
 */
class FakeDatabase {
  committed: number[] = [];
  readonly log: string[] = [];
  private readonly locks = new Map<number, Mutex>();

  begin(name: string): FakeTransaction {
    return new FakeTransaction(this, name);
  }

  lock(key: number): Mutex {
    let mutex = this.locks.get(key);
    if (!mutex) this.locks.set(key, (mutex = new Mutex()));
    return mutex;
  }
}

class FakeTransaction implements SqlTransaction {
  readonly rows: number[] = [];
  private release: (() => void) | undefined;

  constructor(
    private readonly db: FakeDatabase,
    private readonly name: string,
  ) {}

  async lock(key: number): Promise<void> {
    this.db.log.push(`${this.name} waits`);
    await new Promise<void>((granted) => {
      void this.db.lock(key).run(() => new Promise<void>((release) => ((this.release = release), granted())));
    });
    this.db.log.push(`${this.name} locked`);
  }

  async get<T>(sql: string): Promise<T | undefined> {
    expect(sql).toBe(STREAM.maxSql);
    const all = [...this.db.committed, ...this.rows];
    return { max: all.length === 0 ? null : String(Math.max(...all)) } as T;
  }

  async all<T>(): Promise<T[]> {
    throw new Error('not used');
  }

  async run(_sql: string, ..._parameters: SqlParameter[]): Promise<void> {}

  insert(position: number): void {
    this.rows.push(position);
  }

  end(commit: boolean): void {
    if (commit) this.db.committed.push(...this.rows);
    this.db.log.push(`${this.name} ${commit ? 'commits' : 'rolls back'}`);
    this.release?.();
  }
}

const STREAM = { lockKey: 42, maxSql: 'SELECT MAX(position) AS max FROM t' };

describe(StreamPositions.name, () => {
  const positions = new StreamPositions(STREAM);

  it('counts on from the highest committed position, and reads it as a number', async () => {
    const db = new FakeDatabase();
    expect(await positions.highest(db.begin('reader'))).toBe(0);
    db.committed = [1, 2, 7];
    const tx = db.begin('a');
    const allocated = positions.in(tx);
    expect(allocated.highest).toBeNull();
    expect([await allocated.next(), await allocated.next()]).toEqual([8, 9]);
    expect(allocated.highest).toBe(9);
  });

  it('takes the lock once, with the first position, even when asked twice at once', async () => {
    const db = new FakeDatabase();
    const allocated = positions.in(db.begin('a'));
    expect(db.log).toEqual([]);
    expect((await Promise.all([allocated.next(), allocated.next()])).sort()).toEqual([1, 2]);
    expect(db.log).toEqual(['a waits', 'a locked']);
  });

  it('locks ahead of the first position when asked, answering the highest committed, and counts on from it under that one lock', async () => {
    const db = new FakeDatabase();
    db.committed = [1, 2, 3];
    const allocated = positions.in(db.begin('a'));
    expect(await allocated.lock()).toBe(3);
    expect(allocated.highest).toBeNull();
    expect([await allocated.next(), await allocated.next()]).toEqual([4, 5]);
    expect(db.log).toEqual(['a waits', 'a locked']);
  });

  it('makes a second writer wait for the first to end, so positions commit in order without holes', async () => {
    const db = new FakeDatabase();
    const a = db.begin('a');
    const b = db.begin('b');
    const c = db.begin('c');
    const inA = positions.in(a);
    a.insert(await inA.next());
    a.insert(await inA.next());
    // b and c ask while a holds the lock: neither gets a position until a has ended.
    const fromB = positions.in(b).next();
    const fromC = positions.in(c).next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(db.log).toEqual(['a waits', 'a locked', 'b waits', 'c waits']);
    a.end(true);
    b.insert(await fromB);
    // b rolls back: the position it took is not lost to a hole, c takes it.
    b.end(false);
    c.insert(await fromC);
    c.end(true);
    expect(db.committed).toEqual([1, 2, 3]);
    expect(db.log).toEqual(['a waits', 'a locked', 'b waits', 'c waits', 'a commits', 'b locked', 'b rolls back', 'c locked', 'c commits']);
  });
});
