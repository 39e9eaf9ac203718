import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { PostgresTexts, type PgQueryConfig } from './postgres-sql.js';
import { SqlStatements, type SqlExecutor, type SqlParameter, type SqlTransaction } from './sql-statements.js';

/** The part of node-postgres's Pool and PoolClient used here. */
interface PgQueryable {
  query(config: PgQueryConfig): Promise<{ rows: unknown[] }>;
}

/** Runs the port's three calls on whatever `queryable` resolves to. */
abstract class PostgresExecutor implements SqlExecutor {
  constructor(readonly texts: PostgresTexts) {}

  protected abstract queryable(): PgQueryable | Promise<PgQueryable>;

  async all<T>(sql: string, ...parameters: SqlParameter[]): Promise<T[]> {
    return (await this.query(sql, parameters)).rows as T[];
  }

  async get<T>(sql: string, ...parameters: SqlParameter[]): Promise<T | undefined> {
    return (await this.query(sql, parameters)).rows[0] as T | undefined;
  }

  async run(sql: string, ...parameters: SqlParameter[]): Promise<void> {
    await this.query(sql, parameters);
  }

  private async query(sql: string, parameters: SqlParameter[]): Promise<{ rows: unknown[] }> {
    return (await this.queryable()).query(this.texts.query(sql, parameters));
  }
}

/**
 * PostgreSQL: named prepared statements through node-postgres. Reads outside a transaction take
 * any pooled connection (each sees committed rows only); statements of a write transaction run
 * on that transaction's own connection, the one its TypeORM query runner holds.
 */
export class PostgresStatements extends SqlStatements {
  readonly readsSeeOpenTransactions = false;
  private readonly pool: PostgresPool;

  constructor(dataSource: DataSource, texts = new PostgresTexts()) {
    super();
    this.pool = new PostgresPool(dataSource, texts);
  }

  all<T>(sql: string, ...parameters: SqlParameter[]): Promise<T[]> {
    return this.pool.all<T>(sql, ...parameters);
  }

  get<T>(sql: string, ...parameters: SqlParameter[]): Promise<T | undefined> {
    return this.pool.get<T>(sql, ...parameters);
  }

  run(sql: string, ...parameters: SqlParameter[]): Promise<void> {
    return this.pool.run(sql, ...parameters);
  }

  within(manager: EntityManager): SqlTransaction {
    if (!manager.queryRunner?.isTransactionActive) throw new Error('SqlStatements.within needs the manager of an open transaction');
    return new PostgresTransaction(manager.queryRunner, this.pool.texts);
  }
}

class PostgresPool extends PostgresExecutor {
  constructor(
    private readonly dataSource: DataSource,
    texts: PostgresTexts,
  ) {
    super(texts);
  }

  protected queryable(): PgQueryable {
    // TypeORM's PostgreSQL driver keeps its pg Pool as `master`.
    return (this.dataSource.driver as unknown as { master: PgQueryable }).master;
  }
}

class PostgresTransaction extends PostgresExecutor implements SqlTransaction {
  private client: Promise<PgQueryable> | undefined;

  constructor(
    private readonly queryRunner: QueryRunner,
    texts: PostgresTexts,
  ) {
    super(texts);
  }

  /** Transaction-scoped: PostgreSQL releases it at commit or rollback. */
  lock(key: number): Promise<void> {
    return this.run('SELECT pg_advisory_xact_lock(?)', key);
  }

  protected queryable(): Promise<PgQueryable> {
    // The query runner's connect() hands back the pooled client it already holds for the transaction.
    return (this.client ??= (this.queryRunner.connect() as Promise<PgQueryable>));
  }
}
