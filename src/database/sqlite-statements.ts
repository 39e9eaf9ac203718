import type { Database, Statement } from 'better-sqlite3';
import type { DataSource, EntityManager } from 'typeorm';
import { SqlStatements, type SqlParameter, type SqlTransaction } from './sql-statements.js';

/** More distinct texts than the hot paths have: only IN lists of unusual lengths are dropped. */
const MAX_PREPARED = 500;

/**
 * SQLite: statements prepared once on the one connection TypeORM opened, run synchronously by
 * better-sqlite3. That connection is the transaction's too, so inside a write transaction the
 * same statements see and make its writes; and SQLite admits one writer, which DatabaseWriter
 * serialises, so there is no lock to take.
 */
export class SqliteStatements extends SqlStatements implements SqlTransaction {
  readonly readsSeeOpenTransactions = true;
  private readonly prepared = new Map<string, Statement>();

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async all<T>(sql: string, ...parameters: SqlParameter[]): Promise<T[]> {
    return this.statement(sql).all(...parameters) as T[];
  }

  async get<T>(sql: string, ...parameters: SqlParameter[]): Promise<T | undefined> {
    return this.statement(sql).get(...parameters) as T | undefined;
  }

  async run(sql: string, ...parameters: SqlParameter[]): Promise<void> {
    this.statement(sql).run(...parameters);
  }

  within(_manager: EntityManager): SqlTransaction {
    return this;
  }

  async lock(_key: number): Promise<void> {}

  private get connection(): Database {
    return (this.dataSource.driver as unknown as { databaseConnection: Database }).databaseConnection;
  }

  private statement(sql: string): Statement {
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = this.connection.prepare(sql);
      if (this.prepared.size >= MAX_PREPARED) this.prepared.clear();
      this.prepared.set(sql, statement);
    }
    return statement;
  }
}
