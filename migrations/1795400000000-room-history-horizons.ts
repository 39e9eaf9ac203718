import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/**
 * How far each room's history was purged (PRESENCE_HISTORY_RETENTION_MS): events at or below
 * `purged_up_to` may be gone, so a token older than it is answered as a gap, never silently.
 */
export class RoomHistoryHorizons1795400000000 implements MigrationInterface {
  name = 'RoomHistoryHorizons1795400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'room_history_horizons',
        columns: [
          { name: 'room_id', type: 'varchar', length: '255', isPrimary: true },
          { name: 'purged_up_to', type: 'integer' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('room_history_horizons');
  }
}
