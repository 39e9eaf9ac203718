import type { EntityManager } from 'typeorm';

export type SqlParameter = string | number | null;

/**
 * Plain SQL with `?` positional parameters, as portable as the entities: values never go into
 * the text, so each text is prepared once and reused.
 */
export interface SqlExecutor {
  all<T>(sql: string, ...parameters: SqlParameter[]): Promise<T[]>;
  get<T>(sql: string, ...parameters: SqlParameter[]): Promise<T | undefined>;
  run(sql: string, ...parameters: SqlParameter[]): Promise<void>;
}

/** Statements inside one write transaction. */
export interface SqlTransaction extends SqlExecutor {
  /**
   * Holds the lock `key` until this transaction ends, so the writers that take it commit one
   * after another (`StreamPositions`). A database with a single writer has nothing to take.
   */
  lock(key: number): Promise<void>;
}

/**
 * The storage port of the hot paths (/sync's small reads, appending events, presence rows): for
 * them TypeORM's query builder costs more than the query. One implementation per database,
 * chosen by the database module; both keep prepared statements.
 */
export abstract class SqlStatements implements SqlExecutor {
  /**
   * Whether a read made outside a transaction may see the rows of a transaction still open (one
   * connection shared by every query): such a read must not be remembered.
   */
  abstract readonly readsSeeOpenTransactions: boolean;

  abstract all<T>(sql: string, ...parameters: SqlParameter[]): Promise<T[]>;
  abstract get<T>(sql: string, ...parameters: SqlParameter[]): Promise<T | undefined>;
  abstract run(sql: string, ...parameters: SqlParameter[]): Promise<void>;

  /** The statements of the transaction that `manager` runs in. */
  abstract within(manager: EntityManager): SqlTransaction;

  /** `?, ?, …` for an IN list of `count` values. */
  static placeholders(count: number): string {
    return Array.from({ length: count }, () => '?').join(', ');
  }
}
