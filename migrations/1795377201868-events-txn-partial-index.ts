import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * The transaction-ID index covers only events sent with a transaction ID. Events the server
 * writes itself (presence, status, membership it makes) have none and were each one more random
 * index page to write; NULLs never collided, so uniqueness is unchanged.
 */
export class EventsTxnPartialIndex1795377201868 implements MigrationInterface {
  name = 'EventsTxnPartialIndex1795377201868';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('events', 'events_txn');
    await queryRunner.createIndex(
      'events',
      new TableIndex({ name: 'events_txn', columnNames: ['sender', 'device_id', 'txn_id'], isUnique: true, where: 'txn_id IS NOT NULL' }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('events', 'events_txn');
    await queryRunner.createIndex('events', new TableIndex({ name: 'events_txn', columnNames: ['sender', 'device_id', 'txn_id'], isUnique: true }));
  }
}
