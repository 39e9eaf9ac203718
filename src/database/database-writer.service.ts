import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Mutex } from '../common/mutex.js';

/**
 * Every write goes through here, one transaction at a time. TypeORM's SQLite driver shares a
 * single connection, so two overlapping transactions would silently nest as savepoints and one
 * flow's rollback could undo another's work; SQLite admits one writer anyway. On PostgreSQL each
 * transaction has a pooled connection of its own, but the writers of a stream take its lock
 * (StreamPositions) and would queue there: queueing here holds no connection while waiting.
 */
@Injectable()
export class DatabaseWriter {
  private readonly lock = new Mutex();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Resolves once every transaction asked for so far has ended (transactions run in order). */
  idle(): Promise<void> {
    return this.lock.run(() => Promise.resolve());
  }

  /**
   * Runs `work` in turn with the transactions, in none of its own: for reading what other
   * processes committed into what mirrors committed rows, between two of this process's writes.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run(work);
  }

  /**
   * `settled` runs before the next transaction starts, with whether this one committed: what
   * mirrors committed rows in memory is then up to date before anyone can write again.
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>, settled?: (committed: boolean) => void): Promise<T> {
    return this.lock.run(async () => {
      let result: T;
      try {
        result = await this.dataSource.transaction(work);
      } catch (error) {
        settled?.(false);
        throw error;
      }
      settled?.(true);
      return result;
    });
  }
}
