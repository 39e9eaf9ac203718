import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Database, Statement } from 'better-sqlite3';
import { DataSource } from 'typeorm';

export type SqlParameter = string | number | null;

/** More distinct texts than the hot paths have: only IN lists of unusual lengths are dropped. */
const MAX_PREPARED = 500;

/**
 * Hot-path SQL as statements prepared once, on the connection TypeORM opened. For the small
 * reads of /sync, TypeORM's query builder costs more than the query, and it writes numbers into
 * the SQL text, so each new stream position meant a new statement to prepare. The SQL is plain
 * SQL with positional parameters, as portable as the entities.
 */
@Injectable()
export class SqlStatements {
  private readonly prepared = new Map<string, Statement>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  all<T>(sql: string, ...parameters: SqlParameter[]): T[] {
    return this.statement(sql).all(...parameters) as T[];
  }

  get<T>(sql: string, ...parameters: SqlParameter[]): T | undefined {
    return this.statement(sql).get(...parameters) as T | undefined;
  }

  run(sql: string, ...parameters: SqlParameter[]): void {
    this.statement(sql).run(...parameters);
  }

  /**
   * Whether a transaction is open on the shared connection: a read made now may see rows that
   * are not committed yet (and may never be), so it must not be remembered.
   */
  get inTransaction(): boolean {
    return this.connection.inTransaction;
  }

  /** `?, ?, …` for an IN list of `count` values. */
  static placeholders(count: number): string {
    return Array.from({ length: count }, () => '?').join(', ');
  }

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
